using System.Net;
using System.Net.Sockets;
using Kad.Netlink.Generic;
using Kad.Netlink.Ipvs;
using Kad.Netlink.Protocol;

namespace Kad.Netlink.Tests;

/// <summary>
/// Every IPVS request kind against bytes laid out by hand from linux/ip_vs.h and ip_vs_genl_set_cmd (the first
/// three are the worked examples of ref/ipvs-netlink.md §2 and §10). Family id 0x25 as in those examples.
/// </summary>
public sealed class IpvsGoldenBytesTests
{
    private const ushort Family = 0x25;
    private static readonly IpvsServiceKey Tcp80 = IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.1"), 80);

    private static string Encode(Action<NetlinkWriter> encode)
    {
        var writer = new NetlinkWriter();
        encode(writer);
        return Hex.Format(writer.WrittenSpan);
    }

    private static string Expect(string hex) => Hex.Format(Hex.Parse(hex));

    [Test]
    public void EncodeGetFamily_Ipvs_MatchesReferenceExample()
    {
        var actual = Encode(w => GenericNetlinkFamily.EncodeGetFamily(w, 0, "IPVS"));
        Assert.That(actual, Is.EqualTo(Expect("""
            20 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00
            03 01 00 00
            09 00 02 00 49 50 56 53 00 00 00 00
            """)));
    }

    [Test]
    public void EncodeNewService_TcpRoundRobin_MatchesReferenceExample()
    {
        var actual = Encode(w => IpvsCodec.EncodeNewService(w, Family, 1, new IpvsService(Tcp80, "rr")));
        Assert.That(actual, Is.EqualTo(Expect("""
            5c 00 00 00 25 00 05 00 01 00 00 00 00 00 00 00
            01 01 00 00
            48 00 01 80
            06 00 01 00 02 00 00 00
            06 00 02 00 06 00 00 00
            08 00 03 00 0a 00 00 01
            06 00 04 00 00 50 00 00
            07 00 06 00 72 72 00 00
            0c 00 07 00 00 00 00 00 ff ff ff ff
            08 00 08 00 00 00 00 00
            08 00 09 00 ff ff ff ff
            """)));
    }

    [Test]
    public void EncodeNewDestination_DirectRouteWeight3_MatchesReferenceExample()
    {
        var destination = new IpvsDestination(IPAddress.Parse("10.0.0.2"), 80) { ForwardingMethod = IpvsForwardingMethod.DirectRoute, Weight = 3 };
        var actual = Encode(w => IpvsCodec.EncodeNewDestination(w, Family, 2, Tcp80, destination));
        Assert.That(actual, Is.EqualTo(Expect("""
            74 00 00 00 25 00 05 00 02 00 00 00 00 00 00 00
            05 01 00 00
            24 00 01 80
            06 00 01 00 02 00 00 00
            06 00 02 00 06 00 00 00
            08 00 03 00 0a 00 00 01
            06 00 04 00 00 50 00 00
            3c 00 02 80
            06 00 0b 00 02 00 00 00
            08 00 01 00 0a 00 00 02
            06 00 02 00 00 50 00 00
            08 00 03 00 03 00 00 00
            08 00 04 00 03 00 00 00
            08 00 05 00 00 00 00 00
            08 00 06 00 00 00 00 00
            """)));
    }

    [Test]
    public void EncodeDeleteService_Tcp_CarriesIdentityOnly()
    {
        var actual = Encode(w => IpvsCodec.EncodeDeleteService(w, Family, 3, Tcp80));
        Assert.That(actual, Is.EqualTo(Expect("""
            38 00 00 00 25 00 05 00 03 00 00 00 00 00 00 00
            03 01 00 00
            24 00 01 80
            06 00 01 00 02 00 00 00
            06 00 02 00 06 00 00 00
            08 00 03 00 0a 00 00 01
            06 00 04 00 00 50 00 00
            """)));
    }

    [Test]
    public void EncodeGetService_One_IsDoRequestWithIdentity()
    {
        var actual = Encode(w => IpvsCodec.EncodeGetService(w, Family, 20, Tcp80));
        Assert.That(actual, Is.EqualTo(Expect("""
            38 00 00 00 25 00 05 00 14 00 00 00 00 00 00 00
            04 01 00 00
            24 00 01 80
            06 00 01 00 02 00 00 00
            06 00 02 00 06 00 00 00
            08 00 03 00 0a 00 00 01
            06 00 04 00 00 50 00 00
            """)));
    }

