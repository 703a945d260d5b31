using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Kad.Checkers.Tests.Support;

/// <summary>A TCP listener on loopback that hands each accepted connection to a handler until disposed.</summary>
internal sealed class LoopbackTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _connections = [];

    public LoopbackTcpServer(Func<NetworkStream, CancellationToken, Task> handler, IPAddress? address = null, int port = 0)
    {
        _listener = new TcpListener(address ?? IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _acceptLoop = AcceptAsync(handler);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public int Accepted { get; private set; }

    private async Task AcceptAsync(Func<NetworkStream, CancellationToken, Task> handler)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Accepted++;
            lock (_connections)
            {
                _connections.Add(Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            await handler(client.GetStream(), _stop.Token);
                        }
                        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
                        {
                            // the peer went away or the server is stopping
                        }
                    }
                }));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _acceptLoop;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _listener.Dispose();
        _stop.Dispose();
    }
}

/// <summary>A tiny HTTP/1.x server: answers each path with a chosen status and body, and records the requests.</summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly LoopbackTcpServer _server;
    private readonly X509Certificate2? _certificate;

    public LoopbackHttpServer(Func<string, (int Status, string Body)> respond, X509Certificate2? certificate = null, bool chunked = false, bool hang = false, IPAddress? address = null)
    {
        _certificate = certificate;
        _server = new LoopbackTcpServer(async (network, token) =>
        {
            Stream stream = network;
            if (_certificate is not null)
            {
                var tls = new SslStream(network);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, token);
                lock (ServerNames)
                {
                    ServerNames.Add(tls.TargetHostName);
                }

                stream = tls;
            }

            var request = await ReadHeadersAsync(stream, token);
            if (request.Length == 0)
            {
                return; // a TCP_CHECK on the same port: connected and left
            }

            lock (Requests)
            {
                Requests.Add(request);
            }

            if (hang)
            {
                await Task.Delay(Timeout.Infinite, token);
            }

            var path = request.Split(' ')[1];
            var (status, body) = respond(path);
            var bodyBytes = Encoding.UTF8.GetBytes(body);
            var head = chunked
                ? $"HTTP/1.1 {status} X\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{bodyBytes.Length:x}\r\n"
                : $"HTTP/1.0 {status} X\r\nContent-Type: text/plain\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), token);
            await stream.WriteAsync(bodyBytes, token);
            if (chunked)
            {
                await stream.WriteAsync("\r\n0\r\n\r\n"u8.ToArray(), token);
            }

            await stream.FlushAsync(token);
            if (stream is SslStream ssl)
            {
                await ssl.ShutdownAsync();
            }
        }, address);
    }

    public IPEndPoint EndPoint => _server.EndPoint;

    /// <summary>The request heads received, in order.</summary>
    public List<string> Requests { get; } = [];

    /// <summary>The SNI names the TLS clients sent ("" when none).</summary>
    public List<string> ServerNames { get; } = [];

    private static async Task<string> ReadHeadersAsync(Stream stream, CancellationToken token)
    {
        var received = new List<byte>();
        var buffer = new byte[1024];
        while (!Encoding.ASCII.GetString([.. received]).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, token);
            if (read == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        return Encoding.ASCII.GetString([.. received]);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>A self-signed certificate made for the test (private key usable by the server).</summary>
    public static X509Certificate2 CreateSelfSignedCertificate(string subject = "CN=kad-test")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Re-import from PKCS#12 so the private key is a persisted one OpenSSL-backed SslStream can use.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }
}

/// <summary>A UDP server on loopback that answers each datagram with what <c>reply</c> returns (null: stay silent).</summary>
internal sealed class LoopbackUdpServer : IAsyncDisposable
{
    private readonly UdpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackUdpServer(Func<byte[], byte[]?> reply, IPAddress? address = null)
    {
        _client = new UdpClient(new IPEndPoint(address ?? IPAddress.Loopback, 0));
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                UdpReceiveResult received;
                try
                {
                    received = await _client.ReceiveAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                lock (Received)
                {
                    Received.Add(received.Buffer);
                }

                if (reply(received.Buffer) is { } answer)
                {
                    await _client.SendAsync(answer, received.RemoteEndPoint, _stop.Token);
                }
            }
        });
    }

    public IPEndPoint EndPoint => (IPEndPoint)_client.Client.LocalEndPoint!;

    public List<byte[]> Received { get; } = [];

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _client.Dispose();
        await _loop;
        _stop.Dispose();
    }
}

internal static class Ports
{
    /// <summary>A loopback TCP port nobody listens on (bound, then released).</summary>
    public static int UnusedTcp(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A loopback UDP port nobody listens on: datagrams to it draw ICMP port unreachable.</summary>
    public static int UnusedUdp()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }
}
