namespace Kad.Vrrp.Tracking;

/// <summary>
/// Holds the current value of each object one instance tracks and republishes the evaluated result whenever it
/// changes. Thread-safe: updates arrive from link events, script runs and file polls on various threads; the
/// callback (which posts to the instance's interface thread) is invoked outside the lock.
/// </summary>
public sealed class InstanceTracker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TrackedInput> _inputs = new(StringComparer.Ordinal);
    private readonly Action<TrackingResult> _apply;
    private TrackingResult _current = new(0, false, []);

    public InstanceTracker(IEnumerable<TrackedInput> initial, Action<TrackingResult> apply)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _apply = apply ?? throw new ArgumentNullException(nameof(apply));
        foreach (var input in initial)
        {
            _inputs[Key(input)] = input;
        }

        _current = TrackingEvaluator.Evaluate(_inputs.Values);
    }

    public TrackingResult Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Replaces one input (matched by kind and name); applies the result if it changed.</summary>
    public void Update(TrackedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        TrackingResult result;
        lock (_gate)
        {
            var key = Key(input);
            if (!_inputs.ContainsKey(key))
            {
                return; // not tracked by this instance
            }

            _inputs[key] = input;
            var next = TrackingEvaluator.Evaluate(_inputs.Values);
            if (next.PriorityAdjustment == _current.PriorityAdjustment && next.Fault == _current.Fault)
            {
                _current = next;
                return;
            }

            _current = result = next;
        }

        _apply(result);
    }

    /// <summary>Sets the health of the tracked interface or script <paramref name="name"/> (ignored if not tracked).</summary>
    public void SetHealth(TrackKind kind, string name, bool healthy)
    {
        HealthInput? current;
        lock (_gate)
        {
            current = _inputs.GetValueOrDefault(Key(kind, name)) as HealthInput;
        }

        if (current is not null && current.Healthy != healthy)
        {
            Update(current with { Healthy = healthy });
        }
    }

    public void SetFileValue(string name, long value)
    {
        FileInput? current;
        lock (_gate)
        {
            current = _inputs.GetValueOrDefault(Key(TrackKind.File, name)) as FileInput;
        }

        if (current is not null && current.Value != value)
        {
            Update(current with { Value = value });
        }
    }

    /// <summary>
    /// Reload in place: the same tracked objects with new weights and reverse flags, each keeping its current health or
    /// value; applies the result if it changed. Returns false, changing nothing, unless <paramref name="reweighed"/>
    /// names exactly the objects tracked now (a new or dropped object needs a fresh tracker).
    /// </summary>
    public bool Reweigh(IEnumerable<TrackedInput> reweighed)
    {
        ArgumentNullException.ThrowIfNull(reweighed);
        var next = new Dictionary<string, TrackedInput>(StringComparer.Ordinal);
        foreach (var input in reweighed)
        {
            next[Key(input)] = input;
        }

        TrackingResult result;
        lock (_gate)
        {
            if (next.Count != _inputs.Count || !next.Keys.All(_inputs.ContainsKey))
            {
                return false;
            }

            foreach (var (key, input) in next)
            {
                _inputs[key] = _inputs[key] with { Weight = input.Weight, Reverse = input.Reverse };
            }

            var evaluated = TrackingEvaluator.Evaluate(_inputs.Values);
            var changed = evaluated.PriorityAdjustment != _current.PriorityAdjustment || evaluated.Fault != _current.Fault;
            _current = evaluated;
            if (!changed)
            {
                return true;
            }

            result = evaluated;
        }

        _apply(result);
        return true;
    }

    /// <summary>Whether <paramref name="inputs"/> names exactly the objects tracked now (see <see cref="Reweigh"/>).</summary>
    public bool TracksExactly(IEnumerable<TrackedInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var keys = inputs.Select(Key).ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            return keys.Count == _inputs.Count && keys.All(_inputs.ContainsKey);
        }
    }

    private static string Key(TrackedInput input) => Key(input is HealthInput health ? health.Kind : TrackKind.File, input.Name);

    private static string Key(TrackKind kind, string name) => $"{kind}:{name}";
}
