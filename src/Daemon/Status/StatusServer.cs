using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using Kad.Control;
using Kad.Daemon.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Status;

/// <summary>
/// The status socket: a unix stream socket (mode 0600) answering one request per connection with the status or a
/// reload result. Peers are checked by SO_PEERCRED: only root and the daemon's own user are served, because a reload
/// changes the network and the status shows the topology.
/// </summary>
internal sealed partial class StatusServer(KadArguments arguments, DaemonController controller, ILogger<StatusServer> logger) : IHostedService, IDisposable
{
    // linux/socket.h / asm-generic/socket.h
    private const int SOL_SOCKET = 1;
    private const int SO_PEERCRED = 17;

    /// <summary>
    /// How long a connected client may take to send its request. Generous: a cold dotnet-kad under QEMU TCG was seen
    /// taking over 10 s; a client that never sends only holds one idle task.
    /// </summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(120);

    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _accepting;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = arguments.StatusSocket;
        if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        // A socket file left by a previous run would make bind fail with EADDRINUSE.
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        listener.Listen(16);
        _listener = listener;
        _accepting = Task.Run(() => AcceptAsync(listener, _stopping.Token), CancellationToken.None);
        LogListening(path);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(false);
        }

        try
        {
            File.Delete(arguments.StatusSocket);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The peer's (pid, uid, gid) from SO_PEERCRED (struct ucred, linux/socket.h).</summary>
    internal static (int Pid, uint Uid, uint Gid) PeerCredentials(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, ucred);
        if (length < 12)
        {
            throw new SocketException((int)SocketError.ProtocolNotSupported);
        }

        return (BinaryPrimitives.ReadInt32LittleEndian(ucred), BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]), BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
    }

    /// <summary>Root, or the user the daemon runs as.</summary>
    internal static bool IsAllowed(uint peerUid, uint ownUid) => peerUid == 0 || peerUid == ownUid;

    /// <summary>The effective uid of this process, from /proc/self/status ("Uid: real effective saved fs").</summary>
    internal static uint EffectiveUid()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                var fields = line[4..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return uint.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no Uid line in /proc/self/status");
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        var ownUid = EffectiveUid();
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client, ownUid, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client, uint ownUid, CancellationToken cancellationToken)
    {
        using (client)
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            try
            {
                var (pid, uid, _) = PeerCredentials(client);
                if (!IsAllowed(uid, ownUid))
                {
                    LogRefused(pid, uid);
                    // Take the request off the wire first (briefly): closing with it unread would reset the
                    // connection, and the client would see a broken pipe instead of the reason.
                    using (var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        drain.CancelAfter(TimeSpan.FromSeconds(2));
                        try
                        {
                            await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlRequest, drain.Token).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is ControlProtocolException or OperationCanceledException)
                        {
                            // refused anyway
                        }
                    }

                    await ControlFraming.WriteAsync(stream, new ControlResponse(ControlProtocol.ProtocolVersion, false, $"permission denied: uid {uid} is neither root nor the daemon's user"), ControlJsonContext.Default.ControlResponse, cancellationToken).ConfigureAwait(false);
                    return;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(RequestTimeout);
                var request = await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlRequest, timeout.Token).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                ControlResponse response;
                try
                {
                    response = await AnswerAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A bug must not look like a vanished daemon: log it and tell the client.
                    LogAnswerFailed(e, request.Command);
                    response = new ControlResponse(ControlProtocol.ProtocolVersion, false, $"{request.Command} failed: {e.Message}");
                }

                await ControlFraming.WriteAsync(stream, response, ControlJsonContext.Default.ControlResponse, cancellationToken).ConfigureAwait(false);
            }
            catch (ControlProtocolException e)
            {
                LogBadRequest(e.Message);
                await TryWriteErrorAsync(stream, e.Message).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // client went away or the daemon is stopping
            }
        }
    }

    internal async Task<ControlResponse> AnswerAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        if (request.Version > ControlProtocol.ProtocolVersion)
        {
            return new ControlResponse(ControlProtocol.ProtocolVersion, false, $"protocol version {request.Version} is newer than this daemon's {ControlProtocol.ProtocolVersion}");
        }

        return request.Command switch
        {
            ControlCommand.Status => new ControlResponse(ControlProtocol.ProtocolVersion, true, Status: controller.Status()),
            ControlCommand.Reload => await Reload().ConfigureAwait(false),
            ControlCommand.Plan => await Plan().ConfigureAwait(false),
            _ => new ControlResponse(ControlProtocol.ProtocolVersion, false, $"unknown command {request.Command}"),
        };

        async Task<ControlResponse> Reload()
        {
            var result = await controller.ReloadAsync(cancellationToken).ConfigureAwait(false);
            return new ControlResponse(ControlProtocol.ProtocolVersion, true, Reload: result);
        }

        async Task<ControlResponse> Plan()
        {
            if (request.ConfigFile is not { Length: > 0 } file || !Path.IsPathFullyQualified(file))
            {
                return new ControlResponse(ControlProtocol.ProtocolVersion, false, "plan needs the absolute path of a configuration file");
            }

            var plan = await controller.PlanAsync(file, cancellationToken).ConfigureAwait(false);
            return new ControlResponse(ControlProtocol.ProtocolVersion, true, Plan: plan);
        }
    }

    private static async Task TryWriteErrorAsync(Stream stream, string message)
    {
        try
        {
            await ControlFraming.WriteAsync(stream, new ControlResponse(ControlProtocol.ProtocolVersion, false, message), ControlJsonContext.Default.ControlResponse, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // nothing more to tell a client that is gone
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Status socket listening on {Path}")]
    private partial void LogListening(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status socket: refused pid {Pid} uid {Uid}")]
    private partial void LogRefused(int pid, uint uid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Status socket: answering {Command} failed")]
    private partial void LogAnswerFailed(Exception error, ControlCommand command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status socket: bad request: {Reason}")]
    private partial void LogBadRequest(string reason);
}
