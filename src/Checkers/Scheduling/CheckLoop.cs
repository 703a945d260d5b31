using System.Runtime.InteropServices;

namespace Kad.Checkers.Scheduling;

/// <summary>Something watched by a <see cref="CheckLoop"/>: told on the loop's thread when its descriptor is ready.</summary>
internal interface IReadyHandler
{
    /// <summary>The descriptor watched for <paramref name="generation"/> reported <paramref name="events"/> (EPOLL* bits).</summary>
    void OnReady(uint generation, uint events);
}

/// <summary>
/// The thread a monitor's checks run on, as keepalived's checker runs on its one event loop: one epoll set holds every
/// TCP connect in progress, and its wait doubles as the schedule's timer (the wait's timeout is the time to the next
/// due wake-up, asked of the owner before each wait). A due check therefore starts, and its connect completes, on
/// this thread without any wake-up of another thread, timer thread or thread-pool hand-off. Other threads wake it
/// through an eventfd when they schedule something earlier than it is waiting for. The wait's timeout has nanosecond
/// resolution (epoll_pwait2), and a long one is kept by a timerfd in the set instead: Linux lets a poll timeout of a
/// task that is not real-time expire late by 0.1 % of its length (fs/select.c, select_estimate_accuracy), 1 ms on a
/// delay_loop of 1 s, while a timerfd expires on time, as keepalived's timer does.
/// </summary>
internal sealed class CheckLoop : IDisposable
{
    private const ulong WakeData = ulong.MaxValue;
    private const ulong TimerData = ulong.MaxValue - 1;

    // Up to here a timeout's slack is at most the thread's default 50 us timer slack; beyond, the timerfd keeps it.
    private const long LongWaitNanoseconds = 50_000_000;

    private readonly Func<long> _waitNanoseconds;
    private readonly Action _woke;
    private readonly Action _afterWait;
    private readonly Lock _gate = new();
    private readonly Stack<int> _free = new();
    private readonly int _epoll;
    private readonly int _wake;
    private readonly int _timer;
    private readonly Thread _thread;
    private IReadyHandler?[] _slots = new IReadyHandler?[64];
    private int _used;
    private volatile bool _stopping;
    private bool _timerArmed;
    private bool _noPwait2;
    private long _timerExpirations;

