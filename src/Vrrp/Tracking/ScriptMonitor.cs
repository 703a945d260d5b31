using Kad.Vrrp.Engine;

namespace Kad.Vrrp.Tracking;

/// <summary>A <c>vrrp_script</c> block (keepalived defaults).</summary>
public sealed record VrrpScriptOptions
{
    public required string Name { get; init; }

    /// <summary>The <c>script</c> line split like keepalived (<see cref="ScriptCommandLine.Split"/>); run without a shell.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>keepalived: defaults to the interval.</summary>
    public TimeSpan? Timeout { get; init; }

    public int Rise { get; init; } = 1;

    public int Fall { get; init; } = 1;

    public bool InitFail { get; init; }

    public TimeSpan EffectiveTimeout => Timeout ?? Interval;
}

/// <summary>
/// Runs one <c>vrrp_script</c> every interval through the <see cref="IScriptRunner"/> port and applies rise/fall;
/// reports only changes of health. Runs on the thread pool — never on an interface thread.
/// </summary>
public sealed class ScriptMonitor(VrrpScriptOptions options, IScriptRunner runner, TimeProvider time, Action<string, bool> onHealthChanged)
{
    private readonly RiseFallCounter _counter = new(options.Rise, options.Fall, options.InitFail);

    public VrrpScriptOptions Options { get; } = options;

    public bool IsHealthy => _counter.IsHealthy;

    public long Runs { get; private set; }

    /// <summary>One run: a timeout counts as a failure. Returns true when the health changed.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        ScriptOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(Options.Argv, Options.EffectiveTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            outcome = ScriptOutcome.Failure; // cannot even start it: keepalived treats that as a failure too
        }

        Runs++;
        if (!_counter.Record(outcome == ScriptOutcome.Success))
        {
            return false;
        }

        onHealthChanged(Options.Name, _counter.IsHealthy);
        return true;
    }

    /// <summary>Runs until cancelled: one run, then wait the interval, and so on.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(Options.Interval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
