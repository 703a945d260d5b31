namespace Kad.Checkers.Tests.Support;

/// <summary>
/// A probe whose answers the test decides: each attempt asks <see cref="Answer"/>; records when attempts started
/// (fake clock) so timing can be asserted. A "hang" answer waits until the attempt is cancelled.
/// </summary>
internal sealed class ScriptedProbe(TimeProvider clock, TimeSpan attemptTimeout) : IHealthProbe
{
    public static readonly ProbeResult Hang = new(false, "hang", "never answers");

    /// <summary>How long (fake time) each attempt takes before answering.</summary>
    public TimeSpan Duration { get; set; }

    public Func<int, ProbeResult> Answer { get; set; } = _ => ProbeResult.Up("ok");

    public List<DateTimeOffset> AttemptTimes { get; } = [];

    public string Kind => "SCRIPTED";

    public string Target => "scripted";

    public TimeSpan AttemptTimeout => attemptTimeout;

    public bool DelayLoopFromStart { get; set; }

    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        progress.Step = "scripted";
        int attempt;
        lock (AttemptTimes)
        {
            AttemptTimes.Add(clock.GetUtcNow());
            attempt = AttemptTimes.Count;
        }

        if (Duration > TimeSpan.Zero)
        {
            await Task.Delay(Duration, clock, cancellationToken).ConfigureAwait(false);
        }

        var answer = Answer(attempt);
        if (ReferenceEquals(answer, Hang))
        {
            progress.Step = "hanging";
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }

        return answer;
    }
}
