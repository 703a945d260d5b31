namespace Kad.Vrrp.Tracking;

/// <summary>One tracked object as it stands now, with the weight its instance gives it.</summary>
public abstract record TrackedInput(string Name, int Weight, bool Reverse);

/// <summary>What a <see cref="HealthInput"/> tracks.</summary>
public enum TrackKind
{
    Interface,
    Script,
    File,
}

/// <summary>A <c>track_interface</c> or <c>track_script</c> entry: healthy or not.</summary>
public sealed record HealthInput(string Name, bool Healthy, int Weight = 0, bool Reverse = false, TrackKind Kind = TrackKind.Script) : TrackedInput(Name, Weight, Reverse);

/// <summary>A <c>track_file</c> entry: the number in the file (weight defaults to 1).</summary>
public sealed record FileInput(string Name, long Value, int Weight = 1, bool Reverse = false) : TrackedInput(Name, Weight, Reverse);

/// <summary>What tracking does to an instance: a priority adjustment, or Fault, and which objects caused the fault.</summary>
public sealed record TrackingResult(int PriorityAdjustment, bool Fault, IReadOnlyList<string> FaultedBy);

/// <summary>
/// keepalived's tracking rules, in one pure function:
/// weight 0 — unhealthy means Fault; weight &gt; 0 — added while healthy; weight &lt; 0 — added while unhealthy;
/// <c>reverse</c> swaps healthy and unhealthy. A file adds value × weight (negated by reverse); with weight 0 a
/// non-zero value means Fault; a total of −254 or less from a file means Fault.
/// </summary>
public static class TrackingEvaluator
{
    /// <summary>keepalived: a file contribution at or below this puts the instance in Fault.</summary>
    public const long FileFaultThreshold = -254;

    public static TrackingResult Evaluate(IEnumerable<TrackedInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        long adjustment = 0;
        var faultedBy = new List<string>();
        foreach (var input in inputs)
        {
            switch (input)
            {
                case HealthInput health:
                    var healthy = health.Healthy != health.Reverse;
                    if (health.Weight == 0)
                    {
                        if (!healthy)
                        {
                            faultedBy.Add(health.Name);
                        }
                    }
                    else if (health.Weight > 0 ? healthy : !healthy)
                    {
                        adjustment += health.Weight;
                    }

                    break;
                case FileInput file:
                    if (file.Weight == 0)
                    {
                        if (file.Value != 0)
                        {
                            faultedBy.Add(file.Name);
                        }

                        break;
                    }

                    var contribution = file.Value * file.Weight * (file.Reverse ? -1 : 1);
                    if (contribution <= FileFaultThreshold)
                    {
                        faultedBy.Add(file.Name);
                    }
                    else
                    {
                        adjustment += contribution;
                    }

                    break;
            }
        }

        var clamped = (int)Math.Clamp(adjustment, -1000, 1000);
        return new TrackingResult(clamped, faultedBy.Count > 0, faultedBy);
    }
}
