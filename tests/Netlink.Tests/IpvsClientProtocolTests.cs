using System.Net;
using Kad.Netlink.Generic;
using Kad.Netlink.Ipvs;
using Kad.Netlink.Protocol;
using Kad.Netlink.Tests.Fakes;
using static Kad.Netlink.Ipvs.IpvsConstants;

namespace Kad.Netlink.Tests;

/// <summary>The IPVS client against a scripted fake kernel: request types checked, replies scripted, no root.</summary>
public sealed class IpvsClientProtocolTests
{
    private const ushort IpvsFamily = 0x2A;
    private static readonly IpvsServiceKey Web = IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.1"), 80);

    /// <summary>A fake kernel holding an in-memory IPVS table, answering like ip_vs_ctl.c does for the commands used here.</summary>
    private sealed class FakeIpvsKernel
    {
        public HashSet<IpvsServiceKey> Services { get; } = [];

        public HashSet<(IpvsServiceKey, IPAddress, ushort)> Destinations { get; } = [];

        /// <summary>Success ACKs sent (a batch should need one per datagram).</summary>
        public int AckedSuccessfully { get; private set; }

        public IEnumerable<byte[]> Answer(FakeRequest request)
        {
            if (request.Type == GenericNetlinkConstants.GENL_ID_CTRL)
            {
                Assert.That(request.Command, Is.EqualTo(GenericNetlinkConstants.CTRL_CMD_GETFAMILY));
                yield return FakeReplies.Generic(request, GenericNetlinkConstants.GENL_ID_CTRL, GenericNetlinkConstants.CTRL_CMD_NEWFAMILY, w =>
                {
                    w.WriteU16(GenericNetlinkConstants.CTRL_ATTR_FAMILY_ID, IpvsFamily);
                    w.WriteString(GenericNetlinkConstants.CTRL_ATTR_FAMILY_NAME, "IPVS");
                    w.WriteU32(GenericNetlinkConstants.CTRL_ATTR_VERSION, 1);
                    w.WriteU32(GenericNetlinkConstants.CTRL_ATTR_MAXATTR, 6);
                });
                yield return FakeReplies.Ack(request);
                yield break;
            }

            Assert.That(request.Type, Is.EqualTo(IpvsFamily), "IPVS requests must carry the resolved family id");
            Assert.That(request.Wants(Protocol.NetlinkConstants.NLM_F_REQUEST), Is.True);
            // Requests decode with the reply decoders: the SERVICE nest comes first and carries the identity.
            var reader = new NetlinkMessageReader(request.Message);
            reader.TryRead(out var message);
            int errno;
            switch (request.Command)
            {
                case IPVS_CMD_NEW_SERVICE:
                    var service = IpvsCodec.DecodeService(message).Service;
                    errno = Services.Add(service.Key) ? 0 : Errno.EEXIST;
                    break;
                case IPVS_CMD_NEW_DEST:
                    var key = IpvsCodec.DecodeService(message).Service.Key;
                    var destination = IpvsCodec.DecodeDestination(message, key.Family).Destination;
                    errno = !Services.Contains(key) ? Errno.ESRCH
                        : Destinations.Add((key, destination.Address, destination.Port)) ? 0 : Errno.EEXIST;
                    break;
                default:
                    errno = Errno.EOPNOTSUPP;
                    break;
            }

            // netlink_rcv_skb: errors are always reported, successes only when NLM_F_ACK was asked for.
            if (errno != 0 || request.Wants(Protocol.NetlinkConstants.NLM_F_ACK))
            {
                AckedSuccessfully += errno == 0 ? 1 : 0;
                yield return FakeReplies.Ack(request, errno);
            }
        }
    }

    private static (IpvsClient Client, FakeNetlinkTransport Transport, FakeIpvsKernel Kernel) Start()
    {
        var kernel = new FakeIpvsKernel();
        var transport = new FakeNetlinkTransport(kernel.Answer);
        return (new IpvsClient(transport), transport, kernel);
    }

    [Test]
    public void Constructor_NoFamilyId_ResolvesIpvsThroughController()
    {
        var (client, transport, _) = Start();

        Assert.That(client.FamilyId, Is.EqualTo(IpvsFamily));
        Assert.That(transport.Requests[0].Type, Is.EqualTo(GenericNetlinkConstants.GENL_ID_CTRL));
    }

