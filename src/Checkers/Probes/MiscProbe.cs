using System.ComponentModel;
using System.Diagnostics;
using Kad.Checkers.Codecs;

namespace Kad.Checkers.Probes;

/// <summary>
/// MISC_CHECK: runs misc_path (split into words, no shell) and reads its exit status: 0 is up, anything else down.
/// With misc_dynamic, 1 is down and 2..255 is up with weight status - 2. A program still running at misc_timeout
/// (default delay_loop) gets SIGTERM, then SIGKILL with its children, and counts as down.
/// </summary>
public sealed class MiscProbe : IHealthProbe
{
    /// <summary>How long a timed-out script has between SIGTERM and SIGKILL.</summary>
    internal static readonly TimeSpan TerminationGrace = TimeSpan.FromSeconds(1);

    private readonly MiscCheckOptions _options;
    private readonly IReadOnlyList<string> _command;

    public MiscProbe(MiscCheckOptions options, CheckerTiming timing)
    {
        _options = options;
        if (!CommandLineWords.TrySplit(options.MiscPath, out var words, out var error))
        {
            throw new ArgumentException($"misc_path: {error}");
        }

        if (options.Group is not null && options.User is null)
        {
            throw new ArgumentException("a group needs a user");
        }

        // user USER GROUP: .NET can switch user (with the user's groups) but not pick another group, so setpriv does.
        _command = options.Group is null
            ? words
            : ["/usr/bin/setpriv", $"--reuid={options.User}", $"--regid={options.Group}", "--init-groups", "--", .. words];
        AttemptTimeout = options.MiscTimeout ?? timing.DelayLoop;
    }

    public string Kind => CheckerKinds.MiscCheck;

    public string Target => $"script {_options.MiscPath}";

    public TimeSpan AttemptTimeout { get; }

    public bool DelayLoopFromStart => true;

    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(_command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in _command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        if (_options.User is not null && _options.Group is null)
        {
            info.UserName = _options.User;
        }

        progress.Step = "start script";
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return ProbeResult.Down("start script", $"{_command[0]}: {ex.Message}");
        }

        // keepalived sends script output to /dev/null; drain the pipes so a chatty script cannot block on them.
        process.StandardInput.Close();
        var drainOut = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
        var drainErr = process.StandardError.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
        progress.Step = "wait for script";
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await TerminateAsync(process).ConfigureAwait(false);
            throw;
        }

        await Task.WhenAll(drainOut, drainErr).ConfigureAwait(false);
        return Interpret(process.ExitCode, _options.MiscDynamic);
    }

    /// <summary>Maps an exit status to a result (keepalived.conf(5), MISC_CHECK).</summary>
    internal static ProbeResult Interpret(int exitStatus, bool dynamic)
    {
        if (exitStatus == 0)
        {
            return ProbeResult.Up("exit status 0");
        }

        if (dynamic && exitStatus is >= 2 and <= 255)
        {
            return ProbeResult.Up($"exit status {exitStatus}: weight {exitStatus - 2}", exitStatus - 2);
        }

        return ProbeResult.Down("exit status", $"exit status {exitStatus}");
    }

    /// <summary>
    /// Ends a script that overran misc_timeout as keepalived ends its process group: SIGTERM to the script and
    /// everything it started, so they can clean up; SIGKILL after <see cref="TerminationGrace"/> to whatever is left.
    /// </summary>
    private static async Task TerminateAsync(Process process)
    {
        // Taken before signalling: once the script dies its children are re-parented and can no longer be found.
        var tree = ProcessTree.SelfAndDescendants(process.Id);
        foreach (var pid in tree)
        {
            _ = Interop.Kill(pid, Interop.SIGTERM);
        }

        using var grace = new CancellationTokenSource(TerminationGrace);
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The script ignored SIGTERM.
        }

        foreach (var pid in tree)
        {
            if (ProcessTree.IsAlive(pid))
            {
                _ = Interop.Kill(pid, Interop.SIGKILL);
            }
        }
    }
}
