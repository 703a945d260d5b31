using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kad.Vrrp.Packets;
using Kad.Vrrp.Transport;

namespace Kad.Vrrp.Tests.Packets;

public class PreparedAdvertTests
{
    private static readonly IPAddress Source = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress Group = IPAddress.Parse("224.0.0.18");

    private static VrrpAdvertTemplate V3Template() =>
        VrrpAdvertTemplate.Create(VrrpVersion.V3, 7, TimeSpan.FromMilliseconds(10), [IPAddress.Parse("10.0.0.100")]);

    [Test]
    public void Bytes_Ipv4_SameAsTemplateDatagramWithThatIdentification()
    {
        var template = V3Template();
        var advert = new PreparedAdvert(AddressFamily.InterNetwork, template, Source, Group, VrrpChecksumForm.PseudoHeader, 255, 2);
        var expected = new byte[20 + template.MessageLength];

        advert.Bytes(100, 1);
        var second = advert.Bytes(100, 2).ToArray();
        template.WriteIPv4Datagram(expected, 100, Source.GetAddressBytes(), Group.GetAddressBytes(), 2);

        Assert.That(second, Is.EqualTo(expected));
    }

    [Test]
    public void Bytes_PriorityChanged_RebuildsWithValidChecksums()
    {
        var advert = new PreparedAdvert(AddressFamily.InterNetwork, V3Template(), Source, Group, VrrpChecksumForm.PseudoHeader, 255, 2);
        advert.Bytes(100, 1);

        var datagram = advert.Bytes(0, 2).ToArray();

        Assert.That(VrrpPacket.TryParse(datagram, out var packet, out var reason), Is.True, reason.ToString());
        Assert.That(packet.Priority, Is.Zero);
    }

    [Test]
    public void Bytes_UnicastTtl_WrittenWithValidHeaderChecksum()
    {
        var peer = IPAddress.Parse("10.0.0.2");
        var advert = new PreparedAdvert(AddressFamily.InterNetwork, V3Template(), Source, peer, VrrpChecksumForm.PseudoHeader, 64, 2);

        var datagram = advert.Bytes(100, 9).ToArray();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(datagram[8], Is.EqualTo(64));
            Assert.That(InternetChecksum.Compute(datagram.AsSpan(0, 20)), Is.Zero, "header checksum covers the TTL");
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(4)), Is.EqualTo(9));
            Assert.That(VrrpPacket.TryParse(datagram, requireTtl255: false, out _, out var reason), Is.True, reason.ToString());
            Assert.That(VrrpPacket.TryParse(datagram, out _, out var strict), Is.False, "a multicast receiver insists on 255");
            Assert.That(strict, Is.EqualTo(VrrpDropReason.TtlNot255));
        }
    }

    [Test]
    public void SocketAddress_Ipv6LinkLocal_CarriesScope()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V3, 7, TimeSpan.FromSeconds(1), [IPAddress.Parse("fd00::100")]);
        var advert = new PreparedAdvert(AddressFamily.InterNetworkV6, template, IPAddress.Parse("fe80::1"), IPAddress.Parse("ff02::12"), VrrpChecksumForm.PseudoHeader, 255, 5);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(advert.SocketAddress, Has.Length.EqualTo(28));
            Assert.That(BitConverter.ToUInt16(advert.SocketAddress, 0), Is.EqualTo(10), "AF_INET6");
            Assert.That(BitConverter.ToUInt32(advert.SocketAddress, 24), Is.EqualTo(5), "scope id");
            Assert.That(advert.Bytes(100, 0).Length, Is.EqualTo(template.MessageLength), "IPv6: the message only");
        }
    }
}
