using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

/// <summary>struct sockaddr_nl (linux/netlink.h), 12 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SockAddrNetlink
{
    public ushort Family;
    public ushort Pad;
    public uint PortId;
    public uint Groups;
}

/// <summary>struct pollfd (poll.h), 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short ReturnedEvents;
}

/// <summary>Socket-level constants, each from the header named beside it.</summary>
internal static class SocketConstants
{
    public const int AF_NETLINK = 16;          // linux/socket.h
    public const int SOCK_RAW = 3;             // linux/net.h
    public const int SOCK_NONBLOCK = 0x800;    // asm-generic/fcntl.h O_NONBLOCK
    public const int SOCK_CLOEXEC = 0x80000;   // asm-generic/fcntl.h O_CLOEXEC
    public const int NETLINK_ROUTE = 0;        // linux/netlink.h
    public const int NETLINK_GENERIC = 16;     // linux/netlink.h

    public const int SOL_SOCKET = 1;           // asm-generic/socket.h
    public const int SO_SNDBUF = 7;            // asm-generic/socket.h
    public const int SO_RCVBUF = 8;            // asm-generic/socket.h
    public const int SO_SNDBUFFORCE = 32;      // asm-generic/socket.h
    public const int SO_RCVBUFFORCE = 33;      // asm-generic/socket.h

    public const int SOL_NETLINK = 270;        // linux/socket.h
    public const int NETLINK_ADD_MEMBERSHIP = 1;  // linux/netlink.h
    public const int NETLINK_CAP_ACK = 10;     // linux/netlink.h
    public const int NETLINK_EXT_ACK = 11;     // linux/netlink.h

    public const int MSG_TRUNC = 0x20;         // linux/socket.h
    public const int MSG_DONTWAIT = 0x40;      // linux/socket.h

    public const short POLLIN = 0x1;           // asm-generic/poll.h
    public const short POLLOUT = 0x4;          // asm-generic/poll.h
}
