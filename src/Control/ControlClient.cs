using System.Net.Sockets;

namespace Kad.Control;

/// <summary>Talks to a running kad over its unix status socket: one request, one response per connection.</summary>
public static class ControlClient
{
    public static Task<ControlResponse> SendAsync(string socketPath, ControlCommand command, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendAsync(socketPath, new ControlRequest(ControlProtocol.ProtocolVersion, command), timeout, cancellationToken);

    public static async Task<ControlResponse> SendAsync(string socketPath, ControlRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Encoded before connecting: a cold process (first JSON use) can take long, and the daemon does not wait forever.
        var frame = ControlFraming.Encode(request, ControlJsonContext.Default.ControlRequest);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeoutSource.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await ControlFraming.WriteAsync(stream, frame, timeoutSource.Token);
        return await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlResponse, timeoutSource.Token)
            ?? throw new ControlProtocolException("the daemon closed the connection without answering");
    }
}
