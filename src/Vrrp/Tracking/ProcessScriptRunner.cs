using System.Diagnostics;
using Kad.Vrrp.Engine;

namespace Kad.Vrrp.Tracking;

/// <summary>
/// The default <see cref="IScriptRunner"/>: starts the program directly (no shell), waits up to the timeout, kills
/// the whole process tree when it is exceeded. Exit status 0 is success.
/// </summary>
public sealed class ProcessScriptRunner : IScriptRunner
{
    public async Task<ScriptOutcome> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0)
        {
            throw new ArgumentException("empty command", nameof(argv));
        }

        var info = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        for (var i = 1; i < argv.Count; i++)
        {
            info.ArgumentList.Add(argv[i]);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {argv[0]}");
        process.StandardInput.Close();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
            return process.ExitCode == 0 ? ScriptOutcome.Success : ScriptOutcome.Failure;
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited in the meantime
            }

            cancellationToken.ThrowIfCancellationRequested();
            return ScriptOutcome.TimedOut;
        }
    }
}
