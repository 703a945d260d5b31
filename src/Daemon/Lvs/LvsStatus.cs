using Kad.Checkers;

namespace Kad.Daemon.Lvs;

/// <summary>
/// A real server in the status output: configured endpoint, health, weight wanted and weight in the kernel, and its
/// checkers' latest check (<see cref="LastResult"/> names the checker and what it found; null before any check).
/// </summary>
public sealed record LvsRealServerStatus(string Endpoint, Health Health, int Weight, long? KernelWeight, uint ActiveConnections, bool Suspended, bool Draining)
{
    public string? LastResult { get; init; }

    public TimeSpan? LastLatency { get; init; }

    public DateTimeOffset? LastCheck { get; init; }

    /// <summary>The latest check among <paramref name="checkers"/>, as status text ("TCP_CHECK#0 up: connected").</summary>
    public LvsRealServerStatus WithLatestCheck(IReadOnlyList<CheckerSnapshot>? checkers)
    {
        var latest = checkers?.Where(c => c.LastResult is not null).MaxBy(c => c.LastCheck);
        if (latest?.LastResult is not { } result)
        {
            return this;
        }

        var text = result.Success
            ? $"{latest.Checker} up: {result.Reason}"
            : $"{latest.Checker} down at {result.FailedStep}: {result.Reason}";
        return this with { LastResult = text, LastLatency = latest.LastLatency, LastCheck = latest.LastCheck };
    }
}

/// <summary>A virtual server in the status output.</summary>
public sealed record LvsVirtualServerStatus(string Name, IReadOnlyList<string> Services, bool? QuorumUp, bool SorryServerActive, IReadOnlyList<LvsRealServerStatus> RealServers);

/// <summary>What the status socket shows for LVS: each virtual server and the reconciler's last pass.</summary>
public sealed record LvsStatus(
    IReadOnlyList<LvsVirtualServerStatus> VirtualServers,
    DateTimeOffset? LastReconcile,
    int LastOperations,
    long TotalOperations,
    long TotalFailures,
    long Passes);

/// <summary>
/// Where a start's or a reload's pass went: the checkers' update (reload), waiting for a pass already running (a
/// resync or a health event's; reload), the model switch, reading the kernel
/// (<see cref="ServicesRead"/> services one by one, or one whole dump when -1), planning with the diff, and applying
/// <see cref="Operations"/> operations.
/// </summary>
public sealed record LvsPassTimings(int ServicesRead, TimeSpan Checkers, TimeSpan ModelSwitch, TimeSpan Read, TimeSpan Plan, TimeSpan Apply, int Operations)
{
    public TimeSpan Waited { get; init; }

    public bool Partial => ServicesRead >= 0;

    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"checkers {Checkers.TotalMilliseconds:F1} ms, waited for a running pass {Waited.TotalMilliseconds:F1} ms, model switch {ModelSwitch.TotalMilliseconds:F1} ms, {(Partial ? $"read {ServicesRead} service(s)" : "dump")} {Read.TotalMilliseconds:F1} ms, plan+diff {Plan.TotalMilliseconds:F1} ms, apply {Operations} op(s) {Apply.TotalMilliseconds:F1} ms");
}
