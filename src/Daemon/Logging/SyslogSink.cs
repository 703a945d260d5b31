using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace Kad.Daemon.Logging;

/// <summary>
/// keepalived's default log destination: syslog, facility daemon, one datagram per event to <c>/dev/log</c> in the
/// format glibc's syslog(3) sends (<c>&lt;PRI&gt;Mmm dd hh:mm:ss kad[PID]: message</c>). Under systemd journald reads
/// the same socket. A message the socket refuses is dropped, as syslog(3) drops it.
/// </summary>
internal sealed class SyslogSink : ILogEventSink, IDisposable
{
    public const string DevLog = "/dev/log";

    /// <summary>LOG_DAEMON (syslog.h), already shifted: facility 3 &lt;&lt; 3.</summary>
    private const int FacilityDaemon = 3 << 3;

    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly string _tag = string.Create(CultureInfo.InvariantCulture, $"kad[{Environment.ProcessId}]");
    private Socket? _socket;

    public SyslogSink(string path = DevLog) => _path = path;

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var bytes = Encoding.UTF8.GetBytes(Format(logEvent, _tag));
        lock (_gate)
        {
            // One reconnect: syslogd may have been restarted, leaving our socket connected to nothing.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    _socket ??= Connect(_path);
                    _socket.Send(bytes);
                    return;
                }
                catch (SocketException)
                {
                    _socket?.Dispose();
                    _socket = null;
                }
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

    /// <summary>The datagram for one event: priority, local time stamp, tag, source, message; exceptions folded onto the line.</summary>
    internal static string Format(LogEvent logEvent, string tag)
    {
        var time = logEvent.Timestamp.ToLocalTime();
        return string.Create(CultureInfo.InvariantCulture,
            $"<{FacilityDaemon + JournalFormatter.Priority(logEvent.Level)}>{time:MMM} {time.Day,2} {time:HH:mm:ss} {tag}: {JournalFormatter.Text(logEvent)}");
    }

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
