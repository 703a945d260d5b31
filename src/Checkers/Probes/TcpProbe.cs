using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Kad.Checkers.Probes;

/// <summary>TCP_CHECK: up when the server accepts a connection within connect_timeout.</summary>
public sealed class TcpProbe(TcpCheckOptions options, IPEndPoint target, CheckerTiming timing) : IHealthProbe
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
}