    [Test]
    public void EncodeDumpServices_NoAttributes_UsesDumpFlags()
    {
        var actual = Encode(w => IpvsCodec.EncodeDumpServices(w, Family, 4));
        Assert.That(actual, Is.EqualTo(Expect("14 00 00 00 25 00 01 03 04 00 00 00 00 00 00 00 04 01 00 00")));
    }

    [Test]
    public void EncodeDumpDestinations_FirewallMark_CarriesAfAndMark()
    {
        var actual = Encode(w => IpvsCodec.EncodeDumpDestinations(w, Family, 5, IpvsServiceKey.ForFirewallMark(7)));
        Assert.That(actual, Is.EqualTo(Expect("""
            28 00 00 00 25 00 01 03 05 00 00 00 00 00 00 00
            08 01 00 00
            14 00 01 80
            06 00 01 00 02 00 00 00
            08 00 05 00 07 00 00 00
            """)));
    }

    [Test]
    public void EncodeDeleteDestination_Tcp_CarriesDestinationIdentity()
    {
        var actual = Encode(w => IpvsCodec.EncodeDeleteDestination(w, Family, 6, Tcp80, IPAddress.Parse("10.0.0.2"), 80));
        Assert.That(actual, Is.EqualTo(Expect("""
            54 00 00 00 25 00 05 00 06 00 00 00 00 00 00 00
            07 01 00 00
            24 00 01 80
            06 00 01 00 02 00 00 00
            06 00 02 00 06 00 00 00
            08 00 03 00 0a 00 00 01
            06 00 04 00 00 50 00 00
            1c 00 02 80
            06 00 0b 00 02 00 00 00
            08 00 01 00 0a 00 00 02
            06 00 02 00 00 50 00 00
            """)));
    }

    [Test]
    public void EncodeSetDestination_Ipv6MasqueradeWithThresholds_MatchesLayout()
    {
        var service = IpvsServiceKey.ForAddress(IpvsProtocol.Udp, IPAddress.Parse("2001:db8::1"), 53);
        var destination = new IpvsDestination(IPAddress.Parse("2001:db8::2"), 5353)
        {
            ForwardingMethod = IpvsForwardingMethod.Masquerade,
            Weight = 0,
            UpperThreshold = 100,
            LowerThreshold = 10,
        };
        var actual = Encode(w => IpvsCodec.EncodeSetDestination(w, Family, 7, service, destination));
        Assert.That(actual, Is.EqualTo(Expect("""
            8c 00 00 00 25 00 05 00 07 00 00 00 00 00 00 00
            06 01 00 00
            30 00 01 80
            06 00 01 00 0a 00 00 00
            06 00 02 00 11 00 00 00
            14 00 03 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
            06 00 04 00 00 35 00 00
            48 00 02 80
            06 00 0b 00 0a 00 00 00
            14 00 01 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02
            06 00 02 00 14 e9 00 00
            08 00 03 00 00 00 00 00
            08 00 04 00 00 00 00 00
            08 00 05 00 64 00 00 00
            08 00 06 00 0a 00 00 00
            """)));
    }

    [Test]
    public void EncodeNewService_Ipv6FirewallMarkPersistent_SendsPrefixLengthInHostOrder()
    {
        var service = new IpvsService(IpvsServiceKey.ForFirewallMark(1, AddressFamily.InterNetworkV6), "sh")
        {
            Flags = IpvsServiceFlags.Persistent | IpvsServiceFlags.SchedulerFlag1,
            PersistenceTimeout = 300,
            PersistencePrefixLength = 64,
        };
        var actual = Encode(w => IpvsCodec.EncodeNewService(w, Family, 8, service));
        Assert.That(actual, Is.EqualTo(Expect("""
            4c 00 00 00 25 00 05 00 08 00 00 00 00 00 00 00
            01 01 00 00
            38 00 01 80
            06 00 01 00 0a 00 00 00
            08 00 05 00 01 00 00 00
            07 00 06 00 73 68 00 00
            0c 00 07 00 09 00 00 00 ff ff ff ff
            08 00 08 00 2c 01 00 00
            08 00 09 00 40 00 00 00
            """)));
    }

    [Test]
    public void EncodeSetService_Ipv4PersistentSlash24_SendsMaskInNetworkOrder()
    {
        var service = new IpvsService(Tcp80, "wrr") { Flags = IpvsServiceFlags.Persistent, PersistenceTimeout = 360, PersistencePrefixLength = 24 };
        var actual = Encode(w => IpvsCodec.EncodeSetService(w, Family, 9, service));
        Assert.That(actual, Is.EqualTo(Expect("""
            5c 00 00 00 25 00 05 00 09 00 00 00 00 00 00 00
            02 01 00 00
            48 00 01 80
            06 00 01 00 02 00 00 00
            06 00 02 00 06 00 00 00
            08 00 03 00 0a 00 00 01
            06 00 04 00 00 50 00 00
            08 00 06 00 77 72 72 00
            0c 00 07 00 01 00 00 00 ff ff ff ff
            08 00 08 00 68 01 00 00
            08 00 09 00 ff ff ff 00
            """)));
    }

