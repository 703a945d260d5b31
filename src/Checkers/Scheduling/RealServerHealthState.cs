namespace Kad.Checkers.Scheduling;

/// <summary>
/// The health of one real server derived from its checkers, kept apart from the I/O that produces results: each
/// checker's own health and dynamic weight are stored separately and the server's values are derived from them.
/// Not thread-safe; the monitor serialises calls per server.
/// </summary>
public sealed class RealServerHealthState
{
    private readonly Health[] _checkers;
    private readonly int?[] _dynamicWeights;

    /// <param name="configuredWeight">The real server's <c>weight</c>.</param>
    /// <param name="alpha">Per checker: whether it starts down (<c>alpha</c>) instead of unknown.</param>
    public RealServerHealthState(int configuredWeight, IReadOnlyList<bool> alpha)
    {
        ConfiguredWeight = configuredWeight;
        _checkers = [.. alpha.Select(a => a ? Health.Down : Health.Unknown)];
        _dynamicWeights = new int?[alpha.Count];
    }

    /// <summary>The real server's <c>weight</c>; a reload may change it without resetting health.</summary>
    public int ConfiguredWeight { get; set; }

    public int CheckerCount => _checkers.Length;

    public Health CheckerHealth(int checker) => _checkers[checker];

    /// <summary>The weight a misc_dynamic checker last asked for, if any.</summary>
    public int? DynamicWeight(int checker) => _dynamicWeights[checker];

    /// <summary>Takes over a checker's state from before a reload (the checker itself did not change).</summary>
    public void CarryOver(int checker, Health health, int? dynamicWeight)
    {
        _checkers[checker] = health;
        _dynamicWeights[checker] = dynamicWeight;
    }

    /// <summary>
    /// Down if any checker is down; up only when every checker is up; unknown otherwise (keepalived keeps such a
    /// server in service). A server without checkers is up.
    /// </summary>
    public Health ServerHealth
    {
        get
        {
            if (_checkers.Contains(Health.Down))
            {
                return Health.Down;
            }

            return _checkers.All(h => h == Health.Up) ? Health.Up : Health.Unknown;
        }
    }

    /// <summary>
    /// The weight in effect: keepalived adds, for each misc_dynamic checker that reported one, (its weight - the
    /// configured weight); with a single such checker that is simply the weight it reported. Never negative.
    /// </summary>
    public int Weight => Math.Max(0, ConfiguredWeight + _dynamicWeights.Sum(w => w is { } value ? value - ConfiguredWeight : 0));

    /// <summary>
    /// Records one checker's final result (after its retries). Returns true when something a consumer cares about
    /// changed: the checker's health, or the server's weight.
    /// </summary>
    public bool Apply(int checker, bool success, int? dynamicWeight, out Health previous)
    {
        previous = _checkers[checker];
        var weightBefore = Weight;
        _checkers[checker] = success ? Health.Up : Health.Down;
        // misc_dynamic: exit status 0 leaves the weight as it was; a failure keeps it for when the server returns.
        if (success && dynamicWeight is not null)
        {
            _dynamicWeights[checker] = dynamicWeight;
        }

        return previous != _checkers[checker] || weightBefore != Weight;
    }
}
