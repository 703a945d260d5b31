using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Kad.Checkers.Probes;

/// <summary>
/// UDP_CHECK: sends the payload (random if none) and waits connect_timeout. An ICMP error (port/host unreachable,
/// seen as a refused receive) is down. Without require_reply, silence is up; with it, a reply must come, have a
/// length within [min_reply_length, max_reply_length] and match the require_reply pattern.
/// </summary>
public sealed class UdpProbe(UdpCheckOptions options, IPEndPoint target, CheckerTiming timing, TimeProvider timeProvider) : IHealthProbe
{
    /// <summary>Lets the probe's own wait for ICMP errors end before the pipeline's timeout cancels it.</summary>
    private static readonly TimeSpan TimeoutGrace = TimeSpan.FromMilliseconds(250);

    private const int DefaultRandomPayloadLength = 16;
    private const int DefaultMaxReplyLength = 255;

    public string Kind => CheckerKinds.UdpCheck;

    public string Target => $"udp {target}";

    public TimeSpan AttemptTimeout => timing.ConnectTimeout + TimeoutGrace;

    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        var payload = options.Payload is { Count: > 0 } given ? [.. given] : RandomNumberGenerator.GetBytes(DefaultRandomPayloadLength);
        var requireReply = options.RequireReply || options.ReplyPattern is not null;
        using var socket = ProbeSockets.Create(target, SocketType.Dgram, ProtocolType.Udp, options);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var deadline = timeProvider.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), wait, timing.ConnectTimeout, Timeout.InfiniteTimeSpan);
        var reply = new byte[64 * 1024];
        try
        {
            progress.Step = "send";
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(payload, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            progress.Step = requireReply ? "wait for reply" : "wait for ICMP error";
            var received = await socket.ReceiveAsync(reply, SocketFlags.None, wait.Token).ConfigureAwait(false);
            if (!requireReply)
            {
                return ProbeResult.Up($"{received} byte reply");
            }

            return JudgeReply(reply.AsSpan(0, received));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return requireReply
                ? ProbeResult.Down("wait for reply", $"no reply within {timing.ConnectTimeout.TotalSeconds:0.###} s")
                : ProbeResult.Up("no ICMP error");
        }
        catch (SocketException ex)
        {
            return ProbeResult.Down(progress.Step, ProbeSockets.Describe(ex));
        }
    }

    private ProbeResult JudgeReply(ReadOnlySpan<byte> reply)
    {
        var min = options.MinReplyLength ?? 0;
        var max = options.MaxReplyLength ?? DefaultMaxReplyLength;
        if (reply.Length < min || reply.Length > max)
        {
            return ProbeResult.Down("reply length", $"reply of {reply.Length} bytes outside [{min}, {max}]");
        }

        if (options.ReplyPattern is { } pattern && !pattern.Matches(reply))
        {
            return ProbeResult.Down("reply content", "reply does not match require_reply");
        }

        return ProbeResult.Up($"{reply.Length} byte reply");
    }
}
