using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Kad.Checkers.Probes;

/// <summary>Socket set-up shared by the probes: bindto/bind_port and a reason text for socket errors.</summary>
internal static class ProbeSockets
{
    // asm-generic/socket.h
    private const int SOL_SOCKET = 1;
    private const int SO_BINDTODEVICE = 25;
    private const int SO_MARK = 36;

    public static Socket Create(IPEndPoint target, SocketType type, ProtocolType protocol, CheckerOptions options) =>
        Create(target, type, protocol, options.BindTo, options.BindPort, options.BindInterface, options.Fwmark);

    public static Socket Create(IPEndPoint target, SocketType type, ProtocolType protocol, IPAddress? bindTo, int? bindPort, string? bindInterface = null, uint? fwmark = null)
    {
        var socket = new Socket(target.AddressFamily, type, protocol);
        try
        {
            ApplyDeviceAndMark(socket, bindInterface, fwmark);
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

    /// <summary>bind_if and fwmark: options the BCL has no names for, set by their kernel numbers.</summary>
    public static void ApplyDeviceAndMark(Socket socket, string? bindInterface, uint? fwmark)
    {
        if (bindInterface is not null)
        {
            var name = new byte[bindInterface.Length + 1]; // NUL-terminated interface name
            System.Text.Encoding.ASCII.GetBytes(bindInterface, name);
            socket.SetRawSocketOption(SOL_SOCKET, SO_BINDTODEVICE, name);
        }

        if (fwmark is { } mark)
        {
            socket.SetRawSocketOption(SOL_SOCKET, SO_MARK, BitConverter.GetBytes(mark));
        }
    }

    /// <summary>The mark set on a socket (for tests and diagnostics).</summary>
    public static uint ReadMark(Socket socket)
    {
        var value = new byte[4];
        socket.GetRawSocketOption(SOL_SOCKET, SO_MARK, value);
        return BitConverter.ToUInt32(value);
    }

    /// <summary>Opens a TCP connection, bound as the options say; throws SocketException on refusal.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Socket> ConnectTcpAsync(CheckerOptions options, IPEndPoint target, CancellationToken cancellationToken, bool noDelay = true)
    {
        var socket = Create(target, SocketType.Stream, ProtocolType.Tcp, options);
        try
        {
            if (noDelay)
            {
                socket.NoDelay = true;
            }

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