    [Test]
    public void EncodeNewService_WithPersistenceEngine_AppendsPeName()
    {
        var service = new IpvsService(IpvsServiceKey.ForAddress(IpvsProtocol.Udp, IPAddress.Parse("10.0.0.1"), 5060), "rr")
        {
            Flags = IpvsServiceFlags.Persistent,
            PersistenceTimeout = 60,
            PersistenceEngine = "sip",
        };
        var actual = Encode(w => IpvsCodec.EncodeNewService(w, Family, 21, service));
        Assert.That(actual, Is.EqualTo(Expect("""
            64 00 00 00 25 00 05 00 15 00 00 00 00 00 00 00
            01 01 00 00
            50 00 01 80
            06 00 01 00 02 00 00 00
            06 00 02 00 11 00 00 00
            08 00 03 00 0a 00 00 01
            06 00 04 00 13 c4 00 00
            07 00 06 00 72 72 00 00
            0c 00 07 00 01 00 00 00 ff ff ff ff
            08 00 08 00 3c 00 00 00
            08 00 09 00 ff ff ff ff
            08 00 0b 00 73 69 70 00
            """)));
    }

    [Test]
    public void EncodeNewDestination_GueTunnel_AddsTunnelAttributes()
    {
        var destination = new IpvsDestination(IPAddress.Parse("10.0.0.3"), 0)
        {
            ForwardingMethod = IpvsForwardingMethod.Tunnel,
            TunnelType = IpvsTunnelType.Gue,
            TunnelPort = 6080,
            TunnelFlags = IpvsTunnelFlags.Checksum,
        };
        var actual = Encode(w => IpvsCodec.EncodeNewDestination(w, Family, 10, IpvsServiceKey.ForFirewallMark(7), destination));
        Assert.That(actual, Is.EqualTo(Expect("""
            7c 00 00 00 25 00 05 00 0a 00 00 00 00 00 00 00
            05 01 00 00
            14 00 01 80 06 00 01 00 02 00 00 00 08 00 05 00 07 00 00 00
            54 00 02 80
            06 00 0b 00 02 00 00 00
            08 00 01 00 0a 00 00 03
            06 00 02 00 00 00 00 00
            08 00 03 00 02 00 00 00
            08 00 04 00 01 00 00 00
            08 00 05 00 00 00 00 00
            08 00 06 00 00 00 00 00
            05 00 0d 00 01 00 00 00
            06 00 0e 00 17 c0 00 00
            06 00 0f 00 01 00 00 00
            """)));
    }

    [Test]
    public void EncodeNewDaemon_MasterWithAllOptions_MatchesLayout()
    {
        var daemon = new IpvsSyncDaemon(IpvsSyncState.Master, "eth0", 5)
        {
            MaxLength = 1400,
            Group = IPAddress.Parse("224.0.0.81"),
            Port = 8848,
            Ttl = 2,
        };
        var actual = Encode(w => IpvsCodec.EncodeNewDaemon(w, Family, 11, daemon));
        Assert.That(actual, Is.EqualTo(Expect("""
            54 00 00 00 25 00 05 00 0b 00 00 00 00 00 00 00
            09 01 00 00
            40 00 03 80
            08 00 01 00 01 00 00 00
            09 00 02 00 65 74 68 30 00 00 00 00
            08 00 03 00 05 00 00 00
            06 00 04 00 78 05 00 00
            08 00 05 00 e0 00 00 51
            06 00 07 00 90 22 00 00
            05 00 08 00 02 00 00 00
            """)));
    }

    [Test]
    public void EncodeDeleteDaemon_Backup_CarriesStateOnly()
    {
        var actual = Encode(w => IpvsCodec.EncodeDeleteDaemon(w, Family, 12, IpvsSyncState.Backup));
        Assert.That(actual, Is.EqualTo(Expect("20 00 00 00 25 00 05 00 0c 00 00 00 00 00 00 00 0a 01 00 00 0c 00 03 80 08 00 01 00 02 00 00 00")));
    }

    [Test]
    public void EncodeDumpDaemons_NoAttributes_UsesDumpFlags()
    {
        var actual = Encode(w => IpvsCodec.EncodeDumpDaemons(w, Family, 13));
        Assert.That(actual, Is.EqualTo(Expect("14 00 00 00 25 00 01 03 0d 00 00 00 00 00 00 00 0b 01 00 00")));
    }