    [Test]
    public void Constructor_FamilyUnknown_ThrowsEnoentNamingTheFamily()
    {
        var transport = new FakeNetlinkTransport(r => [FakeReplies.Ack(r, Errno.ENOENT)]);

        var error = Assert.Throws<NetlinkException>(() => _ = new IpvsClient(transport));

        Assert.That((error.ErrnoName, error.Operation, error.Subject), Is.EqualTo(("ENOENT", "CTRL_CMD_GETFAMILY", (object)"IPVS")));
    }

    [Test]
    public void AddService_Twice_SecondThrowsEexistWithServiceAsSubject()
    {
        var (client, _, _) = Start();
        client.AddService(new IpvsService(Web, "rr"));

        var error = Assert.Throws<NetlinkException>(() => client.AddService(new IpvsService(Web, "rr")));

        Assert.That(error.Errno, Is.EqualTo(Errno.EEXIST));
        Assert.That(error.ErrnoName, Is.EqualTo("EEXIST"));
        Assert.That(error.Subject, Is.EqualTo(new IpvsOperation.AddService(new IpvsService(Web, "rr"))));
        Assert.That(error.Message, Does.Contain("TCP 10.0.0.1:80").And.Contain("EEXIST"));
    }

    [Test]
    public void AddDestination_ServiceMissing_ThrowsEsrch()
    {
        var (client, _, _) = Start();

        var error = Assert.Throws<NetlinkException>(() => client.AddDestination(Web, new IpvsDestination(IPAddress.Parse("10.0.0.2"), 80)));

        Assert.That(error.ErrnoName, Is.EqualTo("ESRCH"));
        Assert.That(error.Operation, Is.EqualTo("IPVS NEW_DEST"));
    }

    [Test]
    public void DeleteDestination_KernelSaysEnoentWithText_ExceptionCarriesKernelMessage()
    {
        var transport = new FakeNetlinkTransport(r => [FakeReplies.Ack(r, Errno.ENOENT, "destination not found")]);
        var client = new IpvsClient(transport, IpvsFamily);

        var error = Assert.Throws<NetlinkException>(() => client.DeleteDestination(Web, new IpvsDestination(IPAddress.Parse("10.0.0.9"), 80)));

        Assert.That((error.ErrnoName, error.KernelMessage, transport.Requests[0].Command), Is.EqualTo(("ENOENT", "destination not found", IPVS_CMD_DEL_DEST)));
    }

    [Test]
    public void Execute_StaleReplyWithOtherSequence_IsSkipped()
    {
        var transport = new FakeNetlinkTransport(r => [FakeReplies.Ack(r)]);
        var client = new IpvsClient(transport, IpvsFamily);
        var stale = new FakeRequest(IpvsFamily, 5, 999_999, 1, Hex.Parse("14 00 00 00 2a 00 05 00 3f 42 0f 00 00 00 00 00 01 01 00 00"));
        transport.Script = r => [FakeReplies.Ack(stale, Errno.EEXIST), FakeReplies.Ack(r)];

        Assert.That(() => client.Flush(), Throws.Nothing);
        Assert.That(transport.Requests[^1].Command, Is.EqualTo(IPVS_CMD_FLUSH));
    }

    [Test]
    public void Execute_KernelSilent_ThrowsTimeout()
    {
        var transport = new FakeNetlinkTransport(_ => []);
        var client = new IpvsClient(transport, IpvsFamily);

        Assert.That(() => client.ZeroCounters(), Throws.TypeOf<TimeoutException>());
    }

    [Test]
    public void GetServices_DumpOverTwoDatagrams_ReturnsAllInOrder()
    {
        var transport = new FakeNetlinkTransport(r =>
        [
            ServiceMessage(r, Web),
            ServiceMessage(r, IpvsServiceKey.ForFirewallMark(3)),
            FakeReplies.Done(r),
        ])
        { OneReplyPerDatagram = true };
        var client = new IpvsClient(transport, IpvsFamily);

        var services = client.GetServices();

        Assert.That(services.Select(s => s.Service.Key), Is.EqualTo(new[] { Web, IpvsServiceKey.ForFirewallMark(3) }));
        Assert.That(transport.Requests[0].Flags, Is.EqualTo((ushort)0x0301));
        Assert.That(transport.Requests[0].Command, Is.EqualTo(IPVS_CMD_GET_SERVICE));
    }

