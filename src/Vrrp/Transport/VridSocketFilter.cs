using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Kad.Vrrp.Transport;

/// <summary>One classic-BPF instruction, laid out as the kernel's <c>struct sock_filter</c> (linux/filter.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct SocketFilterInstruction(ushort Code, byte JumpIfTrue, byte JumpIfFalse, uint Constant);

/// <summary>
/// A socket filter that lets through only adverts for the VRIDs configured on an interface. On a link shared with
/// other VRRP routers, every advert of every other VRID would otherwise wake the interface thread just to be read and
/// thrown away (100 a second per foreign instance at 10 ms adverts); the kernel now drops them before the socket
/// queue. Datagrams too short to carry a VRID pass, so userspace still counts them as malformed.
/// </summary>
/// <remarks>
/// What the filter sees is what <c>recvmsg</c> returns: an IPv4 raw socket delivers the IP header (of variable length)
/// before the VRRP message, an IPv6 raw socket the VRRP message alone. The VRID is byte 1 of the message.
/// </remarks>
public static class VridSocketFilter
{
    // <linux/bpf_common.h>: instruction classes, sizes, modes, ALU/jump operations and sources.
    private const ushort BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_RET = 0x06;
    private const ushort BPF_W = 0x00, BPF_B = 0x10;
    private const ushort BPF_ABS = 0x20, BPF_IND = 0x40, BPF_LEN = 0x80, BPF_MSH = 0xa0;
    private const ushort BPF_SUB = 0x10, BPF_JEQ = 0x10, BPF_JGE = 0x30;
    private const ushort BPF_K = 0x00, BPF_X = 0x08;

    /// <summary>Return value that keeps the whole datagram; 0 drops it.</summary>
    private const uint Accept = uint.MaxValue;
    private const uint Drop = 0;

    /// <summary>Bytes a datagram must have after its IP header for byte 1 (the VRID) to exist.</summary>
    private const uint BytesThroughVrid = 2;

    /// <summary>
    /// The program for a raw protocol-112 socket of <paramref name="family"/> accepting <paramref name="vrids"/>
    /// (and anything too short to name a VRID).
    /// </summary>
    public static SocketFilterInstruction[] Build(AddressFamily family, IEnumerable<byte> vrids)
    {
        ArgumentNullException.ThrowIfNull(vrids);
        var program = new List<SocketFilterInstruction>();
        if (family == AddressFamily.InterNetwork)
        {
            program.Add(new((ushort)(BPF_LDX | BPF_B | BPF_MSH), 0, 0, 0));         // X = IP header length (4 × IHL)
            program.Add(new((ushort)(BPF_LD | BPF_W | BPF_LEN), 0, 0, 0));          // A = datagram length
            program.Add(new((ushort)(BPF_ALU | BPF_SUB | BPF_X), 0, 0, 0));         // A = length of the VRRP message
        }
        else if (family == AddressFamily.InterNetworkV6)
        {
            program.Add(new((ushort)(BPF_LD | BPF_W | BPF_LEN), 0, 0, 0));          // A = length of the VRRP message
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "VRRP runs over IPv4 or IPv6");
        }

        program.Add(new((ushort)(BPF_JMP | BPF_JGE | BPF_K), 1, 0, BytesThroughVrid)); // long enough: skip the accept
        program.Add(new((ushort)(BPF_RET | BPF_K), 0, 0, Accept));
        program.Add(family == AddressFamily.InterNetwork
            ? new((ushort)(BPF_LD | BPF_B | BPF_IND), 0, 0, 1)                      // A = message[1], after the header
            : new((ushort)(BPF_LD | BPF_B | BPF_ABS), 0, 0, 1));                    // A = message[1]
        foreach (var vrid in vrids.Distinct().Order())
        {
            program.Add(new((ushort)(BPF_JMP | BPF_JEQ | BPF_K), 0, 1, vrid));       // ours: fall into the accept
            program.Add(new((ushort)(BPF_RET | BPF_K), 0, 0, Accept));
        }

        program.Add(new((ushort)(BPF_RET | BPF_K), 0, 0, Drop));
        return [.. program];
    }
}
