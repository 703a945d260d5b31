using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Kad.Netlink.Protocol;

/// <summary>
/// Builds one or more netlink messages back to back in a reusable buffer: headers, fixed family headers and
/// (nested) attributes, 4-byte aligned with zeroed padding. Nothing is allocated per attribute once the buffer has
/// grown to its working size. "Host" order is the machine's native order; ports and addresses are network order.
/// </summary>
public sealed class NetlinkWriter
{
    private byte[] _buffer;
    private int _length;
    private int _messageStart = -1;

    public NetlinkWriter(int initialCapacity = 4096)
    {
        _buffer = new byte[Math.Max(initialCapacity, 64)];
    }

    /// <summary>Everything written so far (complete messages only, once <see cref="EndMessage"/> ran).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public int Length => _length;

    /// <summary>Writable view of already written bytes (to patch a header field after the fact).</summary>
    internal Span<byte> MutableSpan(int offset, int length) =>
        offset >= 0 && length >= 0 && offset + length <= _length ? _buffer.AsSpan(offset, length) : throw new ArgumentOutOfRangeException(nameof(offset));

    /// <summary>Number of messages finished since the last <see cref="Clear"/>.</summary>
    public int MessageCount { get; private set; }

    public void Clear()
    {
        _length = 0;
        _messageStart = -1;
        MessageCount = 0;
    }

    /// <summary>Drops everything after <paramref name="length"/> (used to roll back a message that did not fit).</summary>
    public void Truncate(int length, int messageCount)
    {
        if (length < 0 || length > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        _length = length;
        _messageStart = -1;
        MessageCount = messageCount;
    }

    /// <summary>Starts a message; its length is filled in by <see cref="EndMessage"/>.</summary>
    public void BeginMessage(ushort type, ushort flags, uint sequence, uint portId = 0)
    {
        if (_messageStart >= 0)
        {
            throw new InvalidOperationException("the previous message was not ended");
        }

        _messageStart = _length;
        var header = Reserve(NetlinkConstants.HeaderLength);
        MemoryMarshal.Write(header, 0u);
        MemoryMarshal.Write(header[4..], type);
        MemoryMarshal.Write(header[6..], flags);
        MemoryMarshal.Write(header[8..], sequence);
        MemoryMarshal.Write(header[12..], portId);
    }

    public void EndMessage()
    {
        if (_messageStart < 0)
        {
            throw new InvalidOperationException("no message was begun");
        }

        MemoryMarshal.Write(_buffer.AsSpan(_messageStart), (uint)(_length - _messageStart));
        _messageStart = -1;
        MessageCount++;
    }

    /// <summary>struct genlmsghdr: cmd, version, reserved.</summary>
    public void WriteGenericHeader(byte command, byte version)
    {
        var span = Reserve(4);
        span[0] = command;
        span[1] = version;
        span[2] = 0;
        span[3] = 0;
    }

    /// <summary>A fixed family header (ifaddrmsg, ifinfomsg) written verbatim and padded.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void WriteAttribute(ushort type, ReadOnlySpan<byte> payload) => payload.CopyTo(ReserveAttribute(type, payload.Length));

    public void WriteFlag(ushort type) => ReserveAttribute(type, 0);

    public void WriteU8(ushort type, byte value) => ReserveAttribute(type, 1)[0] = value;

    public void WriteU16(ushort type, ushort value) => MemoryMarshal.Write(ReserveAttribute(type, 2), value);

    public void WriteU32(ushort type, uint value) => MemoryMarshal.Write(ReserveAttribute(type, 4), value);

    public void WriteU64(ushort type, ulong value) => MemoryMarshal.Write(ReserveAttribute(type, 8), value);

    public void WriteU16BigEndian(ushort type, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(ReserveAttribute(type, 2), value);

    public void WriteU32BigEndian(ushort type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(ReserveAttribute(type, 4), value);

    /// <summary>An ASCII string with its terminating NUL (counted in nla_len).</summary>
    public void WriteString(ushort type, string value)
    {
        var count = Encoding.ASCII.GetByteCount(value);
        var span = ReserveAttribute(type, count + 1);
        Encoding.ASCII.GetBytes(value, span);
        span[count] = 0;
    }

    /// <summary>An address in network order: 4 bytes for IPv4, 16 for IPv6.</summary>
    public void WriteAddress(ushort type, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException("address does not fit 16 bytes", nameof(address));
        }

        WriteAttribute(type, bytes[..written]);
    }

    /// <summary>Starts a nested attribute (flagged NLA_F_NESTED); returns the token for <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var start = _length;
        ReserveAttribute((ushort)(type | NetlinkConstants.NLA_F_NESTED), 0);
        return start;
    }

    public void EndNested(int token) => MemoryMarshal.Write(_buffer.AsSpan(token), (ushort)(_length - token));

    private Span<byte> ReserveAttribute(ushort type, int payloadLength)
    {
        var total = NetlinkConstants.AttributeHeaderLength + payloadLength;
        if (total > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), "attribute longer than 65535 bytes");
        }

        var span = Reserve(total);
        MemoryMarshal.Write(span, (ushort)total);
        MemoryMarshal.Write(span[2..], type);
        return span.Slice(NetlinkConstants.AttributeHeaderLength, payloadLength);
    }

    /// <summary>Appends <paramref name="count"/> bytes plus zeroed padding and returns the unpadded part.</summary>
    private Span<byte> Reserve(int count)
    {
        var padded = NetlinkConstants.Align(count);
        if (_length + padded > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + padded));
        }

        var span = _buffer.AsSpan(_length, padded);
        span[count..].Clear();
        _length += padded;
        return span[..count];
    }
}
