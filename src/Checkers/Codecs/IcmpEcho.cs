using System.Buffers.Binary;

namespace Kad.Checkers.Codecs;

/// <summary>
/// ICMP / ICMPv6 echo request and reply (RFC 792, RFC 4443 4.1-4.2): type, code, checksum, identifier, sequence,
/// data. The ICMPv6 checksum covers a pseudo-header the kernel fills in, so it is left to the kernel.
/// </summary>
public static class IcmpEcho
{
    public const int HeaderLength = 8;

    // RFC 792 / RFC 4443 type numbers.
    public const byte EchoRequestV4 = 8;
    public const byte EchoReplyV4 = 0;
    public const byte EchoRequestV6 = 128;
    public const byte EchoReplyV6 = 129;

    private const int ChecksumOffset = 2;
    private const int IdentifierOffset = 4;
    private const int SequenceOffset = 6;

    public static int WriteRequest(Span<byte> destination, bool ipv6, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        var length = HeaderLength + data.Length;
        if (destination.Length < length)
        {
            throw new ArgumentException("destination too small for the echo request", nameof(destination));
        }

        destination[0] = ipv6 ? EchoRequestV6 : EchoRequestV4;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[IdentifierOffset..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(destination[SequenceOffset..], sequence);
        data.CopyTo(destination[HeaderLength..]);
        if (!ipv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[ChecksumOffset..], Checksum(destination[..length]));
        }

        return length;
    }

    /// <summary>
    /// Reads an echo reply. A raw IPv4 socket delivers the IP header too (<paramref name="skipIpv4Header"/>), whose
    /// length is taken from the packet itself. Other messages (our own request seen on loopback, errors for other
    /// sockets) are rejected with a reason.
    /// </summary>
    public static bool TryReadReply(ReadOnlySpan<byte> packet, bool ipv6, bool skipIpv4Header, out ushort identifier, out ushort sequence, out ReadOnlySpan<byte> data, out string reason)
    {
        identifier = 0;
        sequence = 0;
        data = default;
        if (skipIpv4Header)
        {
            if (packet.Length < 20 || packet[0] >> 4 != 4)
            {
                reason = "not an IPv4 packet";
                return false;
            }

            var headerLength = (packet[0] & 0x0F) * 4;
            if (headerLength < 20 || packet.Length < headerLength)
            {
                reason = "bad IPv4 header length";
                return false;
            }

            packet = packet[headerLength..];
        }

        if (packet.Length < HeaderLength)
        {
            reason = $"ICMP message of {packet.Length} bytes is too short";
            return false;
        }

        var expectedType = ipv6 ? EchoReplyV6 : EchoReplyV4;
        if (packet[0] != expectedType || packet[1] != 0)
        {
            reason = $"ICMP type {packet[0]} code {packet[1]} is not an echo reply";
            return false;
        }

        if (!ipv6 && Checksum(packet) != 0)
        {
            reason = "bad ICMP checksum";
            return false;
        }

        identifier = BinaryPrimitives.ReadUInt16BigEndian(packet[IdentifierOffset..]);
        sequence = BinaryPrimitives.ReadUInt16BigEndian(packet[SequenceOffset..]);
        data = packet[HeaderLength..];
        reason = "echo reply";
        return true;
    }

    /// <summary>The Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit words.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> bytes)
    {
        uint sum = 0;
        var i = 0;
        for (; i + 1 < bytes.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        }

        if (i < bytes.Length)
        {
            sum += (uint)(bytes[i] << 8);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
