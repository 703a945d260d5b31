using System.Net;
using Kad.Vrrp.Packets;

// FsCheck supplies the arguments; the NUnit analyzer does not know its attribute.
#pragma warning disable NUnit1027

namespace Kad.Vrrp.Tests.Packets;

/// <summary>Properties over generated input: what we build parses back unchanged, and no input makes the parser throw.</summary>
public class VrrpPacketProperties
{
    [FsCheck.NUnit.Property(MaxTest = 500)]
    public bool V2_WriteThenParse_RoundTrips(byte vrid, byte priority, byte interval, byte[] addressSeeds, bool withPassword, string? password)
    {
        vrid = Math.Max(vrid, (byte)1);
        interval = Math.Max(interval, (byte)1);
        var addresses = Addresses(addressSeeds, 4);
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V2, vrid, TimeSpan.FromSeconds(interval), addresses,
            withPassword ? VrrpAuthType.SimplePassword : VrrpAuthType.None, password);
        byte[] source = [10, 1, 2, 3];
        var buffer = new byte[20 + template.MessageLength];
        template.WriteIPv4Datagram(buffer, priority, source, [224, 0, 0, 18], 9);

        return VrrpPacket.TryParse(buffer, out var packet, out _)
            && packet.Vrid == vrid && packet.Priority == priority && packet.IntervalField == interval
            && packet.AddressCount == addresses.Count && packet.Addresses.SequenceEqual(template.AddressBytes)
            && packet.AuthType == template.AuthType && packet.AuthData.SequenceEqual(template.AuthData)
            && new VrrpAdvertFilter(template).Check(packet) == VrrpDropReason.None;
    }

    [FsCheck.NUnit.Property(MaxTest = 500)]
    public bool V3_WriteThenParse_RoundTrips(byte vrid, byte priority, ushort interval, byte[] addressSeeds, bool ipv6, bool unicast)
    {
        vrid = Math.Max(vrid, (byte)1);
        var centiseconds = (interval % 4095) + 1;
        var length = ipv6 ? 16 : 4;
        var addresses = Addresses(addressSeeds, length);
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V3, vrid, TimeSpan.FromMilliseconds(centiseconds * 10), addresses);
        var source = ipv6 ? IPAddress.Parse("fe80::1").GetAddressBytes() : [10, 1, 2, 3];
        var destination = ipv6
            ? IPAddress.Parse(unicast ? "fe80::2" : "ff02::12").GetAddressBytes()
            : unicast ? [10, 1, 2, 4] : [224, 0, 0, 18];
        byte[] datagram;
        if (ipv6)
        {
            var message = new byte[template.MessageLength];
            template.WriteMessage(message, priority, source, destination);
            datagram = VrrpPacketGoldenTests.IPv6Datagram(message, source, destination);
        }
        else
        {
            datagram = new byte[20 + template.MessageLength];
            template.WriteIPv4Datagram(datagram, priority, source, destination, 1);
        }

        return VrrpPacket.TryParse(datagram, out var packet, out _)
            && packet.Vrid == vrid && packet.Priority == priority && packet.IntervalCentiseconds == centiseconds
            && packet.AddressCount == addresses.Count && packet.Addresses.SequenceEqual(template.AddressBytes)
            && packet.ChecksumForm == VrrpChecksumForm.PseudoHeader
            && packet.Source.SequenceEqual(source);
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public bool TryParse_ArbitraryBytes_NeverThrows(byte[] garbage, bool looksLikeIPv4)
    {
        garbage ??= [];
        if (looksLikeIPv4 && garbage.Length > 0)
        {
            // Steer some inputs past the first checks so the deeper rules are exercised too.
            garbage[0] = 0x45;
        }

        var ok = VrrpPacket.TryParse(garbage, out _, out var reason);
        VrrpPacket.TryPeekVrid(garbage, out _, out _);
        return ok == (reason == VrrpDropReason.None);
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public bool TryParse_ValidAdvertWithOneByteFlipped_IsRejectedUnlessInIpHeader(int position, byte xor)
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V2, 51, TimeSpan.FromSeconds(1), [IPAddress.Parse("192.168.1.100")], VrrpAuthType.SimplePassword, "secret");
        var datagram = new byte[20 + template.MessageLength];
        template.WriteIPv4Datagram(datagram, 100, [10, 0, 0, 1], [224, 0, 0, 18], 1);
        var index = (int)((uint)position % (uint)datagram.Length);
        datagram[index] ^= xor;

        var ok = VrrpPacket.TryParse(datagram, out _, out var reason);

        // A one-byte change inside the VRRP message always breaks the checksum; only IP header fields the parser does
        // not look at (TOS, ID, flags, header checksum, addresses for v2) may change without a drop.
        return ok ? xor == 0 || index < 20 : reason != VrrpDropReason.None;
    }

    private static List<IPAddress> Addresses(byte[]? seeds, int length)
    {
        seeds ??= [];
        var count = Math.Clamp(seeds.Length, 1, 20);
        var result = new List<IPAddress>(count);
        for (var i = 0; i < count; i++)
        {
            var bytes = new byte[length];
            bytes[0] = 10;
            bytes[^1] = seeds.Length > i ? seeds[i] : (byte)1;
            bytes[^2] = (byte)i;
            result.Add(new IPAddress(bytes));
        }

        return result;
    }
}
