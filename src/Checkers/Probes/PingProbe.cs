using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Kad.Checkers.Codecs;

namespace Kad.Checkers.Probes;

/// <summary>
/// PING_CHECK: one ICMP echo must be answered within connect_timeout. Prefers the unprivileged ICMP datagram socket
/// (allowed by net.ipv4.ping_group_range; the kernel then owns the identifier and filters replies), and falls back to
/// a raw socket (root or CAP_NET_RAW), where replies to other pingers must be filtered out here.
/// </summary>
public sealed class PingProbe(PingCheckOptions options, IPEndPoint target, CheckerTiming timing) : IHealthProbe
{
    private const int DataLength = 16;
    private int _sequence;

    public string Kind => CheckerKinds.PingCheck;

    public string Target => $"icmp {target.Address}";

    public TimeSpan AttemptTimeout => timing.ConnectTimeout;

    /// <summary>The socket kind the last attempt used (for logs and tests).</summary>
    public SocketType? LastSocketType { get; private set; }

    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        var ipv6 = target.AddressFamily == AddressFamily.InterNetworkV6;
        progress.Step = "open socket";
        Socket socket;
        try
        {
            socket = OpenSocket(ipv6);
        }
        catch (SocketException ex)
        {
            return ProbeResult.Down("open socket", $"no ICMP socket ({options.SocketMode}): {ProbeSockets.Describe(ex)}");
        }

        using (socket)
        {
            var raw = socket.SocketType == SocketType.Raw;
            LastSocketType = socket.SocketType;
            var identifier = (ushort)RandomNumberGenerator.GetInt32(0, 1 << 16);
            var sequence = (ushort)Interlocked.Increment(ref _sequence);
            var data = RandomNumberGenerator.GetBytes(DataLength);
            var request = new byte[IcmpEcho.HeaderLength + DataLength];
            IcmpEcho.WriteRequest(request, ipv6, identifier, sequence, data);
            var buffer = new byte[2048];
            EndPoint any = ipv6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            try
            {
                progress.Step = "send echo request";
                await socket.SendToAsync(request, SocketFlags.None, new IPEndPoint(target.Address, 0), cancellationToken).ConfigureAwait(false);
                progress.Step = "wait for echo reply";
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                    if (!((IPEndPoint)received.RemoteEndPoint).Address.Equals(target.Address))
                    {
                        continue;
                    }

                    if (!IcmpEcho.TryReadReply(buffer.AsSpan(0, received.ReceivedBytes), ipv6, skipIpv4Header: raw && !ipv6, out var replyId, out var replySequence, out var replyData, out _))
                    {
                        continue; // on loopback a raw socket also sees our own request
                    }

                    // The kernel rewrites the identifier of datagram ICMP sockets; only a raw socket can check it.
                    if ((raw && replyId != identifier) || replySequence != sequence || !replyData.SequenceEqual(data))
                    {
                        continue;
                    }

                    return ProbeResult.Up($"echo reply from {target.Address}");
                }
            }
            catch (SocketException ex)
            {
                return ProbeResult.Down(progress.Step, ProbeSockets.Describe(ex));
            }
        }
    }

    private Socket OpenSocket(bool ipv6)
    {
        var family = ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var protocol = ipv6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp;
        Socket socket;
        if (options.SocketMode == IcmpSocketMode.RawOnly)
        {
            socket = new Socket(family, SocketType.Raw, protocol);
        }
        else
        {
            try
            {
                socket = new Socket(family, SocketType.Dgram, protocol);
            }
            catch (SocketException) when (options.SocketMode == IcmpSocketMode.DatagramThenRaw)
            {
                socket = new Socket(family, SocketType.Raw, protocol);
            }
        }

        try
        {
            ProbeSockets.ApplyDeviceAndMark(socket, options.BindInterface, options.Fwmark);
            if (options.BindTo is { } local)
            {
                socket.Bind(new IPEndPoint(local, 0));
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }
}
