using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Kad.Checkers.Scheduling;

namespace Kad.Checkers.Probes;

/// <summary>
/// TCP_CHECK's attempt as keepalived makes it: a non-blocking connect, then, once the socket is writable, its
/// SO_ERROR, then close. A connect that ends at once (refused on a local address, or connected) is reported at
/// once; one in progress is watched by the monitor's <see cref="CheckLoop"/>, which reports it on its thread (the
/// thread that started it, with the system clock). Only one attempt of a checker is in progress at a time; each
/// attempt has its own generation, so an epoll event that arrives late for an aborted attempt cannot complete the
/// next one.
/// </summary>
internal sealed class TcpConnector : ICallbackAttempt, IReadyHandler
{
    private const long Pending = 1;

    private static readonly ConcurrentDictionary<int, ProbeResult> Failures = new();
    private static int s_generation;

    private readonly TcpCheckOptions _options;
    private readonly CheckLoop _loop;
    private readonly Action<ProbeResult> _done;
    private readonly ProbeResult _up;
    private readonly byte[] _target;
    private readonly byte[]? _local;
    private readonly byte[]? _interface;
    private readonly int _family;
    private readonly int _slot;
    private readonly ProbeResult? _unusable;
    // (generation << 1) | Pending: whoever moves it off Pending (OnReady, Expire, Abort) owns the descriptor and closes it.
    private long _state;
    private int _fd = -1;
    private int _disposed;

    public TcpConnector(TcpCheckOptions options, IPEndPoint target, ProbeResult up, ProbeResult timedOut, CheckLoop loop, Action<ProbeResult> done)
    {
        _options = options;
        _loop = loop;
        _done = done;
        _up = up;
        TimedOut = timedOut;
        _family = target.AddressFamily == AddressFamily.InterNetworkV6 ? Interop.AF_INET6 : Interop.AF_INET;
        _target = SocketAddress(target);
        if (options.BindTo is not null || options.BindPort is not null)
        {
            var local = options.BindTo ?? (_family == Interop.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any);
            if (local.AddressFamily != target.AddressFamily)
            {
                // As on the .NET path: every check fails, saying why (the configuration itself was accepted).
                _unusable = ProbeResult.Down("connect", $"ArgumentException: bindto {local} is not of the same family as {target.Address}");
            }
            else
            {
                _local = SocketAddress(new IPEndPoint(local, options.BindPort ?? 0));
            }
        }

        if (options.BindInterface is { } name)
        {
            _interface = new byte[name.Length + 1]; // NUL-terminated interface name
            System.Text.Encoding.ASCII.GetBytes(name, _interface);
        }

        _slot = loop.Register(this);
    }

    /// <summary>Whether this platform has the path (the loop's).</summary>
    public static bool IsSupported => CheckLoop.IsSupported;

    /// <summary>The result of a connect still in progress when its time is up.</summary>
    public ProbeResult TimedOut { get; }

    public ProbeResult? Start()
    {
        if (_unusable is not null)
        {
            return _unusable;
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            return Failure(Interop.ECANCELED); // the checker is stopping: no new connection
        }

        var generation = (uint)Interlocked.Increment(ref s_generation);
        var fd = Interop.Socket(_family, Interop.SOCK_STREAM | Interop.SOCK_NONBLOCK | Interop.SOCK_CLOEXEC, Interop.IPPROTO_TCP);
        if (fd < 0)
        {
            return Failure(Marshal.GetLastPInvokeError());
        }

        var error = Prepare(fd);
        if (error == 0)
        {
            error = Connect(fd);
        }

        if (error != Interop.EINPROGRESS)
        {
            Interop.Close(fd);
            return error == 0 ? _up : Failure(error);
        }

        // Published before the descriptor is watched: the loop may report it at once when it runs on another thread.
        // A full fence, then the stop flag: either a concurrent Dispose sees this attempt pending and ends it, or this
        // sees the Dispose and ends it here (no descriptor is left behind in the epoll set of a stopped checker).
        _fd = fd;
        Interlocked.Exchange(ref _state, ((long)generation << 1) | Pending);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return Abort() ? Failure(Interop.ECANCELED) : null;
        }

        error = _loop.WatchWritable(fd, _slot, generation);
        if (error != 0 && Abort())
        {
            return Failure(error);
        }

