using System.Net;
using System.Net.Sockets;

namespace Kad.Checkers.Probes;

/// <summary>TCP_CHECK: up when the server accepts a connection within connect_timeout.</summary>
public sealed class TcpProbe(TcpCheckOptions options, IPEndPoint target, CheckerTiming timing) : IHealthProbe
{
    public string Kind => CheckerKinds.TcpCheck;

    public string Target => $"tcp {target}";

    public TimeSpan AttemptTimeout => timing.ConnectTimeout;

    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        progress.Step = "connect";
        try
        {
            using var socket = await ProbeSockets.ConnectTcpAsync(options, target, cancellationToken).ConfigureAwait(false);
            return ProbeResult.Up($"connected to {target}");
        }
        catch (SocketException ex)
        {
            return ProbeResult.Down("connect", ProbeSockets.Describe(ex));
        }
    }
}
