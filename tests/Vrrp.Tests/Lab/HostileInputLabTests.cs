using System.Buffers.Binary;
using System.Net;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// A flood of malformed and spoofed adverts, each claiming priority 254, sent on the wire at a kad master: none may
/// change its state, each must be counted under its own reason, and the engine must still obey a valid advert after.
/// Adverts for a VRID nobody here runs never reach the engine (the socket filter drops them in the kernel), while a
/// datagram too short to name a VRID still does, and is counted.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
public class HostileInputLabTests
{
    private const int Copies = 200;
    private const byte Vrid = 60;
    private static readonly IPAddress Vip = IPAddress.Parse("10.78.0.100");
    private static readonly byte[] Attacker = [10, 78, 0, 2];
    private static readonly byte[] Victim = [10, 78, 0, 1];
    private static readonly byte[] Group = [224, 0, 0, 18];

    [SetUp]
    public void RequireLab() => NamespaceLab.RequireAvailable();

    private static VrrpAdvertTemplate Template(byte vrid = Vrid, VrrpVersion version = VrrpVersion.V2, int seconds = 1, string password = "secret", VrrpAuthType auth = VrrpAuthType.SimplePassword, IPAddress? vip = null) =>
        VrrpAdvertTemplate.Create(version, vrid, TimeSpan.FromSeconds(seconds), [vip ?? Vip], version == VrrpVersion.V2 ? auth : VrrpAuthType.None, version == VrrpVersion.V2 ? password : null);

    private static byte[] Datagram(VrrpAdvertTemplate template, byte[]? destination = null, Action<byte[]>? mutate = null)
    {
        var buffer = new byte[20 + template.MessageLength];
        template.WriteIPv4Datagram(buffer, 254, Attacker, destination ?? Group, 1);
        mutate?.Invoke(buffer);
        return buffer;
    }

    private static VrrpInstance Victimize(string ns, IPAddress[]? peers = null) => new(new VrrpInstanceOptions
    {
        Name = "VI_1",
        Interface = "eth0",
        VirtualRouterId = Vrid,
        Priority = 100,
        AuthType = VrrpAuthType.SimplePassword,
        AuthPassword = "secret",
        VirtualAddresses = [VirtualAddress.Host(Vip)],
        UnicastPeers = peers ?? [],
        SourceAddress = peers is null ? null : new IPAddress(Victim),
        Garp = new GarpOptions { MasterDelay = TimeSpan.Zero, MasterRepeat = 1 },
    }, TimeProvider.System, new LabAddressPort(ns));