    [Test]
    public void GetServices_FirstDumpInterrupted_DumpsAgainAndKeepsOnlySecond()
    {
        var attempt = 0;
        var transport = new FakeNetlinkTransport(r =>
        {
            attempt++;
            return attempt == 1
                ? [ServiceMessage(r, Web, Protocol.NetlinkConstants.NLM_F_DUMP_INTR), FakeReplies.Done(r, 0, Protocol.NetlinkConstants.NLM_F_DUMP_INTR)]
                : [ServiceMessage(r, IpvsServiceKey.ForFirewallMark(8)), FakeReplies.Done(r)];
        });
        var client = new IpvsClient(transport, IpvsFamily);

        var services = client.GetServices();

        Assert.That(services.Select(s => s.Service.Key), Is.EqualTo(new[] { IpvsServiceKey.ForFirewallMark(8) }));
        Assert.That(transport.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public void GetDestinations_Dump_DecodesCountersAndStats()
    {
        var transport = new FakeNetlinkTransport(r =>
        [
            FakeReplies.Generic(r, IpvsFamily, IPVS_CMD_NEW_DEST, w =>
            {
                var nest = w.BeginNested(IPVS_CMD_ATTR_DEST);
                w.WriteAttribute(IPVS_DEST_ATTR_ADDR, Hex.Parse("0a 00 00 02 00 00 00 00 00 00 00 00 00 00 00 00"));
                w.WriteU16BigEndian(IPVS_DEST_ATTR_PORT, 8080);
                w.WriteU32(IPVS_DEST_ATTR_FWD_METHOD, 0);
                w.WriteU32(IPVS_DEST_ATTR_WEIGHT, 7);
                w.WriteU32(IPVS_DEST_ATTR_ACTIVE_CONNS, 11);
                w.WriteU32(IPVS_DEST_ATTR_INACT_CONNS, 12);
                w.WriteU32(IPVS_DEST_ATTR_PERSIST_CONNS, 13);
                var stats = w.BeginNested(IPVS_DEST_ATTR_STATS);
                w.WriteU32(IPVS_STATS_ATTR_CONNS, 99);
                w.WriteU64(IPVS_STATS_ATTR_INBYTES, 1234);
                w.EndNested(stats);
                w.EndNested(nest);
            }, Protocol.NetlinkConstants.NLM_F_MULTI),
            FakeReplies.Done(r),
        ]);
        var client = new IpvsClient(transport, IpvsFamily);

        var destination = client.GetDestinations(Web).Single();

        Assert.That(destination.Destination, Is.EqualTo(new IpvsDestination(IPAddress.Parse("10.0.0.2"), 8080) { ForwardingMethod = IpvsForwardingMethod.Masquerade, Weight = 7 }));
        Assert.That((destination.ActiveConnections, destination.InactiveConnections, destination.PersistentConnections), Is.EqualTo((11u, 12u, 13u)));
        Assert.That((destination.Stats.Connections, destination.Stats.InBytes), Is.EqualTo((99UL, 1234UL)));
    }

    [Test]
    public void GetInfoAndTimeoutsAndDaemons_Replies_AreDecoded()
    {
        var transport = new FakeNetlinkTransport(r => r.Command switch
        {
            IPVS_CMD_GET_INFO => [FakeReplies.Generic(r, IpvsFamily, IPVS_CMD_SET_INFO, w => { w.WriteU32(IPVS_INFO_ATTR_VERSION, 0x010201); w.WriteU32(IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096); }), FakeReplies.Ack(r)],
            IPVS_CMD_GET_CONFIG => [FakeReplies.Generic(r, IpvsFamily, IPVS_CMD_SET_CONFIG, w => { w.WriteU32(IPVS_CMD_ATTR_TIMEOUT_TCP, 900); w.WriteU32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, 120); w.WriteU32(IPVS_CMD_ATTR_TIMEOUT_UDP, 300); }), FakeReplies.Ack(r)],
            IPVS_CMD_GET_DAEMON => [FakeReplies.Generic(r, IpvsFamily, IPVS_CMD_NEW_DAEMON, w =>
            {
                var nest = w.BeginNested(IPVS_CMD_ATTR_DAEMON);
                w.WriteU32(IPVS_DAEMON_ATTR_STATE, 2);
                w.WriteString(IPVS_DAEMON_ATTR_MCAST_IFN, "eth1");
                w.WriteU32(IPVS_DAEMON_ATTR_SYNC_ID, 9);
                w.EndNested(nest);
            }, Protocol.NetlinkConstants.NLM_F_MULTI), FakeReplies.Done(r)],
            _ => [FakeReplies.Ack(r, Errno.EOPNOTSUPP)],
        });
        var client = new IpvsClient(transport, IpvsFamily);

        Assert.That(client.GetInfo(), Is.EqualTo(new IpvsInfo(new Version(1, 2, 1), 4096)));
        Assert.That(client.GetTimeouts(), Is.EqualTo(new IpvsTimeouts(TimeSpan.FromSeconds(900), TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300))));
        Assert.That(client.GetSyncDaemons(), Is.EqualTo(new[] { new IpvsSyncDaemon(IpvsSyncState.Backup, "eth1", 9) }));
    }

