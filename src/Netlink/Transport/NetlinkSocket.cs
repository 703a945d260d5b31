using System.Runtime.InteropServices;
using Kad.Netlink.Interop;
using Kad.Netlink.Protocol;

namespace Kad.Netlink.Transport;

/// <summary>A non-blocking AF_NETLINK socket bound to a kernel-assigned port id.</summary>
public sealed unsafe class NetlinkSocket : INetlinkTransport
{
    private readonly SafeNetlinkHandle _handle;

    private NetlinkSocket(SafeNetlinkHandle handle, uint portId)
    {
        _handle = handle;
        PortId = portId;
    }

    public uint PortId { get; }

    /// <summary>Opens a socket of <paramref name="protocol"/> (NETLINK_GENERIC, NETLINK_ROUTE) joined to <paramref name="groups"/>.</summary>
    public static NetlinkSocket Open(int protocol, uint groups = 0)
    {
        var handle = Libc.Socket(SocketConstants.AF_NETLINK, SocketConstants.SOCK_RAW | SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC, protocol);
        if (handle.IsInvalid)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new NetlinkException(errno, "socket(AF_NETLINK)", protocol == SocketConstants.NETLINK_GENERIC ? "NETLINK_GENERIC" : $"protocol {protocol}");
        }

        try
        {
            var address = new SockAddrNetlink { Family = SocketConstants.AF_NETLINK, Groups = groups };
            if (Libc.Bind(handle, &address, (uint)sizeof(SockAddrNetlink)) != 0)
            {
                throw new NetlinkException(Marshal.GetLastPInvokeError(), "bind(AF_NETLINK)");
            }

            var bound = default(SockAddrNetlink);
            var length = (uint)sizeof(SockAddrNetlink);
            if (Libc.GetSockName(handle, &bound, &length) != 0)
            {
                throw new NetlinkException(Marshal.GetLastPInvokeError(), "getsockname(AF_NETLINK)");
            }

            var socket = new NetlinkSocket(handle, bound.PortId);

            // Best effort: extended acks give a text reason; capped acks keep error replies small in batches.
            socket.TrySetOption(SocketConstants.SOL_NETLINK, SocketConstants.NETLINK_EXT_ACK, 1);
            socket.TrySetOption(SocketConstants.SOL_NETLINK, SocketConstants.NETLINK_CAP_ACK, 1);
            return socket;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>setsockopt with an int value; returns false (and leaves the socket as it was) on failure.</summary>
    public bool TrySetOption(int level, int name, int value) =>
        Libc.SetSockOpt(_handle, level, name, &value, sizeof(int)) == 0;

    /// <summary>getsockopt with an int value; -1 on failure.</summary>
    public int GetOption(int level, int name)
    {
        var value = 0;
        var length = (uint)sizeof(int);
        return Libc.GetSockOpt(_handle, level, name, &value, &length) == 0 ? value : -1;
    }

    /// <summary>Grows the receive buffer (root may exceed rmem_max via SO_RCVBUFFORCE); returns the size in effect.</summary>
    public int SetReceiveBuffer(int bytes)
    {
        if (!TrySetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVBUFFORCE, bytes))
        {
            TrySetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVBUF, bytes);
        }

        return GetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVBUF);
    }

    /// <summary>Grows the send buffer, which bounds the largest datagram the kernel accepts; returns the size in effect.</summary>
    public int SetSendBuffer(int bytes)
    {
        if (!TrySetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_SNDBUFFORCE, bytes))
        {
            TrySetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_SNDBUF, bytes);
        }

        return GetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_SNDBUF);
    }

    /// <summary>Joins a multicast group by number (RTNLGRP_*), also for groups above 32.</summary>
    public void JoinGroup(int group)
    {
        if (!TrySetOption(SocketConstants.SOL_NETLINK, SocketConstants.NETLINK_ADD_MEMBERSHIP, group))
        {
            throw new NetlinkException(Marshal.GetLastPInvokeError(), "NETLINK_ADD_MEMBERSHIP", $"group {group}");
        }
    }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        var kernel = new SockAddrNetlink { Family = SocketConstants.AF_NETLINK };
        fixed (byte* data = datagram)
        {
            while (true)
            {
                var sent = Libc.SendTo(_handle, data, (nuint)datagram.Length, 0, &kernel, (uint)sizeof(SockAddrNetlink));
                if (sent >= 0)
                {
                    return;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                if (errno == Errno.EAGAIN)
                {
                    // Send buffer momentarily full: wait until the kernel has consumed earlier datagrams.
                    WaitFor(SocketConstants.POLLOUT, TimeSpan.FromMilliseconds(100));
                    continue;
                }

                throw new NetlinkException(errno, "sendto(netlink)", $"{datagram.Length}-byte datagram");
            }
        }
    }

    public int Receive(Span<byte> buffer, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        fixed (byte* data = buffer)
        {
            while (true)
            {
                var received = Libc.Recv(_handle, data, (nuint)buffer.Length, SocketConstants.MSG_TRUNC | SocketConstants.MSG_DONTWAIT);
                if (received >= 0)
                {
                    if (received > buffer.Length)
                    {
                        throw new NetlinkProtocolException($"datagram of {received} bytes truncated to the {buffer.Length}-byte buffer");
                    }

                    return (int)received;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                if (errno != Errno.EAGAIN)
                {
                    throw new NetlinkException(errno, "recv(netlink)");
                }

                var left = deadline - Environment.TickCount64;
                if (left <= 0 || !WaitFor(SocketConstants.POLLIN, TimeSpan.FromMilliseconds(left)))
                {
                    throw new TimeoutException($"no netlink reply within {timeout.TotalMilliseconds:0} ms");
                }
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    private bool WaitFor(short events, TimeSpan timeout)
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var poll = new PollFd { Fd = (int)_handle.DangerousGetHandle(), Events = events };
            var ready = Libc.Poll(&poll, 1, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue));
            if (ready < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == Errno.EINTR ? true : throw new NetlinkException(errno, "poll(netlink)");
            }

            return ready > 0;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }
}