    [Test]
    public void MulticastFlood_EveryKindDroppedUnderItsReason_MasterUnmovedThenValidAdvertObeyed()
    {
        using var lab = new NamespaceLab();
        var victimNs = lab.AddNamespace("v");
        var attackerNs = lab.AddNamespace("x");
        lab.Connect(victimNs, "eth0", "10.78.0.1/24");
        lab.Connect(attackerNs, "eth0", "10.78.0.2/24");
        var instance = Victimize(victimNs);
        using var loop = KeepalivedInteropTests.StartKad(victimNs, instance);
        Assert.That(KeepalivedInteropTests.WaitUntil(() => instance.State == VrrpState.Master, TimeSpan.FromSeconds(10)), Is.True);
        using var sender = LabSockets.OpenRawSender(attackerNs, "eth0");
        var to = new IPEndPoint(new IPAddress(Group), 0);

        var cases = new (VrrpDropReason Reason, byte[] Datagram)[]
        {
            (VrrpDropReason.TtlNot255, Datagram(Template(), mutate: d => d[8] = 64)),
            (VrrpDropReason.BadChecksum, Datagram(Template(), mutate: d => d[20 + 7] ^= 0x5a)),
            (VrrpDropReason.TruncatedAddressList, Datagram(Template(), mutate: d => d[20 + 3] = 3)),
            (VrrpDropReason.AuthPasswordMismatch, Datagram(Template(password: "guessed"))),
            (VrrpDropReason.AuthTypeMismatch, Datagram(Template(auth: VrrpAuthType.None))),
            (VrrpDropReason.IntervalMismatch, Datagram(Template(seconds: 2))),
            (VrrpDropReason.VersionMismatch, Datagram(Template(version: VrrpVersion.V3))),
            (VrrpDropReason.AddressListMismatch, Datagram(Template(vip: IPAddress.Parse("10.78.0.99")))),
            (VrrpDropReason.NotAdvertisement, Datagram(Template(), mutate: d => Retype(d, 0x22))),
        };
        var unknownVrid = Datagram(Template(vrid: 61));
        var tooShortForVrid = Datagram(Template())[..21];
        BinaryPrimitives.WriteUInt16BigEndian(tooShortForVrid.AsSpan(2), 21);

        // Rounds of one datagram of each kind, paced so the counts can be exact (a burst beyond the socket's receive
        // buffer is dropped by the kernel, which is fine for a flood but not for counting).
        for (var round = 0; round < Copies; round++)
        {
            foreach (var (_, datagram) in cases)
            {
                sender.SendTo(datagram, to);
            }

            sender.SendTo(unknownVrid, to);
            sender.SendTo(tooShortForVrid, to);
            Thread.Sleep(1);
        }

        Assert.That(KeepalivedInteropTests.WaitUntil(() => cases.All(c => instance.Drops[c.Reason] >= Copies) && loop.InterfaceDrops[VrrpDropReason.TruncatedVrrpHeader] >= Copies, TimeSpan.FromSeconds(5)), Is.True,
            string.Join(", ", instance.Drops.Snapshot().Concat(loop.InterfaceDrops.Snapshot()).Select(kv => $"{kv.Key}={kv.Value}")));
        using (Assert.EnterMultipleScope())
        {
            foreach (var (reason, _) in cases)
            {
                Assert.That(instance.Drops[reason], Is.EqualTo(Copies), reason.ToString());
            }

            Assert.That(loop.InterfaceDrops[VrrpDropReason.TruncatedVrrpHeader], Is.EqualTo(Copies), "too short to name a VRID: past the filter, counted");
            Assert.That(loop.InterfaceDrops[VrrpDropReason.UnknownVrid], Is.Zero, "another VRID's adverts are dropped by the kernel's socket filter");
            Assert.That(instance.State, Is.EqualTo(VrrpState.Master), "no hostile advert moved the master");
            Assert.That(instance.AdvertsReceived, Is.Zero);
            Assert.That(loop.Stopped.IsCompleted, Is.False, "the interface thread survived");
        }

        // The same path still works: one valid higher-priority advert makes the master yield.
        sender.SendTo(Datagram(Template()), to);
        Assert.That(KeepalivedInteropTests.WaitUntil(() => instance.State == VrrpState.Backup, TimeSpan.FromSeconds(3)), Is.True);
    }

    [Test]
    public void UnicastMode_HigherPriorityFromNonPeer_IsDroppedAsSourceNotPeer()
    {
        using var lab = new NamespaceLab();
        var victimNs = lab.AddNamespace("v");
        var attackerNs = lab.AddNamespace("x");
        lab.Connect(victimNs, "eth0", "10.78.0.1/24");
        lab.Connect(attackerNs, "eth0", "10.78.0.2/24");
        var instance = Victimize(victimNs, peers: [IPAddress.Parse("10.78.0.3")]);
        using var loop = KeepalivedInteropTests.StartKad(victimNs, instance);
        Assert.That(KeepalivedInteropTests.WaitUntil(() => instance.State == VrrpState.Master, TimeSpan.FromSeconds(10)), Is.True);
        using var sender = LabSockets.OpenRawSender(attackerNs, "eth0");

        var spoofed = Datagram(Template(), destination: Victim);
        for (var i = 0; i < Copies; i++)
        {
            sender.SendTo(spoofed, new IPEndPoint(new IPAddress(Victim), 0));
        }

        Assert.That(KeepalivedInteropTests.WaitUntil(() => instance.Drops[VrrpDropReason.SourceNotPeer] >= Copies, TimeSpan.FromSeconds(5)), Is.True,
            string.Join(", ", instance.Drops.Snapshot().Select(kv => $"{kv.Key}={kv.Value}")));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(instance.Drops[VrrpDropReason.SourceNotPeer], Is.EqualTo(Copies));
            Assert.That(instance.State, Is.EqualTo(VrrpState.Master));
        }
    }

    /// <summary>Changes the version/type byte and fixes the v2 checksum, so only the type rule is broken.</summary>
    private static void Retype(byte[] datagram, byte versionType)
    {
        var message = datagram.AsSpan(20);
        message[0] = versionType;
        message[6] = 0;
        message[7] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], InternetChecksum.Compute(message));
    }
}