        return null;
    }

    public unsafe ProbeResult? Expire()
    {
        if (!TryTakeOver())
        {
            return null;
        }

        // Like keepalived's loop, which handles a socket that became writable before its timer: a connect that
        // finished but was not reported yet (the loop busy with a batch, or without CPU) is judged on what it did.
        var fd = _fd;
        var poll = new Interop.PollFd { Fd = fd, Events = Interop.POLLOUT };
        var result = Interop.Poll(&poll, 1, 0) == 1 ? Outcome(fd) : TimedOut;
        Interop.Close(fd);
        return result;
    }

    public bool Abort()
    {
        if (!TryTakeOver())
        {
            return false;
        }

        Interop.Close(_fd); // closing also takes it out of the epoll set
        return true;
    }

    /// <summary>Moves a pending attempt to ended; true when this call did (and so owns the descriptor).</summary>
    private bool TryTakeOver()
    {
        var state = Volatile.Read(ref _state);
        return (state & Pending) != 0 && Interlocked.CompareExchange(ref _state, state & ~Pending, state) == state;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Abort();
            _loop.Unregister(_slot);
        }
    }

    /// <summary>On the loop's thread: the connect of <paramref name="generation"/> finished (or failed).</summary>
    public void OnReady(uint generation, uint events)
    {
        var pending = ((long)generation << 1) | Pending;
        if (Interlocked.CompareExchange(ref _state, pending & ~Pending, pending) != pending)
        {
            return; // aborted meanwhile (timeout or stop), or an older attempt's event
        }

        var fd = _fd;
        // Writable without an error or hang-up is connected: SO_ERROR could only say 0 (the kernel reports EPOLLERR
        // exactly when the socket holds an error), so it is read only to name a failure — one system call less per check.
        var result = (events & (Interop.EPOLLERR | Interop.EPOLLHUP)) == 0 ? _up : Outcome(fd);
        Interop.Close(fd); // closing also takes it out of the epoll set
        _done(result);
    }

    /// <summary>A finished connect's result: SO_ERROR 0 is connected.</summary>
    private unsafe ProbeResult Outcome(int fd)
    {
        int error = 0, length = sizeof(int);
        if (Interop.GetSockOpt(fd, Interop.SOL_SOCKET, Interop.SO_ERROR, &error, &length) != 0)
        {
            error = Marshal.GetLastPInvokeError();
        }

        return error == 0 ? _up : Failure(error);
    }

    /// <summary>bind_if, fwmark, bindto/bind_port, as the .NET path sets them.</summary>
    private unsafe int Prepare(int fd)
    {
        if (_interface is not null)
        {
            fixed (byte* name = _interface)
            {
                if (Interop.SetSockOpt(fd, Interop.SOL_SOCKET, Interop.SO_BINDTODEVICE, name, _interface.Length) != 0)
                {
                    return Marshal.GetLastPInvokeError();
                }
            }
        }

        if (_options.Fwmark is { } fwmark)
        {
            if (Interop.SetSockOpt(fd, Interop.SOL_SOCKET, Interop.SO_MARK, &fwmark, sizeof(uint)) != 0)
            {
                return Marshal.GetLastPInvokeError();
            }
        }

        if (_local is null)
        {
            return 0;
        }

        if (_options.BindPort is not null)
        {
            // Repeated checks reuse the same source port; the previous connection may still be in TIME_WAIT.
            var on = 1;
            if (Interop.SetSockOpt(fd, Interop.SOL_SOCKET, Interop.SO_REUSEADDR, &on, sizeof(int)) != 0)
            {
                return Marshal.GetLastPInvokeError();
            }
        }

        fixed (byte* local = _local)
        {
            return Interop.Bind(fd, local, _local.Length) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    private unsafe int Connect(int fd)
    {
        fixed (byte* target = _target)
        {
            return Interop.Connect(fd, target, _target.Length) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>struct sockaddr_in / sockaddr_in6 (linux/in.h, linux/in6.h): family in host order, port in network order.</summary>
    private static byte[] SocketAddress(IPEndPoint endPoint)
    {
        var v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        var bytes = new byte[v6 ? 28 : 16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 2), (ushort)(v6 ? Interop.AF_INET6 : Interop.AF_INET));
        bytes[2] = (byte)(endPoint.Port >> 8);
        bytes[3] = (byte)endPoint.Port;
        if (v6)
        {
            endPoint.Address.TryWriteBytes(bytes.AsSpan(8, 16), out _);
            BitConverter.TryWriteBytes(bytes.AsSpan(24, 4), (uint)endPoint.Address.ScopeId);
        }
        else
        {
            endPoint.Address.TryWriteBytes(bytes.AsSpan(4, 4), out _);
        }

        return bytes;
    }

    /// <summary>One result per errno, made once: "ConnectionRefused: Connection refused", as the .NET path words it.</summary>
    private static ProbeResult Failure(int errno) => Failures.GetOrAdd(errno, static e =>
    {
        // asm-generic/errno.h numbers, named as .NET's SocketError names them.
        var name = e switch
        {
            111 => nameof(SocketError.ConnectionRefused),
            110 => nameof(SocketError.TimedOut),
            113 => nameof(SocketError.HostUnreachable),
            101 => nameof(SocketError.NetworkUnreachable),
            104 => nameof(SocketError.ConnectionReset),
            99 => nameof(SocketError.AddressNotAvailable),
            98 => nameof(SocketError.AddressAlreadyInUse),
            1 or 13 => nameof(SocketError.AccessDenied),
            _ => $"errno {e}",
        };
        return ProbeResult.Down("connect", $"{name}: {Marshal.GetPInvokeErrorMessage(e)}");
    });
}
