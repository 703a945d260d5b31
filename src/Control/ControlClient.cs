using System.Net.Sockets;

namespace Kad.Control;

/// <summary>Talks to a running kad over its unix status socket: one request, one response per connection.</summary>
public static class ControlClient
{
    public static async Task<ControlResponse> SendAsync(string socketPath, ControlCommand command, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        // Encode before connecting: the daemon gives a connected client a few seconds to send its request, and a cold
        // client on a slow machine (the kernel lab under TCG) can spend that long compiling the serialiser.
        var request = ControlFraming.Encode(new ControlRequest(ControlProtocol.ProtocolVersion, command), ControlJsonContext.Default.ControlRequest);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeoutSource.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(request, timeoutSource.Token);
        await stream.FlushAsync(timeoutSource.Token);
        return await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlResponse, timeoutSource.Token)
            ?? throw new ControlProtocolException("the daemon closed the connection without answering");
    }
}
