using System.Runtime.InteropServices;
using Kad.Vrrp.Packets;

namespace Kad.Vrrp.Transport;

/// <summary>
/// An AF_PACKET socket that sends whole Ethernet frames (gratuitous ARP, unsolicited NA) out of one interface.
/// Send-only; frames are written into a reused buffer.
/// </summary>
public sealed unsafe class AnnouncementSocket : IDisposable
{
    private readonly FileDescriptor _fd;
    private readonly byte[] _frame = new byte[128];
    private readonly byte[] _mac;

    private AnnouncementSocket(FileDescriptor fd, int interfaceIndex, byte[] mac)
    {
        _fd = fd;
        InterfaceIndex = interfaceIndex;
        _mac = mac;
    }

    public int InterfaceIndex { get; }

    public ReadOnlySpan<byte> Mac => _mac;

    /// <summary>Opens the socket on <paramref name="interfaceName"/> in the calling thread's network namespace.</summary>
    public static AnnouncementSocket Open(string interfaceName)
    {
        var index = (int)Interop.if_nametoindex(interfaceName);
        if (index == 0)
        {
            throw new VrrpSocketException($"if_nametoindex({interfaceName})", Marshal.GetLastPInvokeError());
        }

        // Protocol 0: receives nothing, so this send-only socket never queues traffic.
        var fd = new FileDescriptor(FileDescriptor.Check(Interop.socket(Interop.AF_PACKET, Interop.SOCK_RAW | Interop.SOCK_CLOEXEC, 0), "socket(AF_PACKET)"));
        try
        {
            return new AnnouncementSocket(fd, index, ReadMac(fd.Value, interfaceName));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Sends a gratuitous ARP for one IPv4 VIP; false if the kernel refused it.</summary>
    public bool SendGratuitousArp(ReadOnlySpan<byte> address)
    {
        var length = AnnouncementFrames.WriteGratuitousArp(_frame, _mac, address);
        return Send(length, Interop.ETH_P_ARP);
    }

    /// <summary>Sends an unsolicited neighbour advertisement for one IPv6 VIP (source = the VIP, as keepalived).</summary>
    public bool SendNeighborAdvertisement(ReadOnlySpan<byte> address, bool router)
    {
        var flags = (byte)(AnnouncementFrames.NaFlagOverride | (router ? AnnouncementFrames.NaFlagRouter : 0));
        var length = AnnouncementFrames.WriteUnsolicitedNeighborAdvertisement(_frame, _mac, address, address, flags);
        return Send(length, Interop.ETH_P_IPV6);
    }

    private bool Send(int length, ushort etherType)
    {
        // struct sockaddr_ll (20 bytes): family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8].
        byte* address = stackalloc byte[20];
        new Span<byte>(address, 20).Clear();
        *(ushort*)address = Interop.AF_PACKET;
        *(ushort*)(address + 2) = Interop.HostToNetwork(etherType);
        *(int*)(address + 4) = InterfaceIndex;
        address[11] = 6;
        _frame.AsSpan(0, 6).CopyTo(new Span<byte>(address + 12, 6));
        fixed (byte* frame = _frame)
        {
            return Interop.sendto(_fd.Value, frame, (nuint)length, 0, address, 20) == length;
        }
    }

    private static byte[] ReadMac(int fd, string interfaceName)
    {
        // struct ifreq: char ifr_name[16]; struct sockaddr ifr_hwaddr (family 2 bytes, then the MAC).
        byte* request = stackalloc byte[40];
        var span = new Span<byte>(request, 40);
        span.Clear();
        System.Text.Encoding.UTF8.GetBytes(interfaceName.AsSpan(), span[..15]);
        FileDescriptor.Check(Interop.ioctl(fd, Interop.SIOCGIFHWADDR, request), $"SIOCGIFHWADDR({interfaceName})");
        return span.Slice(18, 6).ToArray();
    }

    public void Dispose() => _fd.Dispose();
}
