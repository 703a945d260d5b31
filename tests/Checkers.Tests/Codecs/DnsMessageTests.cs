using Kad.Checkers.Codecs;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Codecs;

public sealed class DnsMessageTests
{
    // Query id 0x1234, RD, one question: example.com A IN (RFC 1035 4.1 layout, written out by hand).
    private static readonly byte[] ExampleQuery =
    [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e',
        3, (byte)'c', (byte)'o', (byte)'m', 0,
        0x00, 0x01, 0x00, 0x01,
    ];

    [Test]
    public void WriteQuery_ExampleComA_MatchesGoldenBytes()
    {
        var buffer = new byte[512];

        var length = DnsMessage.WriteQuery(buffer, 0x1234, "example.com", 1);

        Assert.That(buffer[..length], Is.EqualTo(ExampleQuery));
    }

    [Test]
    public void WriteQuery_RootSoa_IsSingleZeroLabel()
    {
        var buffer = new byte[512];

        var length = DnsMessage.WriteQuery(buffer, 7, ".", 6);

        Assert.That(buffer[12..length], Is.EqualTo(new byte[] { 0, 0x00, 0x06, 0x00, 0x01 }));
    }

    [Test]
    public void WriteQuery_LabelLongerThan63_Throws()
    {
        Assert.Throws<ArgumentException>(() => DnsMessage.WriteQuery(new byte[512], 1, new string('a', 64) + ".com", 1));
    }

    private static byte[] Response(byte[] query, ushort flags, ushort answers, Action<List<byte>>? tweak = null)
    {
        var bytes = query.ToList();
        bytes[2] = (byte)(flags >> 8);
        bytes[3] = (byte)flags;
        bytes[6] = (byte)(answers >> 8);
        bytes[7] = (byte)answers;
        // one A answer using a compression pointer to the question name at offset 12
        for (var i = 0; i < answers; i++)
        {
            bytes.AddRange([0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
        }

        tweak?.Invoke(bytes);
        return [.. bytes];
    }

    [Test]
    public void CheckResponse_NoErrorWithAnswer_Answered()
    {
        var verdict = DnsMessage.CheckResponse(Response(ExampleQuery, 0x8180, 1), 0x1234, out var reason);

        Assert.That(verdict, Is.EqualTo(DnsVerdict.Answered), reason);
        Assert.That(reason, Is.EqualTo("NOERROR, 1 answer(s)"));
    }

    [Test]
    public void CheckResponse_NoErrorWithoutAnswer_AnsweredLikeKeepalived()
    {
        Assert.That(DnsMessage.CheckResponse(Response(ExampleQuery, 0x8180, 0), 0x1234, out _), Is.EqualTo(DnsVerdict.Answered));
    }

    [TestCase((ushort)0x8183, "NXDOMAIN")]
    [TestCase((ushort)0x8182, "SERVFAIL")]
    [TestCase((ushort)0x8185, "REFUSED")]
    public void CheckResponse_ErrorRcode_FailedWithName(ushort flags, string expected)
    {
        var verdict = DnsMessage.CheckResponse(Response(ExampleQuery, flags, 0), 0x1234, out var reason);

        Assert.That(verdict, Is.EqualTo(DnsVerdict.Failed));
        Assert.That(reason, Does.Contain(expected));
    }

    [Test]
    public void CheckResponse_OtherId_Ignored()
    {
        Assert.That(DnsMessage.CheckResponse(Response(ExampleQuery, 0x8180, 1), 0x4321, out _), Is.EqualTo(DnsVerdict.Ignore));
    }

    [Test]
    public void CheckResponse_QueryNotResponse_Ignored()
    {
        Assert.That(DnsMessage.CheckResponse(ExampleQuery, 0x1234, out _), Is.EqualTo(DnsVerdict.Ignore));
    }

    [Test]
    public void CheckResponse_ShorterThanHeader_Ignored()
    {
        var full = Response(ExampleQuery, 0x8180, 1);
        for (var length = 0; length < DnsMessage.HeaderLength; length++)
        {
            Assert.That(DnsMessage.CheckResponse(full.AsSpan(0, length), 0x1234, out _), Is.EqualTo(DnsVerdict.Ignore), $"length {length}");
        }
    }

    [Test]
    public void CheckResponse_GarbageAndMutations_NeverThrow()
    {
        var valid = Response(ExampleQuery, 0x8180, 1);
        var verdicts = Garbage.Cases(valid, seed: 6).Select(b => DnsMessage.CheckResponse(b, 0x1234, out _)).ToList();
        Assert.That(verdicts, Has.Some.EqualTo(DnsVerdict.Ignore).And.Some.EqualTo(DnsVerdict.Answered));
    }
}
