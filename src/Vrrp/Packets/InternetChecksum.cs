using System.Buffers.Binary;

namespace Kad.Vrrp.Packets;

/// <summary>The RFC 1071 one's-complement checksum, accumulated over several spans (pseudo-header, then message).</summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running 32-bit sum. Spans other than the last must have even length.</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        ulong wide = sum;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            wide += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            wide += (uint)data[i] << 8;
        }

        return Fold(wide);
    }

    public static uint Add(uint sum, ushort word) => Fold((ulong)sum + word);

    /// <summary>Folds the carries and complements: the value to store in a checksum field.</summary>
    public static ushort Finish(uint sum) => (ushort)~Fold(sum);

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>Sum of the IPv4 pseudo-header (RFC 5798 §5.2.8): source, destination, zero, protocol, upper-layer length.</summary>
    public static uint AddIPv4PseudoHeader(uint sum, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int length)
    {
        sum = Add(sum, source);
        sum = Add(sum, destination);
        sum = Add(sum, protocol);
        return Add(sum, (ushort)length);
    }

    /// <summary>Sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination, 32-bit length, next header.</summary>
    public static uint AddIPv6PseudoHeader(uint sum, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte nextHeader, int length)
    {
        sum = Add(sum, source);
        sum = Add(sum, destination);
        sum = Add(sum, (ushort)(length >> 16));
        sum = Add(sum, (ushort)length);
        return Add(sum, nextHeader);
    }

    private static uint Fold(ulong sum)
    {
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (uint)sum;
    }
}
