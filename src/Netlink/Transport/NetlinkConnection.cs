using System.Runtime.InteropServices;
using Kad.Netlink.Protocol;

namespace Kad.Netlink.Transport;

/// <summary>Writes one request into the writer with the given sequence number (and NLM_F_ACK for do-requests).</summary>
public delegate void NetlinkRequestEncoder(NetlinkWriter writer, uint sequence);

/// <summary>Requests for <see cref="NetlinkConnection.ExecuteBatch"/>: encoded on demand, described on failure.</summary>
public interface INetlinkBatchSource
{
    int Count { get; }

    /// <summary>Writes request <paramref name="index"/> as one message with NLM_F_ACK set.</summary>
    void Encode(int index, NetlinkWriter writer, uint sequence);

    /// <summary>The operation name and subject reported when request <paramref name="index"/> fails.</summary>
    (string Operation, object? Subject) Describe(int index);
}

/// <summary>One request of a batch that the kernel refused.</summary>
public sealed record NetlinkBatchFailure(int Index, NetlinkException Error);

/// <summary>
/// Request/response engine over one transport: sequence numbers, waiting for the matching ACK, multi-part dumps
/// (with NLM_F_DUMP_INTR reported to the caller) and batches of many requests per datagram. One request at a time:
/// callers serialise access.
/// </summary>
public sealed class NetlinkConnection : IDisposable
{
    private readonly byte[] _receiveBuffer = new byte[256 * 1024];
    private bool[] _acknowledged = new bool[256];
    private uint _sequence;

    public NetlinkConnection(INetlinkTransport transport, uint initialSequence = 0)
    {
        Transport = transport;
        _sequence = initialSequence;
    }

    public INetlinkTransport Transport { get; }

    /// <summary>Reused request buffer; valid until the next request.</summary>
    public NetlinkWriter Writer { get; } = new(64 * 1024);

    /// <summary>How long to wait for each reply datagram.</summary>
    public TimeSpan ReplyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound on a batch datagram; must stay below the socket's send buffer.</summary>
    public int MaxBatchBytes { get; set; } = 64 * 1024;

    /// <summary>Upper bound on requests per batch datagram, so their ACKs fit the receive buffer.</summary>
    public int MaxBatchMessages { get; set; } = 512;

    /// <summary>Number of datagrams sent so far (batches use few).</summary>
    public long DatagramsSent { get; private set; }

    public uint NextSequence()
    {
        _sequence++;
        if (_sequence == 0)
        {
            _sequence = 1;
        }

        return _sequence;
    }

