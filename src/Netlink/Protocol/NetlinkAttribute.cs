using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Kad.Netlink.Protocol;

/// <summary>One attribute (TLV). <see cref="Type"/> has the NESTED / NET_BYTEORDER bits masked off.</summary>
public readonly ref struct NetlinkAttribute
{
    public NetlinkAttribute(ushort rawType, ReadOnlySpan<byte> payload)
    {
        RawType = rawType;
        Payload = payload;
    }

    public ushort RawType { get; }

    public ushort Type => (ushort)(RawType & NetlinkConstants.NLA_TYPE_MASK);

    public bool IsNested => (RawType & NetlinkConstants.NLA_F_NESTED) != 0;

    public ReadOnlySpan<byte> Payload { get; }

    public byte GetU8() => Payload.Length >= 1 ? Payload[0] : throw Short(1);

    public ushort GetU16() => Payload.Length >= 2 ? MemoryMarshal.Read<ushort>(Payload) : throw Short(2);

    public uint GetU32() => Payload.Length >= 4 ? MemoryMarshal.Read<uint>(Payload) : throw Short(4);

    public ulong GetU64() => Payload.Length >= 8 ? MemoryMarshal.Read<ulong>(Payload) : throw Short(8);

    public int GetS32() => Payload.Length >= 4 ? MemoryMarshal.Read<int>(Payload) : throw Short(4);

    public ushort GetU16BigEndian() => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : throw Short(2);

    public uint GetU32BigEndian() => Payload.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(Payload) : throw Short(4);

    /// <summary>A NUL-terminated (or unterminated) string; bytes outside ASCII are replaced, never rejected.</summary>
    public string GetString()
    {
        var end = Payload.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end >= 0 ? Payload[..end] : Payload);
    }

    /// <summary>An address in network order: 4 bytes → IPv4, 16 bytes → IPv6.</summary>
    public IPAddress GetAddress() => Payload.Length switch
    {
        4 or 16 => new IPAddress(Payload),
        _ => throw new NetlinkProtocolException($"attribute {Type}: {Payload.Length}-byte address is neither 4 nor 16 bytes"),
    };

    /// <summary>An address whose family is known from elsewhere (IPVS always sends 16 bytes, zero-filled for IPv4).</summary>
    public IPAddress GetAddress(bool ipv6)
    {
        if (ipv6)
        {
            return Payload.Length >= 16 ? new IPAddress(Payload[..16]) : throw Short(16);
        }

        return Payload.Length >= 4 ? new IPAddress(Payload[..4]) : throw Short(4);
    }

    public NetlinkAttributeReader Nested() => new(Payload);

    private NetlinkProtocolException Short(int needed) =>
        new($"attribute {Type}: payload of {Payload.Length} bytes, needed {needed}");
}

/// <summary>Walks a run of attributes. Throws only <see cref="NetlinkProtocolException"/> on bad bytes.</summary>
public ref struct NetlinkAttributeReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes)
    {
        _remaining = attributes;
    }

    public bool TryRead(out NetlinkAttribute attribute)
    {
        if (_remaining.IsEmpty)
        {
            attribute = default;
            return false;
        }

        if (_remaining.Length < NetlinkConstants.AttributeHeaderLength)
        {
            throw new NetlinkProtocolException($"{_remaining.Length} trailing bytes are shorter than an attribute header");
        }

        var length = MemoryMarshal.Read<ushort>(_remaining);
        if (length < NetlinkConstants.AttributeHeaderLength || length > _remaining.Length)
        {
            throw new NetlinkProtocolException($"nla_len {length} outside 4..{_remaining.Length}");
        }

        attribute = new NetlinkAttribute(MemoryMarshal.Read<ushort>(_remaining[2..]), _remaining[NetlinkConstants.AttributeHeaderLength..length]);
        var next = NetlinkConstants.Align(length);
        _remaining = next >= _remaining.Length ? [] : _remaining[next..];
        return true;
    }
}
