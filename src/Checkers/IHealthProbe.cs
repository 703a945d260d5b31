namespace Kad.Checkers;

/// <summary>
/// One attempt of one checker kind against one target. Timing, retries and transitions are not its business
/// (see <see cref="Scheduling.CheckerRunner"/>); it only says how one attempt went and where it stopped.
/// </summary>
public interface IHealthProbe
{
    /// <summary>The keepalived block name of this probe, one of <see cref="CheckerKinds"/>.</summary>
    string Kind { get; }

    /// <summary>What is probed, for logs (e.g. <c>tcp 10.0.0.5:80</c>).</summary>
    string Target { get; }

    /// <summary>How long one attempt may take before it is cancelled (connect_timeout, misc_timeout, ...).</summary>
    TimeSpan AttemptTimeout { get; }

    /// <summary>
    /// Whether delay_loop counts from the start of a check rather than its end (keepalived's MISC_CHECK runs its
    /// script every delay_loop, however long the script took).
    /// </summary>
    bool DelayLoopFromStart => false;

    /// <summary>
    /// Runs one attempt. Records the step in progress on <paramref name="progress"/> so that a timeout can say where
    /// it happened; returns a failure (never throws) for anything the server did wrong. Throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken);
}

/// <summary>How one attempt ended.</summary>
/// <param name="Success">Whether the attempt counts as up.</param>
/// <param name="FailedStep">The step that failed; null on success.</param>
/// <param name="Reason">What was seen, for logs and events.</param>
/// <param name="DynamicWeight">With MISC_CHECK misc_dynamic: the weight the script asked for (exit status - 2).</param>
public sealed record ProbeResult(bool Success, string? FailedStep, string Reason, int? DynamicWeight = null)
{
    public static ProbeResult Up(string reason, int? dynamicWeight = null) => new(true, null, reason, dynamicWeight);

    public static ProbeResult Down(string step, string reason) => new(false, step, reason);
}

/// <summary>The step an attempt is in; read after a timeout to say where the attempt hung.</summary>
public sealed class ProbeProgress
{
    private string _step = "start";

    public string Step
    {
        get => Volatile.Read(ref _step);
        set => Volatile.Write(ref _step, value);
    }
}
