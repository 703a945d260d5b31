using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Kad.Checkers.Scheduling;

namespace Kad.Checkers.Probes;

/// <summary>
/// TCP_CHECK: up when the server accepts a connection within connect_timeout. The monitor drives it through
/// <see cref="ICallbackProbe.CreateAttempt"/> (a non-blocking connect completed on the monitor's check loop, keepalived's way);
/// <see cref="ProbeAsync"/> is the same check through .NET sockets, for one-off checks and other platforms.
/// </summary>
public sealed class TcpProbe(TcpCheckOptions options, IPEndPoint target, CheckerTiming timing) : ICallbackProbe
{
    // Thousands of checks a second succeed the same way: one result, made once (ProbeResult is immutable).
    private readonly ProbeResult _up = ProbeResult.Up($"connected to {target}");

    public string Kind => CheckerKinds.TcpCheck;

    public string Target { get; } = $"tcp {target}";

    public TimeSpan AttemptTimeout => timing.ConnectTimeout;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        progress.Step = "connect";
        try
        {
            // Nothing is sent, so no TCP_NODELAY: one system call less per check.
            using var socket = await ProbeSockets.ConnectTcpAsync(options, target, cancellationToken, noDelay: false).ConfigureAwait(false);
            return _up;
        }
        catch (SocketException ex)
        {
            return ProbeResult.Down("connect", ProbeSockets.Describe(ex));
        }
    }

    ICallbackAttempt? ICallbackProbe.CreateAttempt(CheckScheduler scheduler, Action<ProbeResult> done) =>
        TcpConnector.IsSupported
            ? new TcpConnector(options, target, _up, ProbeResult.Down("connect", $"timed out after {timing.ConnectTimeout.TotalSeconds:0.###} s during connect"), scheduler.Io, done)
            : null;
}
