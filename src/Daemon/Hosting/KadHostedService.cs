using System.Globalization;
using System.Runtime.InteropServices;
using Kad.Daemon.Status;
using Kad.Daemon.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Hosting;

/// <summary>
/// The daemon's life: PID file, the halves (in StartAsync, so READY=1 means they are running), signals (SIGHUP
/// reload, SIGUSR1 data dump, SIGUSR2 stats dump; SIGTERM/SIGINT are the host's own graceful stop), sd_notify
/// READY/STOPPING/STATUS and the watchdog.
/// </summary>
internal sealed partial class KadHostedService(
    KadArguments arguments,
    DaemonController controller,
    ISystemdNotifier notifier,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<KadHostedService> logger) : IHostedService, IDisposable
{
    // Raw signal numbers (asm-generic/signal.h); PosixSignal has no names for these.
    internal const int SIGUSR1 = 10;
    internal const int SIGUSR2 = 12;

    private readonly List<PosixSignalRegistration> _signals = [];
    private ITimer? _watchdog;
    private bool _pidWritten;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (arguments.PidFile is { } pidFile)
        {
            PidFile.Write(pidFile, Environment.ProcessId);
            _pidWritten = true;
        }

        // Beside the start, which runs on one thread: by READY=1 the rehearsal is usually over.
        new Thread(Rehearse) { IsBackground = true, Name = "reload-rehearsal" }.Start();
        await controller.StartAsync(cancellationToken).ConfigureAwait(false);
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal));
        _signals.Add(PosixSignalRegistration.Create((PosixSignal)SIGUSR1, OnSignal));
        _signals.Add(PosixSignalRegistration.Create((PosixSignal)SIGUSR2, OnSignal));
        lifetime.ApplicationStarted.Register(() =>
        {
            notifier.Notify(SystemdMessages.Ready + "\n" + SystemdMessages.Status(controller.StatusLine()));
            LogReady();
            ReloadRehearsal.CollectStartGarbage();
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            notifier.Notify(SystemdMessages.Stopping + "\n" + SystemdMessages.Status("stopping"));
            LogStopping();
        });
        var watchdog = SystemdMessages.WatchdogInterval(
            Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId);
        if (watchdog is { } period && notifier.IsEnabled)
        {
            // sd_watchdog_enabled(3): ping at half the period.
            _watchdog = time.CreateTimer(_ => notifier.Notify(SystemdMessages.Watchdog), null, TimeSpan.Zero, period / 2);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        DisposeSignals();
        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
            _watchdog = null;
        }

        await controller.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_pidWritten && arguments.PidFile is { } pidFile)
        {
            PidFile.Remove(pidFile);
            _pidWritten = false;
        }

        LogStopped();
    }

    public void Dispose()
    {
        DisposeSignals();
        _watchdog?.Dispose();
    }

    private void DisposeSignals()
    {
        foreach (var registration in _signals)
        {
            registration.Dispose();
        }

        _signals.Clear();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Handled here: the default action of these signals would end the process.
        context.Cancel = true;
        var signal = (int)context.Signal;
        _ = Task.Run(async () =>
        {
            try
            {
                if (context.Signal == PosixSignal.SIGHUP)
                {
                    await controller.ReloadAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
                }
                else if (signal == SIGUSR1)
                {
                    await File.WriteAllTextAsync(DumpWriter.DataPath, DumpWriter.Data(controller.Status()), lifetime.ApplicationStopping).ConfigureAwait(false);
                    LogDumped(DumpWriter.DataPath);
                }
                else if (signal == SIGUSR2)
                {
                    await File.WriteAllTextAsync(DumpWriter.StatsPath, DumpWriter.Stats(controller.Status(), controller.StatsLines()), lifetime.ApplicationStopping).ConfigureAwait(false);
                    LogDumped(DumpWriter.StatsPath);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                LogSignalFailed(e, signal.ToString(CultureInfo.InvariantCulture));
            }
        });
    }

    /// <summary>See <see cref="ReloadRehearsal"/>; a failure there costs only the first reload's speed.</summary>
    private void Rehearse()
    {
        try
        {
            ReloadRehearsal.Run(arguments.LoadOptions());
        }
        catch (Exception e)
        {
            LogRehearsalFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reload rehearsal failed; the first reload will compile its path")]
    private partial void LogRehearsalFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ready")]
    private partial void LogReady();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping")]
    private partial void LogStopping();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Path}")]
    private partial void LogDumped(string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling signal {Signal} failed")]
    private partial void LogSignalFailed(Exception error, string signal);
}

/// <summary>keepalived's PID file: the pid and a newline, removed on a clean stop.</summary>
internal static class PidFile
{
    public static void Write(string path, int pid)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, pid.ToString(CultureInfo.InvariantCulture) + "\n");
    }

    public static void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort at exit
        }
    }
}
