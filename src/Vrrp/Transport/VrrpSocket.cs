using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Kad.Vrrp.Packets;

namespace Kad.Vrrp.Transport;

/// <summary>
/// The raw protocol-112 socket of one interface and address family, set up as keepalived does (ref/vrrp.md §11):
/// bound to the device, group joined on it, TTL/hop limit 255, multicast loop off, IP_MULTICAST_ALL off. IPv4 sends
/// whole datagrams (IP_HDRINCL) so the source and TOS are ours; IPv6 lets the kernel fill and verify the checksum and
/// reports hop limit and destination as control messages. Receiving and sending allocate nothing.
/// </summary>
public sealed unsafe class VrrpSocket : IDisposable
{
    private const int ControlBufferLength = 128;
    private readonly Socket _socket;
    private readonly byte[] _source = new byte[16];
    private readonly byte[] _destination = new byte[16];
    private readonly byte[] _control = new byte[ControlBufferLength];
    private readonly byte[] _name = new byte[28];
    private ushort _identification;

    private VrrpSocket(Socket socket, AddressFamily family, string interfaceName, int interfaceIndex)
    {
        _socket = socket;
        // Read once: Socket.Handle does bookkeeping on every access, and the descriptor never changes.
        Fd = (int)socket.Handle;
        Family = family;
        InterfaceName = interfaceName;
        InterfaceIndex = interfaceIndex;
    }

    public AddressFamily Family { get; }

    public string InterfaceName { get; }

    public int InterfaceIndex { get; }

    internal int Fd { get; }

    /// <summary>IPv6: source of the last datagram received (IPv4 datagrams carry it in their header).</summary>
    public ReadOnlySpan<byte> LastSource => _source.AsSpan(0, Family == AddressFamily.InterNetworkV6 ? 16 : 4);

    /// <summary>IPv6: destination of the last datagram received, from IPV6_PKTINFO.</summary>
    public ReadOnlySpan<byte> LastDestination => _destination.AsSpan(0, Family == AddressFamily.InterNetworkV6 ? 16 : 4);

    /// <summary>IPv6: hop limit of the last datagram received, from IPV6_HOPLIMIT.</summary>
    public byte LastHopLimit { get; private set; }

    /// <summary>
    /// Opens the socket on <paramref name="interfaceName"/> in the calling thread's network namespace.
    /// <paramref name="joinGroup"/> joins 224.0.0.18 / ff02::12 (multicast instances); <paramref name="bindSource"/>
    /// (IPv6) is the link-local source adverts must carry.
    /// </summary>
    public static VrrpSocket Open(string interfaceName, AddressFamily family, bool joinGroup, IPAddress? bindSource = null) =>
        Open(interfaceName, family, joinGroup ? [new IPAddress(family == AddressFamily.InterNetworkV6 ? VrrpConstants.IPv6Group : VrrpConstants.IPv4Group)] : [], bindSource);

    /// <summary>
    /// Opens the socket and joins each of <paramref name="groups"/> on the interface (the multicast instances'
    /// groups: 224.0.0.18 / ff02::12 unless <c>mcast_dst_ip</c> says otherwise). <paramref name="unicastHopLimit"/>
    /// (IPv6) is the hop limit of unicast adverts (<c>unicast_ttl</c>); IPv4 writes its TTL per datagram.
    /// </summary>
    public static VrrpSocket Open(string interfaceName, AddressFamily family, IReadOnlyCollection<IPAddress> groups, IPAddress? bindSource = null, byte unicastHopLimit = VrrpConstants.RequiredTtl)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var index = (int)Interop.if_nametoindex(interfaceName);
        if (index == 0)
        {
            throw new VrrpSocketException($"if_nametoindex({interfaceName})", Marshal.GetLastPInvokeError());
        }

