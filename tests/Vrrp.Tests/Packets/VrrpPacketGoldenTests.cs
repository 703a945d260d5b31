using System.Net;
using System.Net.Sockets;
using Kad.Vrrp.Packets;

namespace Kad.Vrrp.Tests.Packets;

/// <summary>
/// Byte-exact vectors captured from keepalived 2.2.7 (ref/vrrp.md §3–5): what we build must equal them and what we
/// parse from them must read back the fields.
/// </summary>
public class VrrpPacketGoldenTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.168.1.100");
    private static readonly byte[] Source = IPAddress.Parse("192.168.1.10").GetAddressBytes();
    private static readonly byte[] Group = [224, 0, 0, 18];

    private const string V2NoAuth = "21 33 64 01 00 01 b8 bd c0 a8 01 64 00 00 00 00 00 00 00 00";
    private const string V2Pass = "21 33 64 01 01 01 7b 71 c0 a8 01 64 73 65 63 72 65 74 00 00";
    private const string V3IPv4 = "31 33 64 01 00 64 06 19 c0 a8 01 64";
    private const string V3IPv4Header = "45 c0 00 20 00 01 00 00 ff 70 18 e8 c0 a8 01 0a e0 00 00 12";
    private const string V3IPv6 = "31 33 64 02 00 64 2c 57 fe 80 00 00 00 00 00 00 00 00 00 00 00 05 00 33 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 01 00";
    private static readonly byte[] V6Source = IPAddress.Parse("fe80::7c47:beff:feb7:d86f").GetAddressBytes();
    private static readonly byte[] V6Group = IPAddress.Parse("ff02::12").GetAddressBytes();

    [Test]
    public void WriteMessage_V2WithoutAuth_MatchesKeepalived()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V2, 51, TimeSpan.FromSeconds(1), [Vip]);
        var buffer = new byte[64];

        var length = template.WriteMessage(buffer, 100, Source, Group);

        Assert.That(Hex.Format(buffer.AsSpan(0, length)), Is.EqualTo(V2NoAuth));
    }

    [Test]
    public void WriteMessage_V2WithPassword_MatchesKeepalived()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V2, 51, TimeSpan.FromSeconds(1), [Vip], VrrpAuthType.SimplePassword, "secret");
        var buffer = new byte[64];

        var length = template.WriteMessage(buffer, 100, Source, Group);

        Assert.That(Hex.Format(buffer.AsSpan(0, length)), Is.EqualTo(V2Pass));
    }

    [Test]
    public void Create_PasswordLongerThanEight_IsTruncatedLikeKeepalived()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V2, 51, TimeSpan.FromSeconds(1), [Vip], VrrpAuthType.SimplePassword, "0123456789");

        Assert.That(template.AuthData.ToArray(), Is.EqualTo("01234567"u8.ToArray()));
    }

    [Test]
    public void WriteIPv4Datagram_V3_MatchesKeepalivedHeaderAndMessage()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V3, 51, TimeSpan.FromSeconds(1), [Vip]);
        var buffer = new byte[64];

        var length = template.WriteIPv4Datagram(buffer, 100, Source, Group, identification: 1);

        Assert.That(Hex.Format(buffer.AsSpan(0, length)), Is.EqualTo(V3IPv4Header + " " + V3IPv4));
    }

    [Test]
    public void WriteMessage_V3IPv4MessageOnlyChecksum_UsesNoPseudoHeader()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V3, 51, TimeSpan.FromSeconds(1), [Vip]);
        var buffer = new byte[64];

        template.WriteMessage(buffer, 100, Source, Group, VrrpChecksumForm.MessageOnly);

        Assert.That(Hex.Format(buffer.AsSpan(6, 2)), Is.EqualTo("a8 5a"));
    }

    [Test]
    public void WriteMessage_V3IPv6_MatchesKeepalived()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V3, 51, TimeSpan.FromSeconds(1), [IPAddress.Parse("fe80::5:33"), IPAddress.Parse("2001:db8::100")]);
        var buffer = new byte[64];

        var length = template.WriteMessage(buffer, 100, V6Source, V6Group);

        Assert.That(Hex.Format(buffer.AsSpan(0, length)), Is.EqualTo(V3IPv6));
    }

    [Test]
    public void TryParse_V2WithoutAuthDatagram_ReadsEveryField()
    {
        var datagram = IPv4Datagram(Hex.Parse(V2NoAuth));

        var ok = VrrpPacket.TryParse(datagram, out var packet, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True, reason.ToString());
            Assert.That(packet.Family, Is.EqualTo(AddressFamily.InterNetwork));
            Assert.That(packet.Version, Is.EqualTo(VrrpVersion.V2));
            Assert.That(packet.Vrid, Is.EqualTo(51));
            Assert.That(packet.Priority, Is.EqualTo(100));
            Assert.That(packet.AddressCount, Is.EqualTo(1));
            Assert.That(packet.Address(0).ToArray(), Is.EqualTo(Vip.GetAddressBytes()));
            Assert.That(packet.AuthType, Is.EqualTo(VrrpAuthType.None));
            Assert.That(packet.IntervalField, Is.EqualTo(1));
            Assert.That(packet.Interval, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(packet.Checksum, Is.EqualTo(0xb8bd));
            Assert.That(packet.Source.ToArray(), Is.EqualTo(Source));
            Assert.That(packet.Ttl, Is.EqualTo(255));
            Assert.That(packet.IsMulticastDestination, Is.True);
        }
    }

    [Test]
    public void TryParse_V2WithPasswordDatagram_ReadsAuthData()
    {
        var datagram = IPv4Datagram(Hex.Parse(V2Pass));

        var ok = VrrpPacket.TryParse(datagram, out var packet, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True, reason.ToString());
            Assert.That(packet.AuthType, Is.EqualTo(VrrpAuthType.SimplePassword));
            Assert.That(packet.AuthData.ToArray(), Is.EqualTo("secret\0\0"u8.ToArray()));
        }
    }

    [Test]
    public void TryParse_V3IPv4KeepalivedDatagram_ReadsFieldsAndPseudoHeaderForm()
    {
        var datagram = Hex.Parse(V3IPv4Header + V3IPv4);

        var ok = VrrpPacket.TryParse(datagram, out var packet, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True, reason.ToString());
            Assert.That(packet.Version, Is.EqualTo(VrrpVersion.V3));
            Assert.That(packet.IntervalField, Is.EqualTo(100));
            Assert.That(packet.IntervalCentiseconds, Is.EqualTo(100));
            Assert.That(packet.ChecksumForm, Is.EqualTo(VrrpChecksumForm.PseudoHeader));
            Assert.That(packet.AuthData.Length, Is.Zero);
        }
    }

    [Test]
    public void TryParse_V3IPv4MessageOnlyChecksum_IsAcceptedAndReported()
    {
        var message = Hex.Parse(V3IPv4);
        message[6] = 0xa8;
        message[7] = 0x5a;

        var ok = VrrpPacket.TryParse(IPv4Datagram(message), out var packet, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True, reason.ToString());
            Assert.That(packet.ChecksumForm, Is.EqualTo(VrrpChecksumForm.MessageOnly));
        }
    }

    [Test]
    public void TryParse_V3UnicastWithGroupInPseudoHeader_IsAcceptedAsOldForm()
    {
        // keepalived ≤ 1.3.6 put 224.0.0.18 in the pseudo-header of unicast adverts.
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V3, 51, TimeSpan.FromSeconds(1), [Vip]);
        byte[] peer = [192, 168, 1, 11];
        var buffer = new byte[64];
        var length = template.WriteIPv4Datagram(buffer, 100, Source, peer, 7, VrrpChecksumForm.PseudoHeaderWithGroup);

        var ok = VrrpPacket.TryParse(buffer.AsSpan(0, length), out var packet, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True, reason.ToString());
            Assert.That(packet.ChecksumForm, Is.EqualTo(VrrpChecksumForm.PseudoHeaderWithGroup));
            Assert.That(packet.IsMulticastDestination, Is.False);
        }
    }

    [Test]
    public void TryParse_V3IPv6Datagram_ReadsBothAddresses()
    {
        var datagram = IPv6Datagram(Hex.Parse(V3IPv6), V6Source, V6Group);

        var ok = VrrpPacket.TryParse(datagram, out var packet, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True, reason.ToString());
            Assert.That(packet.Family, Is.EqualTo(AddressFamily.InterNetworkV6));
            Assert.That(packet.AddressCount, Is.EqualTo(2));
            Assert.That(new IPAddress(packet.Address(0)), Is.EqualTo(IPAddress.Parse("fe80::5:33")));
            Assert.That(new IPAddress(packet.Address(1)), Is.EqualTo(IPAddress.Parse("2001:db8::100")));
            Assert.That(packet.ChecksumForm, Is.EqualTo(VrrpChecksumForm.PseudoHeader));
        }
    }

    [Test]
    public void TryParseMessage_V3IPv6PayloadWithEnvelope_IsAccepted()
    {
        var ok = VrrpPacket.TryParseMessage(Hex.Parse(V3IPv6), AddressFamily.InterNetworkV6, V6Source, V6Group, 255, requireTtl255: true, out var packet, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True, reason.ToString());
            Assert.That(packet.Priority, Is.EqualTo(100));
        }
    }

    /// <summary>Wraps a VRRP message in the IPv4 header keepalived would send from 192.168.1.10 to 224.0.0.18.</summary>
    internal static byte[] IPv4Datagram(byte[] message, byte ttl = 255, byte[]? source = null, byte[]? destination = null)
    {
        var datagram = new byte[20 + message.Length];
        datagram[0] = 0x45;
        datagram[1] = 0xc0;
        datagram[2] = (byte)(datagram.Length >> 8);
        datagram[3] = (byte)datagram.Length;
        datagram[8] = ttl;
        datagram[9] = 112;
        (source ?? Source).CopyTo(datagram, 12);
        (destination ?? Group).CopyTo(datagram, 16);
        message.CopyTo(datagram, 20);
        return datagram;
    }

    internal static byte[] IPv6Datagram(byte[] message, byte[] source, byte[] destination, byte hopLimit = 255)
    {
        var datagram = new byte[40 + message.Length];
        datagram[0] = 0x6c;
        datagram[4] = (byte)(message.Length >> 8);
        datagram[5] = (byte)message.Length;
        datagram[6] = 112;
        datagram[7] = hopLimit;
        source.CopyTo(datagram, 8);
        destination.CopyTo(datagram, 24);
        message.CopyTo(datagram, 40);
        return datagram;
    }
}
