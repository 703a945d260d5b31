using System.Runtime.InteropServices;

namespace Kad.Vrrp.Transport;

/// <summary>
/// The few libc calls the BCL does not cover: epoll over the sockets and an eventfd (so the interface thread can sleep
/// until a packet, a deadline or a command), sendto/recvmsg on raw descriptors, AF_PACKET sends, ioctl for the MAC.
/// </summary>
internal static unsafe partial class Interop
{
    private const string Libc = "libc";

    // <sys/socket.h>, <linux/if_ether.h>, <linux/in6.h>: see /work/shared/ref/vrrp.md §11.
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int AF_PACKET = 17;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const ushort ETH_P_ARP = 0x0806;
    internal const ushort ETH_P_IPV6 = 0x86DD;
    internal const int SOL_SOCKET = 1;
    internal const int SO_BINDTODEVICE = 25;
    internal const int SO_ATTACH_FILTER = 26; // <asm-generic/socket.h>
    internal const int IPPROTO_IP = 0;
    internal const int IP_MULTICAST_ALL = 49;
    internal const int IPPROTO_IPV6 = 41;
    internal const int IPV6_CHECKSUM = 7;
    internal const int IPV6_UNICAST_HOPS = 16;
    internal const int IPV6_MULTICAST_HOPS = 18;
    internal const int IPV6_MULTICAST_ALL = 29;
    internal const int IPV6_RECVPKTINFO = 49;
    internal const int IPV6_PKTINFO = 50;
    internal const int IPV6_RECVHOPLIMIT = 51;
    internal const int IPV6_HOPLIMIT = 52;
    internal const int IPV6_TCLASS = 67;

    // <sys/eventfd.h>
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    // <linux/sockios.h>
    internal const nuint SIOCGIFHWADDR = 0x8927;

    // <sys/socket.h>
    internal const int MSG_DONTROUTE = 0x4;
    internal const int MSG_DONTWAIT = 0x40;

    // <errno.h>
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int ENOSYS = 38;

    /// <summary>struct iovec (x86-64 / aarch64 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct sock_fprog (linux/filter.h, LP64 layout): the instruction count, then a pointer to them.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SocketFilterProgram
    {
        public ushort Length;
        public SocketFilterInstruction* Instructions;
    }

    /// <summary>struct msghdr (LP64 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int eventfd(uint initial, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int close(int fd);

    // <fcntl.h> (x86-64 / aarch64 values), <sys/stat.h>: for the notify FIFO.
    internal const int O_RDWR = 0x2;
    internal const int O_APPEND = 0x400;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;
    internal const int EEXIST = 17;

    /// <summary>open(2) without O_CREAT, so the variadic mode argument is never needed.</summary>
    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkfifo(string path, uint mode);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial nint sendto(int fd, void* buffer, nuint length, int flags, void* address, uint addressLength);

    /// <summary>sendto without errno capture: the advert path only needs to know whether the kernel took the datagram.</summary>
    [LibraryImport(Libc, EntryPoint = "sendto")]
    internal static partial nint sendto_noerrno(int fd, void* buffer, nuint length, int flags, void* address, uint addressLength);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial nint recvmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint if_nametoindex(string name);

    internal static ushort HostToNetwork(ushort value) => BitConverter.IsLittleEndian ? (ushort)((value >> 8) | (value << 8)) : value;
}

internal static unsafe partial class Interop
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

internal static unsafe partial class Interop
{
    // <sched.h>
    internal const int SCHED_OTHER = 0;
    internal const int SCHED_RR = 2;

    /// <summary>With pid 0, applies to the calling thread only (Linux schedules threads individually).</summary>
    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int sched_setscheduler(int pid, int policy, int* param);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int sched_getscheduler(int pid);
}

internal static unsafe partial class Interop
{
    // <sys/epoll.h>
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const uint EPOLLIN = 0x001;

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    /// <summary><paramref name="ev"/> points at a struct epoll_event (see <see cref="Transport.Poller"/> for its layout).</summary>
    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    /// <summary>epoll_wait with a nanosecond timeout (Linux 5.11, glibc 2.35).</summary>
    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int epoll_pwait2(int epfd, void* events, int maxEvents, Timespec* timeout, void* signalMask);

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int epoll_wait(int epfd, void* events, int maxEvents, int timeoutMilliseconds);

    // <sys/timerfd.h>, <linux/time.h>
    internal const int CLOCK_MONOTONIC = 1;
    internal const int TFD_CLOEXEC = 0x80000;
    internal const int TFD_NONBLOCK = 0x800;

    /// <summary>struct itimerspec: the repeat interval (zero: one shot), then the first expiry.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimerSpec
    {
        public Timespec Interval;
        public Timespec Value;
    }

    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int timerfd_create(int clockId, int flags);

    /// <summary>With flags 0 <paramref name="next"/> is relative to now; an all-zero value disarms the timer.</summary>
    [LibraryImport(Libc, SetLastError = true)]
    internal static partial int timerfd_settime(int fd, int flags, TimerSpec* next, TimerSpec* previous);
}
