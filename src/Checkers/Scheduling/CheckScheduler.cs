namespace Kad.Checkers.Scheduling;

/// <summary>Something the <see cref="CheckScheduler"/> wakes at a time: a check to start, an attempt to time out.</summary>
internal interface IScheduledWork
{
    /// <summary>Whether <paramref name="token"/> is still the work's latest wake-up (older ones are skipped).</summary>
    bool IsCurrent(long token);

    /// <summary>Called once the wake-up is due; must not throw and should not block.</summary>
    void OnDue(long token);
}

/// <summary>
/// Every checker's next wake-up in one timer heap, behind one <see cref="TimeProvider"/> timer armed for the
/// earliest: when it fires, every wake-up due by then (or within <see cref="CoalesceWindow"/> after, so that a
/// thousand checkers spread over a second cost tens of timer expiries, not a thousand) runs in one batch on that
/// thread. keepalived's checker does the same from its single event loop. Thread-safe.
/// </summary>
internal sealed class CheckScheduler : IDisposable
{
    /// <summary>How early a wake-up may run to share a batch; small against any delay_loop or timeout.</summary>
    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(10);

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private readonly PriorityQueue<(IScheduledWork Work, long Token), long> _queue = new();
    private readonly long _coalesce;
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    public CheckScheduler(TimeProvider time)
    {
        _time = time;
        _coalesce = ToTimestamp(CoalesceWindow);
        _timer = time.CreateTimer(static s => ((CheckScheduler)s!).RunDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Wake-ups waiting (stale ones included until they are reached).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Wakes <paramref name="work"/> with <paramref name="token"/> after <paramref name="delay"/>.</summary>
    public void Schedule(IScheduledWork work, long token, TimeSpan delay)
    {
        var due = _time.GetTimestamp() + ToTimestamp(delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _queue.Enqueue((work, token), due);
            if (due < _armedFor)
            {
                Arm(due);
            }
        }
    }

    /// <summary>Runs what is due now (the timer's callback; also called right after start so that a check due at once runs at once).</summary>
    public void RunDue()
    {
        List<(IScheduledWork Work, long Token)>? batch = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var horizon = _time.GetTimestamp() + _coalesce;
            while (_queue.TryPeek(out var item, out var due) && (due <= horizon || !item.Work.IsCurrent(item.Token)))
            {
                _queue.Dequeue();
                if (item.Work.IsCurrent(item.Token))
                {
                    (batch ??= []).Add(item);
                }
            }

            _armedFor = long.MaxValue;
            if (_queue.TryPeek(out _, out var next))
            {
                Arm(next);
            }
        }

        if (batch is null)
        {
            return;
        }

        foreach (var (work, token) in batch)
        {
            work.OnDue(token);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _queue.Clear();
        }

        _timer.Dispose();
    }

    private void Arm(long due)
    {
        _armedFor = due;
        var wait = due - _time.GetTimestamp();
        // Rounded up: a timer that fired a little early would find nothing due and re-arm for almost nothing.
        var ticks = wait <= 0 ? 0 : (long)Math.Ceiling(wait * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency);
        _timer.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
}
