using System.Runtime.InteropServices;

namespace Kad.Vrrp.Transport;

/// <summary>
/// An epoll set the interface thread sleeps in. The descriptors are registered once, so a wake-up costs the kernel no
/// per-call setup (ppoll re-registers every descriptor on every call, which showed in the idle-master profile), and
/// the timeout has nanosecond resolution (epoll_pwait2) so 10 ms adverts keep their cadence.
/// Long timeouts are kept by a timerfd instead: Linux lets a poll timeout expire late by 0.1 % of its length for a
/// task that is not real-time (fs/select.c, select_estimate_accuracy), 3.6 ms on a v2 backup's 3.6 s master-down
/// wait, while a timerfd expires on time.
/// </summary>
internal sealed unsafe class Poller : IDisposable
{
    // struct epoll_event is { uint32 events; uint64 data; }, packed on x86-64 (12 bytes) and naturally aligned
    // elsewhere (16 bytes): <sys/epoll.h> __EPOLL_PACKED.
    private static readonly int Stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
    private const int MaxEvents = 8;

    // Up to here the poll timeout's slack is at most the thread's default 50 us timer slack; beyond, the timerfd.
    private const long LongTimeoutNanoseconds = 50_000_000;

    private readonly FileDescriptor _fd = new(FileDescriptor.Check(Interop.epoll_create1(Interop.EPOLL_CLOEXEC), "epoll_create1"));
    private readonly FileDescriptor _timer = new(FileDescriptor.Check(
        Interop.timerfd_create(Interop.CLOCK_MONOTONIC, Interop.TFD_CLOEXEC | Interop.TFD_NONBLOCK), "timerfd_create"));
    private readonly byte[] _events = new byte[MaxEvents * 16];
    private bool _noPwait2;
    private bool _timerArmed;

    public Poller() => Add(_timer.Value);

    /// <summary>Watches <paramref name="fd"/> for input (level-triggered: unread data wakes the next wait too).</summary>
    public void Add(int fd)
    {
        var ev = stackalloc byte[16];
        new Span<byte>(ev, 16).Clear();
        *(uint*)ev = Interop.EPOLLIN;
        *(int*)(ev + DataOffset) = fd;
        FileDescriptor.Check(Interop.epoll_ctl(_fd.Value, Interop.EPOLL_CTL_ADD, fd, ev), $"epoll_ctl(ADD, {fd})");
    }

    /// <summary>
    /// Sleeps until a watched descriptor is readable or <paramref name="timeoutNanoseconds"/> pass (null: no timeout);
    /// writes the readable descriptors to <paramref name="ready"/> and returns how many (0 on timeout or EINTR).
    /// </summary>
    public int Wait(Span<int> ready, long? timeoutNanoseconds)
    {
        if (timeoutNanoseconds > LongTimeoutNanoseconds)
        {
            ArmTimer(timeoutNanoseconds.Value);
            timeoutNanoseconds = null;
        }
        else if (_timerArmed)
        {
            // A stale expiry would only cost a spurious wake-up, but disarming is as cheap as handling one.
            ArmTimer(0);
        }

        // One slot more than the caller's, for the timer.
        var max = Math.Min(ready.Length + 1, MaxEvents);
        var count = -1;
        fixed (byte* events = _events)
        {
            if (!_noPwait2)
            {
                count = WaitNanoseconds(events, max, timeoutNanoseconds);
                // Older glibc or kernel: fall back to milliseconds for good.
                _noPwait2 = count < 0 && Marshal.GetLastPInvokeError() == Interop.ENOSYS;
            }

            if (_noPwait2)
            {
                // Rounded up, so that a deadline is never met early.
                var ms = timeoutNanoseconds is { } ns ? (int)Math.Min(int.MaxValue, (ns + 999_999) / 1_000_000) : -1;
                count = Interop.epoll_wait(_fd.Value, events, max, ms);
            }
        }

        if (count < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Interop.EINTR ? 0 : throw new VrrpSocketException("epoll_wait", errno);
        }

        var readable = 0;
        for (var i = 0; i < count; i++)
        {
            var fd = BitConverter.ToInt32(_events, (i * Stride) + DataOffset);
            if (fd == _timer.Value)
            {
                DrainTimer();
            }
            else if (readable < ready.Length)
            {
                ready[readable++] = fd;
            }
        }

        return readable;
    }

    /// <summary>Arms the timer to expire once after <paramref name="nanoseconds"/>; 0 disarms it.</summary>
    private void ArmTimer(long nanoseconds)
    {
        var spec = new Interop.TimerSpec
        {
            Value = new Interop.Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 },
        };
        FileDescriptor.Check(Interop.timerfd_settime(_timer.Value, 0, &spec, null), "timerfd_settime");
        _timerArmed = nanoseconds != 0;
    }

    private void DrainTimer()
    {
        ulong expirations;
        Interop.read(_timer.Value, &expirations, sizeof(ulong));
        _timerArmed = false;
    }

    private int WaitNanoseconds(byte* events, int max, long? timeoutNanoseconds)
    {
        Interop.Timespec timeout = default;
        if (timeoutNanoseconds is { } ns)
        {
            timeout.Seconds = ns / 1_000_000_000;
            timeout.Nanoseconds = ns % 1_000_000_000;
        }

        try
        {
            return Interop.epoll_pwait2(_fd.Value, events, max, timeoutNanoseconds is null ? null : &timeout, null);
        }
        catch (EntryPointNotFoundException)
        {
            Marshal.SetLastPInvokeError(Interop.ENOSYS);
            return -1;
        }
    }

    public void Dispose()
    {
        _fd.Dispose();
        _timer.Dispose();
    }
}
