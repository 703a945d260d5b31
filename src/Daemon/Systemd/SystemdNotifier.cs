using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Kad.Daemon.Systemd;

/// <summary>The seam between the daemon and systemd's notification protocol; tests replace it or point it at a fake socket.</summary>
internal interface ISystemdNotifier
{
    /// <summary>True when started by systemd with Type=notify (NOTIFY_SOCKET set).</summary>
    bool IsEnabled { get; }

    /// <summary>Sends one datagram of newline-separated KEY=VALUE assignments; does nothing when not enabled.</summary>
    void Notify(string state);
}

/// <summary>The messages kad sends, in sd_notify(3)'s words.</summary>
internal static class SystemdMessages
{
    public const string Ready = "READY=1";
    public const string Stopping = "STOPPING=1";
    public const string Watchdog = "WATCHDOG=1";

    public static string Status(string text) => "STATUS=" + text.ReplaceLineEndings(" ");

    /// <summary>
    /// RELOADING=1 with the CLOCK_MONOTONIC time systemd requires (Type=notify-reload). Stopwatch reads
    /// CLOCK_MONOTONIC on Linux, so its timestamp converted to microseconds is that clock.
    /// </summary>
    public static string Reloading(long stopwatchTimestamp) => string.Create(CultureInfo.InvariantCulture,
        $"RELOADING=1\nMONOTONIC_USEC={(long)(stopwatchTimestamp * (1_000_000.0 / Stopwatch.Frequency))}");

    /// <summary>The watchdog period from WATCHDOG_USEC (when WATCHDOG_PID is unset or ours); null when there is none.</summary>
    public static TimeSpan? WatchdogInterval(string? usec, string? pid, int ownPid)
    {
        if (string.IsNullOrEmpty(usec) || !long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micro) || micro <= 0)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(pid) && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var target) || target != ownPid))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(micro);
    }
}

/// <summary>
/// sd_notify written by hand: a datagram to the unix socket named by NOTIFY_SOCKET ('@' = abstract namespace).
/// One socket, guarded by a lock, so messages from the host, reloads and the watchdog never interleave.
/// </summary>
internal sealed class SystemdNotifier : ISystemdNotifier, IDisposable
{
    private readonly Lock _gate = new();
    private readonly UnixDomainSocketEndPoint? _endpoint;
    private Socket? _socket;

    public SystemdNotifier(string? notifySocket)
    {
        if (!string.IsNullOrEmpty(notifySocket) && (notifySocket[0] is '/' or '@'))
        {
            // systemd writes an abstract address with a leading '@'; the kernel wants a NUL there.
            _endpoint = new UnixDomainSocketEndPoint(notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket);
        }
    }

    public static SystemdNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    public bool IsEnabled => _endpoint is not null;

    public void Notify(string state)
    {
        if (_endpoint is null)
        {
            return;
        }

        lock (_gate)
        {
            try
            {
                _socket ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                _socket.SendTo(Encoding.UTF8.GetBytes(state), _endpoint);
            }
            catch (SocketException)
            {
                // systemd not listening (e.g. it is restarting): notifications are advisory, never fatal.
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }
}
