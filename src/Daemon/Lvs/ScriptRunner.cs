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
/// is logged. A script's <c>user</c> is applied by the runtime (it needs kad to run as root); <c>user GROUP</c> goes
/// through setpriv(1), since .NET cannot pick a group other than the user's own.
/// </summary>
public sealed partial class ProcessScriptRunner(ILogger<ProcessScriptRunner> logger) : ILvsScriptRunner
{
    public void Run(ScriptCommand script, string reason)
    {
        if (script.Arguments.Length == 0)
        {
            return;
        }

        var start = StartInfo(script);
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

    /// <summary>How a script is started: its argv, as its user (and group) when it names one.</summary>
    internal static ProcessStartInfo StartInfo(ScriptCommand script)
    {
        IReadOnlyList<string> argv = script is { User: { } user, Group: { } group }
            ? ["/usr/bin/setpriv", $"--reuid={user}", $"--regid={group}", "--init-groups", "--", .. script.Arguments]
            : script.Arguments;
        var start = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        if (script is { User: { } onlyUser, Group: null })
        {
            start.UserName = onlyUser;
        }

        return start;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "running '{Command}' ({Reason})")]
    private static partial void LogStarted(ILogger logger, string command, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "'{Command}' exited with {ExitCode}")]
    private static partial void LogExited(ILogger logger, string command, int exitCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot run '{Command}' ({Reason})")]
    private static partial void LogFailed(ILogger logger, Exception exception, string command, string reason);
}
