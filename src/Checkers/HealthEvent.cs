namespace Kad.Checkers;

/// <summary>
/// A change seen by one checker, published only on a transition (health or dynamic weight), never for a result that
/// changes nothing. <see cref="ServerHealth"/> and <see cref="ServerWeight"/> are the real server's derived values
/// after this change: the server is up only when every one of its checkers is up.
/// </summary>
/// <param name="Server">The real server the checker belongs to.</param>
/// <param name="Checker">The checker's identity inside that server, e.g. <c>HTTP_GET#1</c>.</param>
/// <param name="Previous">The checker's health before this result.</param>
/// <param name="Current">The checker's health after this result.</param>
/// <param name="ServerHealth">The real server's derived health after this result.</param>
/// <param name="ServerWeight">The real server's weight after this result (configured weight adjusted by <c>misc_dynamic</c>).</param>
/// <param name="FailedStep">The step that failed (e.g. <c>connect</c>, <c>status</c>), null on success.</param>
/// <param name="Reason">A human-readable explanation of the result.</param>
/// <param name="Latency">How long the deciding attempt took.</param>
/// <param name="At">When the result was observed.</param>
public sealed record HealthEvent(
    RealServerKey Server,
    string Checker,
    Health Previous,
    Health Current,
    Health ServerHealth,
    int ServerWeight,
    string? FailedStep,
    string Reason,
    TimeSpan Latency,
    DateTimeOffset At);

/// <summary>
/// One checker's state in a <see cref="ServerSnapshot"/>, with the result of its latest check (null before the first):
/// what the check found, how long its deciding attempt took and when it finished.
/// </summary>
public sealed record CheckerSnapshot(string Checker, string Target, Health Health, ProbeResult? LastResult = null, TimeSpan? LastLatency = null, DateTimeOffset? LastCheck = null);

/// <summary>A real server's state at one moment: what a status command shows.</summary>
public sealed record ServerSnapshot(RealServerKey Server, Health Health, int Weight, bool Suspended, IReadOnlyList<CheckerSnapshot> Checkers);
