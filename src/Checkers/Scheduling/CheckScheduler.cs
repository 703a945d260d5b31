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
/// Every checker's next wake-up in one timer heap; every wake-up due by the earliest's time (or within
/// <see cref="CoalesceWindow"/> after: those due together share one wake-up) runs in one batch. With the system clock
/// (on Linux x86-64) the heap is served by the monitor's <see cref="CheckLoop"/>: its epoll wait lasts until the
/// earliest wake-up, so checks start on the same thread their connects complete on, as in keepalived's single event
/// loop. With any other <see cref="TimeProvider"/> (tests' fake clocks) one timer of that provider, armed for the
/// earliest, runs the batch on the timer's thread, deterministically; the loop then only watches connects
/// (<see cref="Io"/>). On the loop, the time is read once after each wait and once before it (<see cref="Now"/>), as
/// keepalived's loop does, and a check reads it only as an attempt starts and as it ends (<see cref="ReadClock"/>): a
/// clock read is a system call where the clock source has no vDSO path (HPET, as on many virtual machines).
/// Thread-safe.
/// </summary>
internal sealed class CheckScheduler : IDisposable
{
    /// <summary>
    /// How early a wake-up may run to share a batch; small against any delay_loop or timeout. Small also because a
    /// batch's checks end close together and so are due close together again: a wider window makes batches that
    /// grow on a busy loop (with 10 ms, 1,000 checkers on one busy CPU made 2.7 % fewer checks than with 1 ms).
    /// </summary>
    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private readonly Lock _gate = new();
    private readonly PriorityQueue<(IScheduledWork Work, long Token), long> _queue = new();
    private readonly List<(IScheduledWork Work, long Token)> _loopBatch = [];
    private readonly long _coalesce;
    private readonly bool _loopRunsSchedule;
    private CheckLoop? _loop;
    private long _loopNow; // the loop's time since its latest wait ended; read and written on its thread only
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    public CheckScheduler(TimeProvider time)
    {
        _time = time;
        _coalesce = ToTimestamp(CoalesceWindow);
        if (ReferenceEquals(time, TimeProvider.System) && CheckLoop.IsSupported)
        {
            _loopRunsSchedule = true;
            _loop = new CheckLoop(WaitNanoseconds, () => _loopNow = _time.GetTimestamp(), RunDueOnLoop);
        }
        else
        {
            _timer = time.CreateTimer(static s => ((CheckScheduler)s!).RunDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Whether the wake-ups run on the <see cref="CheckLoop"/> (system clock) rather than a timer's thread.</summary>
    public bool RunsOnLoop => _loopRunsSchedule;

    /// <summary>The loop that watches connects in progress (started on first use when it does not run the schedule).</summary>
    public CheckLoop Io
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _loop ??= new CheckLoop(static () => -1, static () => { }, static () => { });
            }
        }
    }

    /// <summary>
    /// The <see cref="TimeProvider"/> timestamp to schedule and measure with: on the loop's thread, the time its latest
    /// wait ended or its latest <see cref="ReadClock"/>, whichever came last; elsewhere, the clock's.
    /// </summary>
    public long Now => _loopRunsSchedule && _loop!.IsLoopThread ? _loopNow : _time.GetTimestamp();

    /// <summary>
    /// Reads the clock (on the loop's thread, <see cref="Now"/> becomes it): for what must not start early, such as
    /// an attempt's timeout — a long pass of a saturated loop would otherwise give its last attempts less than
    /// connect_timeout — and for the end of a check, from which its next one counts.
    /// </summary>
    public long ReadClock()
    {
        var now = _time.GetTimestamp();
        if (_loopRunsSchedule && _loop!.IsLoopThread)
        {
            _loopNow = now;
        }

        return now;
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
        var due = Now + ToTimestamp(delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        var wake = false;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _queue.Enqueue((work, token), due);
            if (due < _armedFor)
            {
                if (_timer is not null)
                {
                    Arm(due);
                }
                else
                {
                    // The loop's own thread works out its next wait before waiting: only other threads wake it.
                    _armedFor = due;
                    wake = !_loop!.IsLoopThread;
                }
            }
        }

        if (wake)
        {
            _loop!.Wake();
        }
    }

    /// <summary>
    /// Runs what is due now: on the caller's thread with a timer (the timer's callback; also called right after start
    /// so that a check due at once runs at once), or on the loop, woken for it.
    /// </summary>
    public void RunDue()
    {
        if (_loopRunsSchedule)
        {
            if (_loop!.IsLoopThread)
            {
                RunDueOnLoop();
            }
            else
            {
                _loop.Wake();
            }

            return;
        }

        var batch = new List<(IScheduledWork Work, long Token)>();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            TakeDue(batch);
            _armedFor = long.MaxValue;
            if (_queue.TryPeek(out _, out var next))
            {
                Arm(next);
            }
        }

        RunBatch(batch);
    }

    public void Dispose()
    {
        CheckLoop? loop;
        lock (_gate)
        {
            _disposed = true;
            _queue.Clear();
            loop = _loop;
        }

        _timer?.Dispose();
        loop?.Dispose();
    }

    /// <summary>On the loop's thread, after each wait: the batch due now (the list is the loop's own, reused).</summary>
    private void RunDueOnLoop()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            TakeDue(_loopBatch);
        }

        try
        {
            RunBatch(_loopBatch);
        }
        finally
        {
            _loopBatch.Clear();
        }
    }

    /// <summary>On the loop's thread, before each wait: nanoseconds until the earliest wake-up (rounded up), or -1.</summary>
    private long WaitNanoseconds()
    {
        lock (_gate)
        {
            // Superseded wake-ups (an attempt's timeout after it ended) are dropped here rather than woken for.
            while (_queue.TryPeek(out var top, out _) && !top.Work.IsCurrent(top.Token))
            {
                _queue.Dequeue();
            }

            if (_disposed || !_queue.TryPeek(out _, out var due))
            {
                _armedFor = long.MaxValue;
                return -1;
            }

            _armedFor = due;
            return Until(due).Ticks * (1_000_000_000 / TimeSpan.TicksPerSecond);
        }
    }

    /// <summary>Under the gate: moves what is due (within the window) to <paramref name="batch"/>, dropping superseded wake-ups.</summary>
    private void TakeDue(List<(IScheduledWork Work, long Token)> batch)
    {
        var horizon = Now + _coalesce;
        while (_queue.TryPeek(out var item, out var due) && (due <= horizon || !item.Work.IsCurrent(item.Token)))
        {
            _queue.Dequeue();
            if (item.Work.IsCurrent(item.Token))
            {
                batch.Add(item);
            }
        }
    }

    private static void RunBatch(List<(IScheduledWork Work, long Token)> batch)
    {
        foreach (var (work, token) in batch)
        {
            work.OnDue(token);
        }
    }

    private void Arm(long due)
    {
        _armedFor = due;
        _timer!.Change(Until(due), Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The time left until <paramref name="due"/>, rounded up to whole ticks (zero when past): a wait or timer that
    /// ended a little early would find nothing due and wait again for almost nothing.
    /// </summary>
    private TimeSpan Until(long due)
    {
        var wait = due - _time.GetTimestamp();
        return wait <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(wait * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency));
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
}
