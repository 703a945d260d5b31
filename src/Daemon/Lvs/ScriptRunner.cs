using System.Diagnostics;
using Kad.Config.Model;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Lvs;

/// <summary>Runs notify_up/notify_down/quorum_up/quorum_down scripts; a seam so tests can record them.</summary>
public interface ILvsScriptRunner
{
    void Run(ScriptCommand script, string reason);
}

/// <summary>
/// Starts the program directly with the argv keepalived derives (no shell), without waiting for it; the exit status
/// is logged. Running as another <c>user</c>/<c>group</c> is not done here (it is logged as a warning).
/// </summary>
public sealed partial class ProcessScriptRunner(ILogger<ProcessScriptRunner> logger) : ILvsScriptRunner
{
    public void Run(ScriptCommand script, string reason)
    {
        if (script.Arguments.Length == 0)
        {
            return;
        }

        if (script.User is not null)
        {
            LogUserIgnored(logger, script.Command, script.User);
        }

        var start = new ProcessStartInfo(script.Arguments[0]) { UseShellExecute = false };
        foreach (var argument in script.Arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            var process = Process.Start(start);
            if (process is null)
            {
                return;
            }

            LogStarted(logger, script.Command, reason);
            _ = process.WaitForExitAsync().ContinueWith(
                _ =>
                {
                    LogExited(logger, script.Command, process.ExitCode);
                    process.Dispose();
                },
                TaskScheduler.Default);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            LogFailed(logger, ex, script.Command, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "running '{Command}' ({Reason})")]
    private static partial void LogStarted(ILogger logger, string command, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "'{Command}' exited with {ExitCode}")]
    private static partial void LogExited(ILogger logger, string command, int exitCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot run '{Command}' ({Reason})")]
    private static partial void LogFailed(ILogger logger, Exception exception, string command, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "'{Command}': running as user {User} is not supported; runs as kad's user")]
    private static partial void LogUserIgnored(ILogger logger, string command, string user);
}
