namespace Kad.Vrrp.Engine;

/// <summary>
/// When a master announces its addresses: one burst on becoming master, another after <c>garp_master_delay</c>,
/// then every <c>garp_master_refresh</c>. Pure: deadlines in <see cref="TimeProvider"/> timestamps.
/// </summary>
public sealed class GarpSchedule(GarpOptions options, TimeProvider time)
{
    private GarpOptions _options = options;
    private bool _master;
    private long? _delayedBurst;
    private long? _refresh;

    public long? NextDeadline => (_delayedBurst, _refresh) switch
    {
        (null, var r) => r,
        (var d, null) => d,
        (var d, var r) => Math.Min(d.Value, r.Value),
    };

    /// <summary>Became master: returns how many frames per address to send now, and arms the later bursts.</summary>
    public int OnBecameMaster()
    {
        _master = true;
        var now = time.GetTimestamp();
        _delayedBurst = _options.MasterDelay > TimeSpan.Zero ? now + Delta(_options.MasterDelay) : null;
        _refresh = _options.MasterRefresh > TimeSpan.Zero ? now + Delta(_options.MasterRefresh) : null;
        return _options.MasterRepeat;
    }

    public void OnLeftMaster()
    {
        _master = false;
        _delayedBurst = null;
        _refresh = null;
    }

    /// <summary>Frames per address due now (0 if none); re-arms the refresh.</summary>
    public int TakeDue()
    {
        var now = time.GetTimestamp();
        var frames = 0;
        if (_delayedBurst <= now)
        {
            frames = Math.Max(frames, _options.MasterRepeat);
            _delayedBurst = null;
        }

        if (_refresh <= now)
        {
            frames = Math.Max(frames, _options.MasterRefreshRepeat);
            _refresh = now + Delta(_options.MasterRefresh);
        }

        return frames;
    }

    /// <summary>Reload: new timing; a master's refresh follows the new <c>garp_master_refresh</c> from now on.</summary>
    public void Update(GarpOptions next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var refreshChanged = next.MasterRefresh != _options.MasterRefresh;
        _options = next;
        if (_master && refreshChanged)
        {
            _refresh = next.MasterRefresh > TimeSpan.Zero ? time.GetTimestamp() + Delta(next.MasterRefresh) : null;
        }
    }

    private long Delta(TimeSpan span) => (long)((UInt128)(ulong)span.Ticks * (ulong)time.TimestampFrequency / TimeSpan.TicksPerSecond);
}