    [Test]
    public void EncodeSetTimeouts_ZeroFinTimeout_LeavesItOut()
    {
        var timeouts = new IpvsTimeouts(TimeSpan.FromSeconds(900), TimeSpan.Zero, TimeSpan.FromSeconds(60));
        var actual = Encode(w => IpvsCodec.EncodeSetTimeouts(w, Family, 14, timeouts));
        Assert.That(actual, Is.EqualTo(Expect("24 00 00 00 25 00 05 00 0e 00 00 00 00 00 00 00 0c 01 00 00 08 00 04 00 84 03 00 00 08 00 06 00 3c 00 00 00")));
    }

    [Test]
    public void EncodeGetTimeouts_NoAttributes_IsDoRequest()
    {
        Assert.That(Encode(w => IpvsCodec.EncodeGetTimeouts(w, Family, 15)), Is.EqualTo(Expect("14 00 00 00 25 00 05 00 0f 00 00 00 00 00 00 00 0d 01 00 00")));
    }

    [Test]
    public void EncodeGetInfo_NoAttributes_IsDoRequest()
    {
        Assert.That(Encode(w => IpvsCodec.EncodeGetInfo(w, Family, 16)), Is.EqualTo(Expect("14 00 00 00 25 00 05 00 10 00 00 00 00 00 00 00 0f 01 00 00")));
    }

    [Test]
    public void EncodeZero_All_HasNoAttributes()
    {
        Assert.That(Encode(w => IpvsCodec.EncodeZero(w, Family, 17, null)), Is.EqualTo(Expect("14 00 00 00 25 00 05 00 11 00 00 00 00 00 00 00 10 01 00 00")));
    }

    [Test]
    public void EncodeZero_OneService_CarriesIdentity()
    {
        var actual = Encode(w => IpvsCodec.EncodeZero(w, Family, 18, Tcp80));
        Assert.That(actual, Is.EqualTo(Expect("""
            38 00 00 00 25 00 05 00 12 00 00 00 00 00 00 00
            10 01 00 00
            24 00 01 80
            06 00 01 00 02 00 00 00
            06 00 02 00 06 00 00 00
            08 00 03 00 0a 00 00 01
            06 00 04 00 00 50 00 00
            """)));
    }

    [Test]
    public void EncodeFlush_NoAttributes_IsDoRequest()
    {
        Assert.That(Encode(w => IpvsCodec.EncodeFlush(w, Family, 19)), Is.EqualTo(Expect("14 00 00 00 25 00 05 00 13 00 00 00 00 00 00 00 11 01 00 00")));
    }

    [Test]
    public void DecodeService_KernelDumpMessage_ReadsSixteenByteAddressAndStats64()
    {
        // As ip_vs_genl_fill_service lays it out: no NLA_F_NESTED, 16-byte address, HASHED flag, STATS64.
        var bytes = Hex.Parse("""
            84 00 00 00 25 00 02 00 01 00 00 00 d2 04 00 00
            01 01 00 00
            70 00 01 00
            06 00 01 00 02 00 00 00
            06 00 02 00 06 00 00 00
            14 00 03 00 0a 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00
            06 00 04 00 00 50 00 00
            07 00 06 00 72 72 00 00
            0c 00 07 00 02 00 00 00 ff ff ff ff
            08 00 08 00 00 00 00 00
            08 00 09 00 ff ff ff ff
            1c 00 0c 00
            0c 00 01 00 05 00 00 00 00 00 00 00
            0c 00 04 00 00 00 00 00 02 00 00 00
            """);
        var reader = new NetlinkMessageReader(bytes);
        Assert.That(reader.TryRead(out var message), Is.True);

        var status = IpvsCodec.DecodeService(message);

        Assert.That(status.Service, Is.EqualTo(new IpvsService(Tcp80, "rr")));
        Assert.That(status.Stats.Connections, Is.EqualTo(5UL));
        Assert.That(status.Stats.InBytes, Is.EqualTo(1UL << 33));
    }

    [Test]
    public void DecodeInfo_Version010201_ReadsOneTwoOne()
    {
        var bytes = Hex.Parse("""
            24 00 00 00 25 00 00 00 10 00 00 00 d2 04 00 00
            0e 01 00 00
            08 00 01 00 01 02 01 00
            08 00 02 00 00 10 00 00
            """);
        var reader = new NetlinkMessageReader(bytes);
        reader.TryRead(out var message);

        var info = IpvsCodec.DecodeInfo(message);

        Assert.That(info, Is.EqualTo(new IpvsInfo(new Version(1, 2, 1), 4096)));
    }
}
