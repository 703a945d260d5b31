using System.Net.Sockets;
using Kad.Vrrp.Transport;

namespace Kad.Vrrp.Tests.Packets;

/// <summary>
/// The VRID socket filter's program, run by a small interpreter of the classic-BPF instructions it uses (the kernel's
/// own run of it is proven by the namespace-lab tests: HostileInputLabTests and the two-director elections).
/// </summary>
[TestFixture]
public class VridSocketFilterTests
{
    private static byte[] IPv4Datagram(byte vrid, int headerWords = 5, int messageLength = 20)
    {
        var datagram = new byte[(headerWords * 4) + messageLength];
        datagram[0] = (byte)(0x40 | headerWords);
        if (messageLength > 1)
        {
            datagram[(headerWords * 4) + 1] = vrid;
        }

        return datagram;
    }

    [TestCase(51, true)]
    [TestCase(52, true)]
    [TestCase(53, false)]
    [TestCase(1, false)]
    public void IPv4_Vrid_AcceptedOnlyWhenConfigured(int vrid, bool accepted)
    {
        var program = VridSocketFilter.Build(AddressFamily.InterNetwork, [52, 51]);
        Assert.That(Run(program, IPv4Datagram((byte)vrid)), accepted ? Is.Not.Zero : Is.Zero);
    }

    [Test]
    public void IPv4_HeaderWithOptions_VridReadAfterTheOptions()
    {
        var program = VridSocketFilter.Build(AddressFamily.InterNetwork, [51]);
        var datagram = IPv4Datagram(51, headerWords: 6);
        datagram[21] = 99; // where the VRID would be without the option word
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Run(program, datagram), Is.Not.Zero);
            Assert.That(Run(program, IPv4Datagram(99, headerWords: 6)), Is.Zero);
        }
    }

    [TestCase(0)]
    [TestCase(1)]
    public void IPv4_MessageTooShortToNameAVrid_PassesToBeCounted(int messageLength)
    {
        var program = VridSocketFilter.Build(AddressFamily.InterNetwork, [51]);
        Assert.That(Run(program, IPv4Datagram(0, messageLength: messageLength)), Is.Not.Zero);
    }

    [Test]
    public void IPv6_VridIsByteOneOfTheMessage()
    {
        var program = VridSocketFilter.Build(AddressFamily.InterNetworkV6, [7]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Run(program, [0x31, 7, 100, 1, 0, 100, 0, 0]), Is.Not.Zero);
            Assert.That(Run(program, [0x31, 8, 100, 1, 0, 100, 0, 0]), Is.Zero);
            Assert.That(Run(program, [0x31]), Is.Not.Zero, "too short to name a VRID");
        }
    }

    [Test]
    public void EveryVrid_ProgramStaysWithinTheKernelsLimit()
    {
        var all = Enumerable.Range(0, 256).Select(v => (byte)v).ToArray();
        var program = VridSocketFilter.Build(AddressFamily.InterNetwork, all);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(program, Has.Length.LessThanOrEqualTo(4096), "BPF_MAXINSNS");
            Assert.That(Run(program, IPv4Datagram(255)), Is.Not.Zero);
        }
    }

    [Test]
    public void UnsupportedFamily_Throws() =>
        Assert.That(() => VridSocketFilter.Build(AddressFamily.Unix, [1]), Throws.InstanceOf<ArgumentOutOfRangeException>());

    /// <summary>Classic BPF as the kernel runs it, for the instructions the filter uses; an out-of-range load drops.</summary>
    private static uint Run(SocketFilterInstruction[] program, byte[] packet)
    {
        uint a = 0, x = 0;
        for (var pc = 0; pc < program.Length; pc++)
        {
            var i = program[pc];
            switch (i.Code)
            {
                case 0xb1: // ldx 4*([k]&0xf)
                    if (i.Constant >= packet.Length)
                    {
                        return 0;
                    }

                    x = (uint)(4 * (packet[i.Constant] & 0xf));
                    break;
                case 0x80: // ld #len
                    a = (uint)packet.Length;
                    break;
                case 0x1c: // sub x
                    a -= x;
                    break;
                case 0x30: // ldb [k]
                case 0x50: // ldb [x+k]
                    var offset = i.Code == 0x50 ? x + i.Constant : i.Constant;
                    if (offset >= packet.Length)
                    {
                        return 0;
                    }

                    a = packet[offset];
                    break;
                case 0x35: // jge #k
                    pc += a >= i.Constant ? i.JumpIfTrue : i.JumpIfFalse;
                    break;
                case 0x15: // jeq #k
                    pc += a == i.Constant ? i.JumpIfTrue : i.JumpIfFalse;
                    break;
                case 0x06: // ret #k
                    return i.Constant;
                default:
                    Assert.Fail($"instruction 0x{i.Code:x2} at {pc} is not one the filter should use");
                    break;
            }
        }

        Assert.Fail("the program ran off its end (the kernel rejects such programs)");
        return 0;
    }
}