    /// <summary>
    /// Sends one do-request (encoded with NLM_F_ACK) and waits for its ACK; data replies before the ACK go to
    /// <paramref name="onReply"/>. A negative ACK throws <see cref="NetlinkException"/> naming operation and subject.
    /// </summary>
    public void Execute(NetlinkRequestEncoder encode, string operation, object? subject, NetlinkMessageHandler? onReply = null)
    {
        var sequence = Encode(encode);
        Send();
        var done = false;
        while (!done)
        {
            var reader = new NetlinkMessageReader(ReceiveDatagram());
            while (reader.TryRead(out var message))
            {
                if (message.Sequence != sequence)
                {
                    continue; // late reply to an earlier request that timed out
                }

                switch (message.Type)
                {
                    case NetlinkConstants.NLMSG_ERROR:
                        var error = NetlinkErrorMessage.Parse(message);
                        if (error.Errno != 0)
                        {
                            throw new NetlinkException(error.Errno, operation, subject, error.KernelMessage, error.ErrorOffset);
                        }

                        done = true;
                        break;
                    case NetlinkConstants.NLMSG_DONE:
                        var status = NetlinkErrorMessage.ParseDoneStatus(message);
                        if (status != 0)
                        {
                            throw new NetlinkException(status, operation, subject);
                        }

                        done = true;
                        break;
                    case NetlinkConstants.NLMSG_NOOP:
                    case NetlinkConstants.NLMSG_OVERRUN:
                        break;
                    default:
                        onReply?.Invoke(message);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Sends a dump request (NLM_F_DUMP) and hands every data message to <paramref name="onMessage"/> until
    /// NLMSG_DONE. Returns false when the kernel flagged the dump as interrupted (NLM_F_DUMP_INTR): the caller
    /// should discard what it collected and dump again.
    /// </summary>
    public bool Dump(NetlinkRequestEncoder encode, string operation, object? subject, NetlinkMessageHandler onMessage)
    {
        var sequence = Encode(encode);
        Send();
        var consistent = true;
        while (true)
        {
            var reader = new NetlinkMessageReader(ReceiveDatagram());
            while (reader.TryRead(out var message))
            {
                if (message.Sequence != sequence)
                {
                    continue;
                }

                if ((message.Flags & NetlinkConstants.NLM_F_DUMP_INTR) != 0)
                {
                    consistent = false;
                }

                switch (message.Type)
                {
                    case NetlinkConstants.NLMSG_DONE:
                        var status = NetlinkErrorMessage.ParseDoneStatus(message);
                        return status != 0 ? throw new NetlinkException(status, operation, subject) : consistent;
                    case NetlinkConstants.NLMSG_ERROR:
                        var error = NetlinkErrorMessage.Parse(message);
                        if (error.Errno != 0)
                        {
                            throw new NetlinkException(error.Errno, operation, subject, error.KernelMessage, error.ErrorOffset);
                        }

                        return consistent; // an ACK in place of DONE: nothing more will come
                    case NetlinkConstants.NLMSG_NOOP:
                    case NetlinkConstants.NLMSG_OVERRUN:
                        break;
                    default:
                        onMessage(message);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Sends every request of <paramref name="source"/>, packing as many as fit (<see cref="MaxBatchBytes"/>,
    /// <see cref="MaxBatchMessages"/>) into each datagram. The kernel carries on after a failed request and always
    /// reports a failure (netlink_rcv_skb acks errors whether or not NLM_F_ACK is set), so only the last request of
    /// each datagram keeps NLM_F_ACK: its ACK closes the datagram, and every failure before it has arrived with its
    /// sequence number. This spares the kernel one reply per successful request. Each failure is reported against
    /// its own index; an empty list means all succeeded.
    /// </summary>
    public IReadOnlyList<NetlinkBatchFailure> ExecuteBatch(INetlinkBatchSource source)
    {
        var failures = new List<NetlinkBatchFailure>();
        var index = 0;
        while (index < source.Count)
        {
            Writer.Clear();
            var firstIndex = index;
            if (_sequence > uint.MaxValue - (uint)MaxBatchMessages - 1)
            {
                _sequence = 0; // keep one chunk's sequence numbers contiguous instead of wrapping inside it
            }

            var firstSequence = _sequence + 1;

            while (index < source.Count && Writer.MessageCount < MaxBatchMessages)
            {
                var lengthBefore = Writer.Length;
                var countBefore = Writer.MessageCount;
                source.Encode(index, Writer, NextSequence());
                if (Writer.Length > MaxBatchBytes && countBefore > 0)
                {
                    Writer.Truncate(lengthBefore, countBefore);
                    _sequence--;
                    break;
                }

                index++;
            }

            var count = Writer.MessageCount;
            ClearAckExceptLast();
            Send();
            CollectBatchAcks(source, firstIndex, firstSequence, count, failures);
        }

        return failures;
    }

    public void Dispose() => Transport.Dispose();

    /// <summary>Clears NLM_F_ACK on every message of the writer but the last.</summary>
    private void ClearAckExceptLast()
    {
        var buffer = Writer.WrittenSpan;
        var offset = 0;
        for (var i = 0; i < Writer.MessageCount - 1; i++)
        {
            var flags = MemoryMarshal.Read<ushort>(buffer[(offset + 6)..]);
            var cleared = (ushort)(flags & ~NetlinkConstants.NLM_F_ACK);
            MemoryMarshal.Write(Writer.MutableSpan(offset + 6, 2), in cleared);
            offset += NetlinkConstants.Align((int)MemoryMarshal.Read<uint>(buffer[offset..]));
        }
    }

    private void CollectBatchAcks(INetlinkBatchSource source, int firstIndex, uint firstSequence, int count, List<NetlinkBatchFailure> failures)
    {
        if (_acknowledged.Length < count)
        {
            _acknowledged = new bool[count];
        }

        Array.Clear(_acknowledged, 0, count);
        var closed = false;
        while (!closed)
        {
            var reader = new NetlinkMessageReader(ReceiveDatagram());
            while (reader.TryRead(out var message))
            {
                if (message.Type != NetlinkConstants.NLMSG_ERROR)
                {
                    continue;
                }

                var offset = unchecked(message.Sequence - firstSequence);
                if (offset >= (uint)count || _acknowledged[offset])
                {
                    continue;
                }

                _acknowledged[offset] = true;
                closed |= offset == (uint)(count - 1);
                var error = NetlinkErrorMessage.Parse(message);
                if (error.Errno != 0)
                {
                    var (operation, subject) = source.Describe(firstIndex + (int)offset);
                    failures.Add(new NetlinkBatchFailure(firstIndex + (int)offset, new NetlinkException(error.Errno, operation, subject, error.KernelMessage, error.ErrorOffset)));
                }
            }
        }
    }

    private uint Encode(NetlinkRequestEncoder encode)
    {
        Writer.Clear();
        var sequence = NextSequence();
        encode(Writer, sequence);
        if (Writer.MessageCount != 1 || Writer.Length < NetlinkConstants.HeaderLength || MemoryMarshal.Read<uint>(Writer.WrittenSpan[8..]) != sequence)
        {
            throw new InvalidOperationException("a request encoder must write exactly one message with the sequence number it was given");
        }

        return sequence;
    }

    private void Send()
    {
        Transport.Send(Writer.WrittenSpan);
        DatagramsSent++;
    }

    private ReadOnlySpan<byte> ReceiveDatagram()
    {
        var length = Transport.Receive(_receiveBuffer, ReplyTimeout);
        return _receiveBuffer.AsSpan(0, length);
    }
}
