using Kad.Checkers.Codecs;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Codecs;

public sealed class IcmpEchoTests
{
    [Test]
    public void WriteRequest_V4_HasTypeIdSequenceAndValidChecksum()
    {
        var buffer = new byte[64];

        var length = IcmpEcho.WriteRequest(buffer, ipv6: false, identifier: 0xBEEF, sequence: 3, "abcd"u8);

        // 08 00 cksum BE EF 00 03 'a' 'b' 'c' 'd'; checksum worked out by hand:
        // 0x0800 + 0xBEEF + 0x0003 + 0x6162 + 0x6364 = 0x1_8BB8 -> 0x8BB9 -> ~ = 0x7446
        Assert.That(buffer[..length], Is.EqualTo(new byte[] { 8, 0, 0x74, 0x46, 0xBE, 0xEF, 0, 3, 0x61, 0x62, 0x63, 0x64 }));
        Assert.That(IcmpEcho.Checksum(buffer.AsSpan(0, length)), Is.Zero);
    }

    [Test]
    public void WriteRequest_V6_LeavesChecksumToKernel()
    {
        var buffer = new byte[64];

        IcmpEcho.WriteRequest(buffer, ipv6: true, 1, 2, "x"u8);

        Assert.That(buffer[..4], Is.EqualTo(new byte[] { 128, 0, 0, 0 }));
    }

    private static byte[] Reply(bool ipv6, ushort id, ushort seq, byte[] data)
    {
        var buffer = new byte[8 + data.Length];
        IcmpEcho.WriteRequest(buffer, ipv6, id, seq, data);
        buffer[0] = ipv6 ? IcmpEcho.EchoReplyV6 : IcmpEcho.EchoReplyV4;
        if (!ipv6)
        {
            buffer[2] = 0;
            buffer[3] = 0;
            var sum = IcmpEcho.Checksum(buffer);
            buffer[2] = (byte)(sum >> 8);
            buffer[3] = (byte)sum;
        }

        return buffer;
    }

    [Test]
    public void TryReadReply_V4WithIpHeader_SkipsHeaderByIhl()
    {
        var icmp = Reply(false, 0x1111, 9, [1, 2, 3]);
        // IPv4 header with IHL 6 (24 bytes: one option word), protocol 1.
        var ip = new byte[24];
        ip[0] = 0x46;
        ip[9] = 1;

        var ok = IcmpEcho.TryReadReply([.. ip, .. icmp], ipv6: false, skipIpv4Header: true, out var id, out var seq, out var data, out var reason);

        Assert.That(ok, Is.True, reason);
        Assert.That((id, seq), Is.EqualTo(((ushort)0x1111, (ushort)9)));
        Assert.That(data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void TryReadReply_OwnEchoRequest_IsRejected()
    {
        var request = new byte[12];
        IcmpEcho.WriteRequest(request, false, 1, 1, "abcd"u8);

        Assert.That(IcmpEcho.TryReadReply(request, false, false, out _, out _, out _, out var reason), Is.False);
        Assert.That(reason, Does.Contain("not an echo reply"));
    }

    [Test]
    public void TryReadReply_CorruptedChecksum_IsRejected()
    {
        var reply = Reply(false, 1, 1, [5]);
        reply[^1] ^= 0xFF;

        Assert.That(IcmpEcho.TryReadReply(reply, false, false, out _, out _, out _, out var reason), Is.False);
        Assert.That(reason, Does.Contain("checksum"));
    }

    [Test]
    public void TryReadReply_V6Reply_Accepted()
    {
        Assert.That(IcmpEcho.TryReadReply(Reply(true, 4, 5, [9]), true, false, out _, out var seq, out _, out _), Is.True);
        Assert.That(seq, Is.EqualTo(5));
    }

    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    public void TryReadReply_GarbageAndMutations_NeverThrow(bool ipv6, bool skipIpv4Header)
    {
        var valid = Reply(ipv6, 1, 2, [1, 2, 3, 4]);
        var accepted = Garbage.Cases(valid, seed: 7).Count(b => IcmpEcho.TryReadReply(b, ipv6, skipIpv4Header, out _, out _, out _, out _));
        Assert.That(accepted, Is.LessThan(Garbage.CaseCount));
    }
}
