using System.Runtime.InteropServices;
using Kad.Netlink.Protocol;
using Kad.Netlink.Transport;

namespace Kad.Netlink.Tests.Fakes;

/// <summary>A request the fake saw: header fields, the genl command byte and the whole message.</summary>
public sealed record FakeRequest(ushort Type, ushort Flags, uint Sequence, byte Command, byte[] Message)
{
    public bool Wants(ushort flag) => (Flags & flag) == flag;
}

/// <summary>
/// Root-free stand-in for the kernel: records every datagram, splits it into requests, asks a script for the reply
/// messages of each request and queues them. Replies to one datagram go out as one datagram unless
/// <see cref="OneReplyPerDatagram"/> is set. Receive with nothing queued times out, like a silent kernel.
/// </summary>
public sealed class FakeNetlinkTransport : INetlinkTransport
{
    private readonly Queue<byte[]> _replies = new();

    public FakeNetlinkTransport(Func<FakeRequest, IEnumerable<byte[]>> script)
    {
        Script = script;
    }

    public Func<FakeRequest, IEnumerable<byte[]>> Script { get; set; }

    public uint PortId => 4242;

    public bool OneReplyPerDatagram { get; set; }

    public List<byte[]> SentDatagrams { get; } = [];

    public List<FakeRequest> Requests { get; } = [];

    public bool Disposed { get; private set; }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        SentDatagrams.Add(datagram.ToArray());
        var replies = new List<byte[]>();
        var reader = new NetlinkMessageReader(datagram);
        var offset = 0;
        while (reader.TryRead(out var message))
        {
            var length = NetlinkConstants.HeaderLength + message.Payload.Length;
            var request = new FakeRequest(message.Type, message.Flags, message.Sequence, message.Payload.Length > 0 ? message.Payload[0] : (byte)0, datagram.Slice(offset, length).ToArray());
            offset += NetlinkConstants.Align(length);
            Requests.Add(request);
            replies.AddRange(Script(request));
        }

        if (OneReplyPerDatagram)
        {
            foreach (var reply in replies)
            {
                _replies.Enqueue(reply);
            }
        }
        else if (replies.Count > 0)
        {
            _replies.Enqueue(Concat(replies));
        }
    }

    /// <summary>Queues a datagram nobody asked for (a late reply, a notification).</summary>
    public void Inject(params byte[][] messages) => _replies.Enqueue(Concat(messages));

    public int Receive(Span<byte> buffer, TimeSpan timeout)
    {
        if (!_replies.TryDequeue(out var datagram))
        {
            throw new TimeoutException("fake kernel has nothing to say");
        }

        datagram.CopyTo(buffer);
        return datagram.Length;
    }

    public void Dispose() => Disposed = true;

    private static byte[] Concat(IEnumerable<byte[]> messages)
    {
        var buffer = new List<byte>();
        foreach (var message in messages)
        {
            buffer.AddRange(message);
            while (buffer.Count % 4 != 0)
            {
                buffer.Add(0);
            }
        }

        return [.. buffer];
    }
}

/// <summary>Builders for what the kernel sends back.</summary>
public static class FakeReplies
{
    /// <summary>NLMSG_ERROR: errno 0 is an ACK (capped), otherwise the request is echoed (uncapped), optionally with ext-ack text.</summary>
    public static byte[] Ack(FakeRequest request, int errno = 0, string? extendedMessage = null)
    {
        var writer = new NetlinkWriter();
        var flags = (ushort)(errno == 0 ? NetlinkConstants.NLM_F_CAPPED : 0);
        if (extendedMessage is not null)
        {
            flags |= NetlinkConstants.NLM_F_ACK_TLVS;
        }

        writer.BeginMessage(NetlinkConstants.NLMSG_ERROR, flags, request.Sequence, 4242);
        Span<byte> error = stackalloc byte[4];
        MemoryMarshal.Write(error, -errno);
        writer.WriteRaw(error);
        writer.WriteRaw(errno == 0 ? request.Message.AsSpan(0, NetlinkConstants.HeaderLength) : request.Message);
        if (extendedMessage is not null)
        {
            writer.WriteString(NetlinkConstants.NLMSGERR_ATTR_MSG, extendedMessage);
        }

        writer.EndMessage();
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A generic-netlink data message answering <paramref name="request"/>.</summary>
    public static byte[] Generic(FakeRequest request, ushort type, byte command, Action<NetlinkWriter> attributes, ushort flags = 0)
    {
        var writer = new NetlinkWriter();
        writer.BeginMessage(type, flags, request.Sequence, 4242);
        writer.WriteGenericHeader(command, 1);
        attributes(writer);
        writer.EndMessage();
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A data message with a raw family header (rtnetlink).</summary>
    public static byte[] Raw(FakeRequest request, ushort type, ReadOnlySpan<byte> familyHeader, Action<NetlinkWriter> attributes, ushort flags = 0)
    {
        var writer = new NetlinkWriter();
        writer.BeginMessage(type, flags, request.Sequence, 4242);
        writer.WriteRaw(familyHeader);
        attributes(writer);
        writer.EndMessage();
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Done(FakeRequest request, int errno = 0, ushort extraFlags = 0)
    {
        var writer = new NetlinkWriter();
        writer.BeginMessage(NetlinkConstants.NLMSG_DONE, (ushort)(NetlinkConstants.NLM_F_MULTI | extraFlags), request.Sequence, 4242);
        Span<byte> status = stackalloc byte[4];
        MemoryMarshal.Write(status, -errno);
        writer.WriteRaw(status);
        writer.EndMessage();
        return writer.WrittenSpan.ToArray();
    }
}
