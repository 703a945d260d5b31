using System.Runtime.InteropServices;

namespace Kad.Netlink.Protocol;

/// <summary>One netlink message inside a received datagram: the nlmsghdr fields and the bytes after the header.</summary>
public readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint sequence, uint portId, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Flags = flags;
        Sequence = sequence;
        PortId = portId;
        Payload = payload;
    }

    public ushort Type { get; }

    public ushort Flags { get; }

    public uint Sequence { get; }

    public uint PortId { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Attributes after a family header of <paramref name="familyHeaderLength"/> bytes (4 for genl).</summary>
    public NetlinkAttributeReader Attributes(int familyHeaderLength)
    {
        var skip = NetlinkConstants.Align(familyHeaderLength);
        if (Payload.Length < familyHeaderLength)
        {
            throw new NetlinkProtocolException($"message type {Type} shorter ({Payload.Length} bytes) than its {familyHeaderLength}-byte family header");
        }

        return new NetlinkAttributeReader(skip >= Payload.Length ? [] : Payload[skip..]);
    }
}

/// <summary>Handles one message of a reply; the span is only valid during the call.</summary>
public delegate void NetlinkMessageHandler(in NetlinkMessage message);

/// <summary>Walks the messages of one datagram. Throws only <see cref="NetlinkProtocolException"/> on bad bytes.</summary>
public ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram)
    {
        _remaining = datagram;
    }

    public bool TryRead(out NetlinkMessage message)
    {
        if (_remaining.IsEmpty)
        {
            message = default;
            return false;
        }

        if (_remaining.Length < NetlinkConstants.HeaderLength)
        {
            throw new NetlinkProtocolException($"{_remaining.Length} trailing bytes are shorter than a netlink header");
        }

        var length = MemoryMarshal.Read<uint>(_remaining);
        if (length < NetlinkConstants.HeaderLength || length > (uint)_remaining.Length)
        {
            throw new NetlinkProtocolException($"nlmsg_len {length} outside 16..{_remaining.Length}");
        }

        message = new NetlinkMessage(
            MemoryMarshal.Read<ushort>(_remaining[4..]),
            MemoryMarshal.Read<ushort>(_remaining[6..]),
            MemoryMarshal.Read<uint>(_remaining[8..]),
            MemoryMarshal.Read<uint>(_remaining[12..]),
            _remaining[NetlinkConstants.HeaderLength..(int)length]);
        var next = NetlinkConstants.Align((int)length);
        _remaining = next >= _remaining.Length ? [] : _remaining[next..];
        return true;
    }
}

/// <summary>The content of an NLMSG_ERROR message: errno (positive, 0 = ACK), the echoed request header, ext-ack TLVs.</summary>
public readonly ref struct NetlinkErrorMessage
{
    private NetlinkErrorMessage(int errno, uint requestSequence, ushort requestType, string? kernelMessage, int? errorOffset)
    {
        Errno = errno;
        RequestSequence = requestSequence;
        RequestType = requestType;
        KernelMessage = kernelMessage;
        ErrorOffset = errorOffset;
    }

    public int Errno { get; }

    public uint RequestSequence { get; }

    public ushort RequestType { get; }

    public string? KernelMessage { get; }

    public int? ErrorOffset { get; }

    /// <summary>Decodes struct nlmsgerr (s32 error + echoed nlmsghdr [+ request payload]) and any ack TLVs.</summary>
    public static NetlinkErrorMessage Parse(in NetlinkMessage message)
    {
        var payload = message.Payload;
        if (payload.Length < 4 + NetlinkConstants.HeaderLength)
        {
            throw new NetlinkProtocolException($"NLMSG_ERROR payload of {payload.Length} bytes is shorter than struct nlmsgerr");
        }

        var error = MemoryMarshal.Read<int>(payload);
        if (error > 0 || error == int.MinValue)
        {
            throw new NetlinkProtocolException($"NLMSG_ERROR carries a non-negative-errno value {error}");
        }

        var echoed = payload.Slice(4, NetlinkConstants.HeaderLength);
        var echoedLength = MemoryMarshal.Read<uint>(echoed);
        var requestType = MemoryMarshal.Read<ushort>(echoed[4..]);
        var requestSequence = MemoryMarshal.Read<uint>(echoed[8..]);

        string? text = null;
        int? offset = null;
        if ((message.Flags & NetlinkConstants.NLM_F_ACK_TLVS) != 0)
        {
            // Without NLM_F_CAPPED the whole request is echoed before the TLVs.
            var echoedTotal = (message.Flags & NetlinkConstants.NLM_F_CAPPED) != 0
                ? NetlinkConstants.HeaderLength
                : (int)Math.Min(echoedLength, (uint)(payload.Length - 4));
            var tlvStart = 4 + NetlinkConstants.Align(Math.Max(echoedTotal, NetlinkConstants.HeaderLength));
            if (tlvStart < payload.Length)
            {
                var attributes = new NetlinkAttributeReader(payload[tlvStart..]);
                while (attributes.TryRead(out var attribute))
                {
                    if (attribute.Type == NetlinkConstants.NLMSGERR_ATTR_MSG)
                    {
                        text = attribute.GetString();
                    }
                    else if (attribute.Type == NetlinkConstants.NLMSGERR_ATTR_OFFS && attribute.Payload.Length == 4)
                    {
                        offset = (int)attribute.GetU32();
                    }
                }
            }
        }

        return new NetlinkErrorMessage(-error, requestSequence, requestType, string.IsNullOrEmpty(text) ? null : text, offset);
    }

    /// <summary>The s32 status in an NLMSG_DONE payload (positive errno, 0 = success; absent = 0).</summary>
    public static int ParseDoneStatus(in NetlinkMessage message)
    {
        if (message.Payload.Length < 4)
        {
            return 0;
        }

        var status = MemoryMarshal.Read<int>(message.Payload);
        return status == int.MinValue ? throw new NetlinkProtocolException("NLMSG_DONE status out of range") : -Math.Min(status, 0);
    }
}
