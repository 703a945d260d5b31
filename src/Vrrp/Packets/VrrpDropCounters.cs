namespace Kad.Vrrp.Packets;

/// <summary>
/// A counter per <see cref="VrrpDropReason"/>. Written by one receive thread, read by status queries from any thread;
/// increments are atomic so a reader never sees a torn value.
/// </summary>
public sealed class VrrpDropCounters
{
    private static readonly int Size = Enum.GetValues<VrrpDropReason>().Length;
    private readonly long[] _counts = new long[Size];

    public void Increment(VrrpDropReason reason)
    {
        if ((uint)reason < (uint)_counts.Length && reason != VrrpDropReason.None)
        {
            Interlocked.Increment(ref _counts[(int)reason]);
        }
    }

    public long this[VrrpDropReason reason] =>
        (uint)reason < (uint)_counts.Length ? Interlocked.Read(ref _counts[(int)reason]) : 0;

    public long Total
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                total += Interlocked.Read(ref _counts[i]);
            }

            return total;
        }
    }

    /// <summary>The non-zero counters, for status output (allocates; not for the packet path).</summary>
    public IReadOnlyDictionary<VrrpDropReason, long> Snapshot()
    {
        var result = new Dictionary<VrrpDropReason, long>();
        for (var i = 1; i < _counts.Length; i++)
        {
            var value = Interlocked.Read(ref _counts[i]);
            if (value != 0)
            {
                result[(VrrpDropReason)i] = value;
            }
        }

        return result;
    }
}
