using System.Buffers.Binary;

namespace Kad.Vrrp.Packets;

/// <summary>
/// Ethernet frames a new master sends so that neighbours move a VIP to its MAC: gratuitous ARP for IPv4 (RFC 5227
/// announcement, keepalived's form) and unsolicited neighbour advertisement for IPv6 (RFC 4861 §7.2.6).
/// </summary>
public static class AnnouncementFrames
{
    public const int GratuitousArpLength = 42;
    public const int NeighborAdvertisementLength = 86;

    private const ushort EtherTypeArp = 0x0806;
    private const ushort EtherTypeIPv6 = 0x86DD;
    private const byte IcmpV6NextHeader = 58;
    private const byte IcmpV6NeighborAdvertisement = 136;

    /// <summary>NA flags byte: Router, Solicited, Override (RFC 4861 §4.4).</summary>
    public const byte NaFlagRouter = 0x80;
    public const byte NaFlagSolicited = 0x40;
    public const byte NaFlagOverride = 0x20;

    /// <summary>ff02::1, all nodes.</summary>
    public static ReadOnlySpan<byte> AllNodes => [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];

    /// <summary>
    /// Writes a gratuitous ARP request for <paramref name="address"/> owned by <paramref name="mac"/>: broadcast, sender IP =
    /// target IP = the VIP, target MAC ff:ff:ff:ff:ff:ff as keepalived sends it. Returns the length (42; the NIC pads).
    /// </summary>
    public static int WriteGratuitousArp(Span<byte> frame, ReadOnlySpan<byte> mac, ReadOnlySpan<byte> address)
    {
        if (mac.Length != 6 || address.Length != 4 || frame.Length < GratuitousArpLength)
        {
            throw new ArgumentException("need a 6-byte MAC, a 4-byte address and 42 bytes of room");
        }

        frame[..6].Fill(0xff);                                     // destination: broadcast
        mac.CopyTo(frame[6..]);                                    // source
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherTypeArp);
        BinaryPrimitives.WriteUInt16BigEndian(frame[14..], 1);     // htype Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(frame[16..], 0x0800); // ptype IPv4
        frame[18] = 6;                                             // hlen
        frame[19] = 4;                                             // plen
        BinaryPrimitives.WriteUInt16BigEndian(frame[20..], 1);     // opcode request
        mac.CopyTo(frame[22..]);                                   // sender hardware address
        address.CopyTo(frame[28..]);                               // sender protocol address
        frame.Slice(32, 6).Fill(0xff);                             // target hardware address (keepalived)
        address.CopyTo(frame[38..]);                               // target protocol address = sender: gratuitous
        return GratuitousArpLength;
    }

    /// <summary>
    /// Writes an unsolicited neighbour advertisement for <paramref name="target"/> from <paramref name="source"/> to
    /// ff02::1, hop limit 255, with the target link-layer address option. Returns the length (86).
    /// </summary>
    public static int WriteUnsolicitedNeighborAdvertisement(Span<byte> frame, ReadOnlySpan<byte> mac, ReadOnlySpan<byte> source, ReadOnlySpan<byte> target, byte flags)
    {
        if (mac.Length != 6 || source.Length != 16 || target.Length != 16 || frame.Length < NeighborAdvertisementLength)
        {
            throw new ArgumentException("need a 6-byte MAC, 16-byte addresses and 86 bytes of room");
        }

        const int IcmpLength = 32;
        // Ethernet: 33:33 + low 32 bits of ff02::1.
        frame[0] = 0x33;
        frame[1] = 0x33;
        AllNodes[12..].CopyTo(frame[2..]);
        mac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherTypeIPv6);

        var ip = frame[14..];
        ip[0] = 0x60;
        ip[1] = 0;
        ip[2] = 0;
        ip[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], IcmpLength);
        ip[6] = IcmpV6NextHeader;
        ip[7] = 255; // RFC 4861 §7.1.2: receivers drop ND with another hop limit
        source.CopyTo(ip[8..]);
        AllNodes.CopyTo(ip[24..]);

        var icmp = frame.Slice(54, IcmpLength);
        icmp.Clear();
        icmp[0] = IcmpV6NeighborAdvertisement;
        icmp[4] = flags;
        target.CopyTo(icmp[8..]);
        icmp[24] = 2; // option: target link-layer address
        icmp[25] = 1; // length in units of 8 bytes
        mac.CopyTo(icmp[26..]);

        var sum = InternetChecksum.AddIPv6PseudoHeader(0, source, AllNodes, IcmpV6NextHeader, IcmpLength);
        sum = InternetChecksum.Add(sum, icmp);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Finish(sum));
        return NeighborAdvertisementLength;
    }
}
