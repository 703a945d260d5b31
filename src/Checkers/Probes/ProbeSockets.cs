using System.Net;
using System.Net.Sockets;

namespace Kad.Checkers.Probes;

/// <summary>Socket set-up shared by the probes: bindto/bind_port and a reason text for socket errors.</summary>
internal static class ProbeSockets
{
    public static Socket Create(IPEndPoint target, SocketType type, ProtocolType protocol, IPAddress? bindTo, int? bindPort)
    {
        var socket = new Socket(target.AddressFamily, type, protocol);
        try
        {
            if (bindTo is not null || bindPort is not null)
            {
                var local = bindTo ?? (target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
                if (local.AddressFamily != target.AddressFamily)
                {
                    throw new ArgumentException($"bindto {local} is not of the same family as {target.Address}");
                }

                if (bindPort is not null)
                {
                    // Repeated checks reuse the same source port; the previous connection may still be in TIME_WAIT.
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                }

                socket.Bind(new IPEndPoint(local, bindPort ?? 0));
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Opens a TCP connection, bound as the options say; throws SocketException on refusal.</summary>
    public static async ValueTask<Socket> ConnectTcpAsync(CheckerOptions options, IPEndPoint target, CancellationToken cancellationToken)
    {
        var socket = Create(target, SocketType.Stream, ProtocolType.Tcp, options.BindTo, options.BindPort);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static string Describe(SocketException ex) => $"{ex.SocketErrorCode}: {ex.Message}";
}
