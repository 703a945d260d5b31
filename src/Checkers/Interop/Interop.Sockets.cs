using System.Runtime.InteropServices;

namespace Kad.Checkers;

/// <summary>
/// The few socket, epoll, eventfd and timerfd calls of TCP_CHECK's connect path (<see cref="Probes.TcpConnector"/>) and of the
/// loop it runs on (<see cref="Scheduling.CheckLoop"/>). Plain descriptors,
/// not SafeHandles: each one is owned by exactly one attempt, which closes it once (see the connector).
/// </summary>
internal static partial class Interop
{
    // bits/socket.h, linux/in.h, asm-generic/socket.h, asm-generic/errno.h, sys/epoll.h
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int IPPROTO_TCP = 6;
    internal const int SOL_SOCKET = 1;
    internal const int SO_REUSEADDR = 2;
    internal const int SO_ERROR = 4;
    internal const int SO_BINDTODEVICE = 25;
    internal const int SO_MARK = 36;
    internal const int EINTR = 4;
    internal const int EINPROGRESS = 115;
    internal const int ECANCELED = 125;
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLONESHOT = 1u << 30;
    internal const short POLLOUT = 0x004; // asm-generic/poll.h
    internal const int EFD_NONBLOCK = 0x800; // sys/eventfd.h
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int ENOSYS = 38;
    internal const int CLOCK_MONOTONIC = 1; // linux/time.h
    internal const int TFD_NONBLOCK = 0x800; // sys/timerfd.h
    internal const int TFD_CLOEXEC = 0x80000;

    /// <summary>struct timespec (64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>struct itimerspec: the repeat interval (zero: one shot), then the first expiry.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimerSpec
    {
        public Timespec Interval;
        public Timespec Value;
    }

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>struct epoll_event as x86-64 lays it out (packed: the 64-bit data right after the 32-bit mask).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    internal static unsafe partial int Connect(int fd, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    internal static unsafe partial int Bind(int fd, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, int valueLength);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    internal static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, int* valueLength);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static unsafe partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    internal static unsafe partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    /// <summary>epoll_wait with a nanosecond timeout (null: none); Linux 5.11, glibc 2.35.</summary>
    [LibraryImport("libc", EntryPoint = "epoll_pwait2", SetLastError = true)]
    internal static unsafe partial int EpollPwait2(int epfd, EpollEvent* events, int maxEvents, Timespec* timeout, void* signalMask);

    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    internal static partial int TimerFdCreate(int clockId, int flags);

    /// <summary>With flags 0 <paramref name="next"/> is relative to now; an all-zero value disarms the timer.</summary>
    [LibraryImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    internal static unsafe partial int TimerFdSetTime(int fd, int flags, TimerSpec* next, TimerSpec* previous);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, void* buffer, nuint count);
}