    [Test]
    public void GetService_Missing_ReturnsNull()
    {
        var transport = new FakeNetlinkTransport(r => [FakeReplies.Ack(r, Errno.ESRCH)]);
        var client = new IpvsClient(transport, IpvsFamily);

        Assert.That(client.GetService(Web), Is.Null);
    }

    [Test]
    public void ApplyBatch_ThousandOperations_PacksDatagramsAndReportsEachFailureByIndex()
    {
        var (client, transport, kernel) = Start();
        var operations = new List<IpvsOperation> { new IpvsOperation.AddService(new IpvsService(Web, "wlc")) };
        for (var i = 0; i < 1000; i++)
        {
            operations.Add(new IpvsOperation.AddDestination(Web, new IpvsDestination(new IPAddress([10, 1, (byte)(i / 250), (byte)(i % 250 + 1)]), 80)));
        }

        // Two duplicates and one destination of a missing service.
        operations.Insert(5, operations[3]);
        operations.Add(operations[700]);
        var missing = IpvsServiceKey.ForFirewallMark(77);
        operations.Add(new IpvsOperation.AddDestination(missing, new IpvsDestination(IPAddress.Parse("10.9.9.9"), 0)));
        var sentBefore = transport.SentDatagrams.Count;

        var result = client.ApplyBatch(operations);

        Assert.That(result.Failures.Select(f => (f.Index, f.Error.ErrnoName)), Is.EqualTo(new[] { (5, "EEXIST"), (1002, "EEXIST"), (1003, "ESRCH") }));
        Assert.That(result.Failures[2].Error.Subject, Is.SameAs(operations[1003]));
        Assert.That(result.Succeeded, Is.EqualTo(operations.Count - 3));
        Assert.That(kernel.Destinations, Has.Count.EqualTo(1000));
        var datagrams = transport.SentDatagrams.Count - sentBefore;
        Assert.That(datagrams, Is.EqualTo(result.Datagrams).And.LessThanOrEqualTo(4));
        Assert.That(kernel.AckedSuccessfully, Is.LessThanOrEqualTo(datagrams + 1), "only the last request of a datagram should ask for an ACK (plus the family lookup)");
    }

    [Test]
    public void ApplyBatch_AcksSplitAcrossDatagrams_StillMatchedBySequence()
    {
        var (client, transport, _) = Start();
        transport.OneReplyPerDatagram = true;
        var operations = Enumerable.Range(1, 50).Select(i => (IpvsOperation)new IpvsOperation.AddService(new IpvsService(IpvsServiceKey.ForFirewallMark((uint)i), "rr"))).ToList();
        operations.Add(operations[0]);

        var result = client.ApplyBatch(operations);

        Assert.That(result.Failures.Select(f => f.Index), Is.EqualTo(new[] { 50 }));
    }

    private static byte[] ServiceMessage(FakeRequest request, IpvsServiceKey key, ushort extraFlags = 0)
    {
        // A kernel-style dump entry, built with the request encoder's layout for the nest content.
        var writer = new NetlinkWriter();
        IpvsCodec.EncodeNewService(writer, IpvsFamily, request.Sequence, new IpvsService(key, "rr"));
        var bytes = writer.WrittenSpan.ToArray();
        var flags = (ushort)(Protocol.NetlinkConstants.NLM_F_MULTI | extraFlags);
        BitConverter.TryWriteBytes(bytes.AsSpan(6), flags);
        return bytes;
    }
}