    /// <param name="waitNanoseconds">Before each wait: how long it may last (-1 for no limit); called on the loop's thread.</param>
    /// <param name="woke">Right after each wait, before the ready descriptors' callbacks; called on the loop's thread.</param>
    /// <param name="afterWait">After each wait and the ready descriptors' callbacks; called on the loop's thread.</param>
    public CheckLoop(Func<long> waitNanoseconds, Action woke, Action afterWait)
    {
        _waitNanoseconds = waitNanoseconds;
        _woke = woke;
        _afterWait = afterWait;
        _epoll = Interop.EpollCreate1(Interop.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _wake = Interop.EventFd(0, Interop.EFD_NONBLOCK | Interop.EFD_CLOEXEC);
        _timer = _wake < 0 ? -1 : Interop.TimerFdCreate(Interop.CLOCK_MONOTONIC, Interop.TFD_NONBLOCK | Interop.TFD_CLOEXEC);
        if (_timer < 0 || Add(_wake, Interop.EPOLLIN, WakeData) != 0 || Add(_timer, Interop.EPOLLIN, TimerData) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Interop.Close(_epoll);
            if (_wake >= 0)
            {
                Interop.Close(_wake);
            }

            if (_timer >= 0)
            {
                Interop.Close(_timer);
            }

            throw new InvalidOperationException($"eventfd or timerfd for the check loop failed: errno {errno}");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "kad checks" };
        _thread.Start();
    }

    /// <summary>Whether this platform has the loop (the epoll_event layout here is x86-64's).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Whether the caller runs on the loop's thread (which recomputes its wait before every wait anyway).</summary>
    public bool IsLoopThread => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    public int Register(IReadyHandler handler)
    {
        lock (_gate)
        {
            var slot = _free.Count > 0 ? _free.Pop() : _used++;
            if (slot >= _slots.Length)
            {
                var grown = new IReadyHandler?[_slots.Length * 2];
                _slots.CopyTo(grown, 0);
                Volatile.Write(ref _slots, grown);
            }

            Volatile.Write(ref _slots[slot], handler);
            return slot;
        }
    }

    public void Unregister(int slot)
    {
        lock (_gate)
        {
            Volatile.Write(ref _slots[slot], null);
            _free.Push(slot);
        }
    }

    /// <summary>Watches <paramref name="fd"/> once until it becomes writable or fails; 0, or the errno of epoll_ctl.</summary>
    public int WatchWritable(int fd, int slot, uint generation) =>
        Add(fd, Interop.EPOLLOUT | Interop.EPOLLONESHOT, ((ulong)generation << 32) | (uint)slot) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>How many waits the timerfd ended (the long ones); read by tests.</summary>
    internal long TimerExpirations => Interlocked.Read(ref _timerExpirations);

    /// <summary>Ends the wait in progress (or the next one) at once.</summary>
    public unsafe void Wake()
    {
        ulong one = 1;
        Interop.Write(_wake, &one, sizeof(ulong));
    }

    /// <summary>Stops the thread; it closes its descriptors on its way out.</summary>
    public void Dispose()
    {
        _stopping = true;
        Wake();
    }

    private unsafe int Add(int fd, uint events, ulong data)
    {
        var change = new Interop.EpollEvent { Events = events, Data = data };
        return Interop.EpollCtl(_epoll, Interop.EPOLL_CTL_ADD, fd, &change);
    }

    private unsafe void Run()
    {
        const int Batch = 128;
        var events = stackalloc Interop.EpollEvent[Batch];
        while (!_stopping)
        {
            var count = Wait(events, Batch, _stopping ? 0 : _waitNanoseconds());
            if (count < 0)
            {
                if (Marshal.GetLastPInvokeError() != Interop.EINTR)
                {
                    Thread.Sleep(10); // not expected; never spin
                }

                continue;
            }

            _woke();
            var slots = Volatile.Read(ref _slots);
            for (var i = 0; i < count; i++)
            {
                var data = events[i].Data;
                if (data >= TimerData)
                {
                    ulong drained;
                    Interop.Read(data == WakeData ? _wake : _timer, &drained, sizeof(ulong));
                    if (data == TimerData)
                    {
                        _timerArmed = false;
                        Interlocked.Increment(ref _timerExpirations);
                    }

                    continue;
                }

                var slot = (int)(uint)data;
                if (slot < slots.Length && Volatile.Read(ref slots[slot]) is { } handler)
                {
                    try
                    {
                        handler.OnReady((uint)(data >> 32), events[i].Events);
                    }
                    catch (Exception)
                    {
                        // A fault in recording one result must not stop every check of the monitor.
                    }
                }
            }

            if (!_stopping)
            {
                try
                {
                    _afterWait();
                }
                catch (Exception)
                {
                    // Each due work guards itself (IScheduledWork.OnDue must not throw); the loop must survive regardless.
                }
            }
        }

        Interop.Close(_timer);
        Interop.Close(_wake);
        Interop.Close(_epoll);
    }

    /// <summary>One wait of at most <paramref name="nanoseconds"/> (-1: no limit); the epoll_wait result.</summary>
    private unsafe int Wait(Interop.EpollEvent* events, int batch, long nanoseconds)
    {
        if (nanoseconds > LongWaitNanoseconds && ArmTimer(nanoseconds))
        {
            nanoseconds = -1;
        }
        else if (_timerArmed)
        {
            ArmTimer(0); // a stale expiry would only cost a spurious wake-up, but disarming is as cheap as handling one
        }

        if (!_noPwait2)
        {
            var timeout = new Interop.Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            try
            {
                var count = Interop.EpollPwait2(_epoll, events, batch, nanoseconds < 0 ? null : &timeout, null);
                if (count >= 0 || Marshal.GetLastPInvokeError() != Interop.ENOSYS)
                {
                    return count;
                }
            }
            catch (EntryPointNotFoundException)
            {
                // glibc before 2.35
            }

            _noPwait2 = true; // older kernel or glibc: milliseconds for good
        }

        // Rounded up, so that a wake-up never comes early.
        var milliseconds = nanoseconds < 0 ? -1 : (int)Math.Min(int.MaxValue, (nanoseconds + 999_999) / 1_000_000);
        return Interop.EpollWait(_epoll, events, batch, milliseconds);
    }

    /// <summary>
    /// Arms the timer to expire once after <paramref name="nanoseconds"/>; 0 disarms it. False if the kernel refused
    /// (not expected: the descriptor is ours); the wait then keeps its own timeout.
    /// </summary>
    private unsafe bool ArmTimer(long nanoseconds)
    {
        var spec = new Interop.TimerSpec
        {
            Value = new Interop.Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 },
        };
        if (Interop.TimerFdSetTime(_timer, 0, &spec, null) != 0)
        {
            return false;
        }

        _timerArmed = nanoseconds != 0;
        return true;
    }
}
