namespace Kad.Checkers.Probes;

/// <summary>
/// keepalived's connect_timeout bounds each network step (connect, write, each read), not a whole exchange: a
/// several-url HTTP check or an SMTP dialogue may take longer in total while every step is prompt. This restarts
/// one timeout per step, on the injected clock, and is cancelled as well when the attempt is.
/// </summary>
internal sealed class StepDeadline : IDisposable
{
    private readonly TimeSpan _perStep;
    private readonly CancellationToken _attempt;
    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration _link;

    public StepDeadline(TimeSpan perStep, TimeProvider timeProvider, CancellationToken attempt)
    {
        _perStep = perStep;
        _attempt = attempt;
        _source = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        _link = attempt.Register(static s => ((CancellationTokenSource)s!).Cancel(), _source);
    }

    public TimeSpan PerStep => _perStep;

    /// <summary>Starts the timeout of the next step and returns the token for it.</summary>
    public CancellationToken Next()
    {
        _source.CancelAfter(_perStep);
        return _source.Token;
    }

    /// <summary>True when a step ran out of time (as opposed to the whole attempt being cancelled).</summary>
    public bool Expired => _source.IsCancellationRequested && !_attempt.IsCancellationRequested;

    public void Dispose()
    {
        _link.Dispose();
        _source.Dispose();
    }
}
