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
/// through an eventfd when they schedule something earlier than it is waiting for.
/// </summary>
internal sealed class CheckLoop : IDisposable
{
    private const ulong WakeData = ulong.MaxValue;

    private readonly Func<int> _waitMilliseconds;
    private readonly Action _woke;
    private readonly Action _afterWait;
    private readonly Lock _gate = new();
    private readonly Stack<int> _free = new();
    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private IReadyHandler?[] _slots = new IReadyHandler?[64];
    private int _used;
    private volatile bool _stopping;

    /// <param name="waitMilliseconds">Before each wait: how long it may last (-1 for no limit); called on the loop's thread.</param>
    /// <param name="woke">Right after each wait, before the ready descriptors' callbacks; called on the loop's thread.</param>
    /// <param name="afterWait">After each wait and the ready descriptors' callbacks; called on the loop's thread.</param>
    public CheckLoop(Func<int> waitMilliseconds, Action woke, Action afterWait)
    {
        _waitMilliseconds = waitMilliseconds;
        _woke = woke;
        _afterWait = afterWait;
        _epoll = Interop.EpollCreate1(Interop.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _wake = Interop.EventFd(0, Interop.EFD_NONBLOCK | Interop.EFD_CLOEXEC);
        if (_wake < 0 || Add(_wake, Interop.EPOLLIN, WakeData) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Interop.Close(_epoll);
            if (_wake >= 0)
            {
                Interop.Close(_wake);
            }

            throw new InvalidOperationException($"eventfd for the check loop failed: errno {errno}");
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
            var count = Interop.EpollWait(_epoll, events, Batch, _stopping ? 0 : _waitMilliseconds());
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
                if (data == WakeData)
                {
                    ulong drained;
                    Interop.Read(_wake, &drained, sizeof(ulong));
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

        Interop.Close(_wake);
        Interop.Close(_epoll);
    }
}
