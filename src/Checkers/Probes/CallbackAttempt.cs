using Kad.Checkers.Scheduling;

namespace Kad.Checkers.Probes;

/// <summary>
/// A probe whose attempts the scheduler drives itself, with no task and no thread-pool hand-off per attempt: it
/// starts an attempt, and the result comes back through a callback. Timeout and retries are then the scheduler's
/// (keepalived's TCP_CHECK timing), not a Polly pipeline's.
/// </summary>
internal interface ICallbackProbe : IHealthProbe
{
    /// <summary>
    /// One reusable attempt slot for one checker, reporting to <paramref name="done"/>, whose I/O waits on
    /// <paramref name="scheduler"/>'s loop; null when this platform has no such path (the probe is then run through
    /// <see cref="IHealthProbe.ProbeAsync"/>).
    /// </summary>
    ICallbackAttempt? CreateAttempt(CheckScheduler scheduler, Action<ProbeResult> done);
}

/// <summary>One checker's attempts, one at a time.</summary>
internal interface ICallbackAttempt : IDisposable
{
    /// <summary>
    /// Starts an attempt. Returns its result when it ended at once (e.g. a refused connect); null when it is in
    /// progress: then the callback is called exactly once, from any thread, unless <see cref="Abort"/> ends it first.
    /// </summary>
    ProbeResult? Start();

    /// <summary>
    /// The attempt's time is up: ends it and returns its result — the outcome if it had in fact ended but was not
    /// reported yet (its thread was slow), else a timeout. Null when it had already been reported (or aborted).
    /// </summary>
    ProbeResult? Expire();

    /// <summary>Ends an attempt in progress (stop); true when this call ended it (no callback follows).</summary>
    bool Abort();
}
