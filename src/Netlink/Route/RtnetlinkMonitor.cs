using System.Runtime.CompilerServices;
using Kad.Netlink.Interop;
using Kad.Netlink.Protocol;
using Kad.Netlink.Transport;

namespace Kad.Netlink.Route;

/// <summary>
/// Link and address notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR) on a socket of its own,
/// so they never interleave with command ACKs. Subscribe first, then dump, then process events (no race window).
/// A lost-events condition (ENOBUFS) is reported as <see cref="RtnetlinkEvent.EventsLost"/>: re-dump then.
/// </summary>
public sealed class RtnetlinkMonitor : IDisposable
{
    private readonly INetlinkTransport _transport;
    private readonly byte[] _buffer = new byte[256 * 1024];

    public RtnetlinkMonitor(INetlinkTransport transport)
    {
        _transport = transport;
    }

    public static RtnetlinkMonitor Open()
    {
        var socket = NetlinkSocket.Open(SocketConstants.NETLINK_ROUTE);
        try
        {
            socket.JoinGroup(RtnetlinkConstants.RTNLGRP_LINK);
            socket.JoinGroup(RtnetlinkConstants.RTNLGRP_IPV4_IFADDR);
            socket.JoinGroup(RtnetlinkConstants.RTNLGRP_IPV6_IFADDR);
            socket.SetReceiveBuffer(4 * 1024 * 1024);
            return new RtnetlinkMonitor(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The events of the next datagram, or an empty list when none came within <paramref name="timeout"/>.</summary>
    public IReadOnlyList<RtnetlinkEvent> Receive(TimeSpan timeout)
    {
        int length;
        try
        {
            length = _transport.Receive(_buffer, timeout);
        }
        catch (TimeoutException)
        {
            return [];
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOBUFS)
        {
            return [new RtnetlinkEvent.EventsLost()];
        }

        return Decode(_buffer.AsSpan(0, length));
    }

    /// <summary>Decodes the link/address notifications in one datagram; other message types are ignored.</summary>
    public static IReadOnlyList<RtnetlinkEvent> Decode(ReadOnlySpan<byte> datagram)
    {
        var events = new List<RtnetlinkEvent>();
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out var message))
        {
            switch (message.Type)
            {
                case RtnetlinkConstants.RTM_NEWLINK:
                case RtnetlinkConstants.RTM_DELLINK:
                    events.Add(new RtnetlinkEvent.LinkChanged(RtnetlinkCodec.DecodeLink(message), message.Type == RtnetlinkConstants.RTM_DELLINK));
                    break;
                case RtnetlinkConstants.RTM_NEWADDR:
                case RtnetlinkConstants.RTM_DELADDR:
                    events.Add(new RtnetlinkEvent.AddressChanged(RtnetlinkCodec.DecodeAddress(message), message.Type == RtnetlinkConstants.RTM_DELADDR));
                    break;
                default:
                    break;
            }
        }

        return events;
    }

    /// <summary>
    /// Streams events until cancelled, reading on a dedicated thread so a busy thread pool never delays them.
    /// Malformed datagrams are skipped.
    /// </summary>
    public async IAsyncEnumerable<RtnetlinkEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<RtnetlinkEvent>(new() { SingleReader = true, SingleWriter = true });
        var reader = new Thread(() =>
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    IReadOnlyList<RtnetlinkEvent> batch;
                    try
                    {
                        // The timeout only bounds how late the thread sees a cancellation (nothing waits for it to
                        // exit); each one costs a thrown TimeoutException, which at 200 ms was most of an idle
                        // VRRP daemon's CPU outside its interface thread.
                        batch = Receive(TimeSpan.FromSeconds(1));
                    }
                    catch (NetlinkProtocolException)
                    {
                        continue;
                    }

                    foreach (var item in batch)
                    {
                        channel.Writer.TryWrite(item);
                    }
                }

                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        })
        { IsBackground = true, Name = "rtnetlink-events" };
        reader.Start();
        await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public void Dispose() => _transport.Dispose();
}