        // The BCL refuses protocol numbers it does not know (112), so the descriptor comes from libc and is adopted.
        var fd = FileDescriptor.Check(
            Interop.socket(family == AddressFamily.InterNetworkV6 ? Interop.AF_INET6 : Interop.AF_INET, Interop.SOCK_RAW | Interop.SOCK_CLOEXEC, VrrpConstants.IpProtocol),
            "socket(SOCK_RAW, 112)");
        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            var name = new byte[Encoding.UTF8.GetByteCount(interfaceName) + 1];
            Encoding.UTF8.GetBytes(interfaceName, name);
            socket.SetRawSocketOption(Interop.SOL_SOCKET, Interop.SO_BINDTODEVICE, name);
            Span<byte> zero = stackalloc byte[4];
            Span<byte> one = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(one, 1);
            if (family == AddressFamily.InterNetwork)
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, false);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.HostToNetworkOrder(index));
                // Without this, groups joined by any socket on the host would leak into ours.
                socket.SetRawSocketOption(Interop.IPPROTO_IP, Interop.IP_MULTICAST_ALL, zero);
                foreach (var group in groups)
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, index));
                }
            }
            else
            {
                Span<byte> checksumOffset = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(checksumOffset, VrrpConstants.Offsets.Checksum);
                socket.SetRawSocketOption(Interop.IPPROTO_IPV6, Interop.IPV6_CHECKSUM, checksumOffset);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.IpTimeToLive, (int)unicastHopLimit);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, false);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
                socket.SetRawSocketOption(Interop.IPPROTO_IPV6, Interop.IPV6_MULTICAST_ALL, zero);
                socket.SetRawSocketOption(Interop.IPPROTO_IPV6, Interop.IPV6_RECVHOPLIMIT, one);
                socket.SetRawSocketOption(Interop.IPPROTO_IPV6, Interop.IPV6_RECVPKTINFO, one);
                Span<byte> tclass = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(tclass, 0xC0);
                socket.SetRawSocketOption(Interop.IPPROTO_IPV6, Interop.IPV6_TCLASS, tclass);
                foreach (var group in groups)
                {
                    socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, index));
                }

                if (bindSource is not null)
                {
                    var scoped = new IPAddress(bindSource.GetAddressBytes(), bindSource.IsIPv6LinkLocal ? index : 0);
                    socket.Bind(new IPEndPoint(scoped, 0));
                }
            }

            return new VrrpSocket(socket, family, interfaceName, index);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// From now on the kernel queues only adverts for <paramref name="vrids"/> on this socket (see
    /// <see cref="VridSocketFilter"/>); a later call replaces the set.
    /// </summary>
    public void AcceptOnlyVrids(IEnumerable<byte> vrids)
    {
        var program = VridSocketFilter.Build(Family, vrids);
        fixed (SocketFilterInstruction* instructions = program)
        {
            // The kernel copies the program during the call, so the array need stay pinned only for it.
            var header = new Interop.SocketFilterProgram { Length = (ushort)program.Length, Instructions = instructions };
            FileDescriptor.Check(
                Interop.setsockopt(Fd, Interop.SOL_SOCKET, Interop.SO_ATTACH_FILTER, &header, (uint)sizeof(Interop.SocketFilterProgram)),
                $"setsockopt(SO_ATTACH_FILTER) on {InterfaceName}");
        }
    }

    /// <summary>
    /// An advert of <paramref name="template"/> from <paramref name="source"/> to <paramref name="destination"/>,
    /// prepared once so that sending it allocates and rebuilds nothing. <paramref name="ttl"/> is the IPv4 TTL (255,
    /// or <c>unicast_ttl</c> for unicast peers).
    /// </summary>
    public PreparedAdvert Prepare(VrrpAdvertTemplate template, IPAddress source, IPAddress destination, VrrpChecksumForm form, byte ttl = VrrpConstants.RequiredTtl)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.AddressFamily != Family || source.AddressFamily != Family)
        {
            throw new ArgumentException($"advert addresses must be {Family}", nameof(destination));
        }

        return new PreparedAdvert(Family, template, source, destination, form, ttl, InterfaceIndex);
    }

    /// <summary>
    /// Sends one advert with <paramref name="priority"/>. IPv4: a whole datagram with our header; IPv6: the VRRP
    /// message (the kernel adds the header and fixes the checksum). Returns false when the kernel refused it (link
    /// down, no route).
    /// </summary>
    public bool Send(PreparedAdvert advert, byte priority)
    {
        ArgumentNullException.ThrowIfNull(advert);
        if (Family == AddressFamily.InterNetwork)
        {
            // keepalived increments the ID per packet and never sends 0 (0 would let the kernel choose).
            _identification = (ushort)(_identification == ushort.MaxValue ? 1 : _identification + 1);
        }

        var bytes = advert.Bytes(priority, _identification);
        var address = advert.SocketAddress;
        fixed (byte* data = bytes)
        fixed (byte* to = address)
        {
            return Interop.sendto_noerrno(Fd, data, (nuint)bytes.Length, Interop.MSG_DONTROUTE, to, (uint)address.Length) == bytes.Length;
        }
    }

    /// <summary>
    /// Receives one datagram without blocking: IPv4 returns the whole datagram (header included); IPv6 the VRRP
    /// payload, with <see cref="LastSource"/>, <see cref="LastDestination"/> and <see cref="LastHopLimit"/> set.
    /// Returns −1 when nothing is queued.
    /// </summary>
    public int Receive(Span<byte> buffer)
    {
        fixed (byte* data = buffer)
        fixed (byte* control = _control)
        fixed (byte* name = _name)
        {
            var iov = new Interop.IoVec { Base = data, Length = (nuint)buffer.Length };
            var message = new Interop.MsgHdr
            {
                Name = name,
                NameLength = (uint)_name.Length,
                Iov = &iov,
                IovLength = 1,
                Control = control,
                ControlLength = (nuint)_control.Length,
            };
            var received = Interop.recvmsg(Fd, &message, Interop.MSG_DONTWAIT);
            if (received < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Interop.EAGAIN or Interop.EINTR)
                {
                    return -1;
                }

                throw new VrrpSocketException($"recvmsg on {InterfaceName}", errno);
            }

            if (Family == AddressFamily.InterNetworkV6)
            {
                ReadIPv6Envelope(message);
            }

            return (int)Math.Min(received, buffer.Length);
        }
    }

    private void ReadIPv6Envelope(in Interop.MsgHdr message)
    {
        // sockaddr_in6: family(2) port(2) flowinfo(4) addr(16) scope_id(4).
        _name.AsSpan(8, 16).CopyTo(_source);
        LastHopLimit = 0;
        _destination.AsSpan().Clear();
        var control = _control.AsSpan(0, (int)message.ControlLength);
        // cmsghdr (LP64): len (size_t), level (int), type (int), then data aligned to 8.
        var offset = 0;
        while (offset + 16 <= control.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(control[offset..]);
            var level = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 8)..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 12)..]);
            if (length < 16 || offset + length > control.Length)
            {
                break;
            }

            var data = control.Slice(offset + 16, length - 16);
            if (level == Interop.IPPROTO_IPV6 && type == Interop.IPV6_HOPLIMIT && data.Length >= 4)
            {
                LastHopLimit = (byte)BinaryPrimitives.ReadInt32LittleEndian(data);
            }
            else if (level == Interop.IPPROTO_IPV6 && type == Interop.IPV6_PKTINFO && data.Length >= 20)
            {
                data[..16].CopyTo(_destination);
            }

            offset += (length + 7) & ~7;
        }
    }

    public void Dispose() => _socket.Dispose();
}
