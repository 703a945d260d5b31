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
    public void TryCheckResponse_NoErrorWithAnswer_Succeeds()
    {
        var ok = DnsMessage.TryCheckResponse(Response(ExampleQuery, 0x8180, 1), 0x1234, "example.com.", 1, out var reason);

        Assert.That(ok, Is.True, reason);
        Assert.That(reason, Does.Contain("1 answer"));
    }

    [TestCase((ushort)0x8183, 1, "NXDOMAIN")]
    [TestCase((ushort)0x8182, 1, "SERVFAIL")]
    [TestCase((ushort)0x0100, 1, "not a response")]
    [TestCase((ushort)0x8180, 0, "no answer")]
    public void TryCheckResponse_BadResponse_FailsWithReason(ushort flags, int answers, string expected)
    {
        var ok = DnsMessage.TryCheckResponse(Response(ExampleQuery, flags, (ushort)answers), 0x1234, "example.com", 1, out var reason);

        Assert.That(ok, Is.False);
        Assert.That(reason, Does.Contain(expected));
    }

    [Test]
    public void TryCheckResponse_OtherId_Fails()
    {
        var ok = DnsMessage.TryCheckResponse(Response(ExampleQuery, 0x8180, 1), 0x4321, "example.com", 1, out var reason);

        Assert.That(ok, Is.False);
        Assert.That(reason, Does.Contain("id"));
    }

    [Test]
    public void TryCheckResponse_OtherQuestion_Fails()
    {
        var ok = DnsMessage.TryCheckResponse(Response(ExampleQuery, 0x8180, 1), 0x1234, "example.org", 1, out var reason);

        Assert.That(ok, Is.False);
        Assert.That(reason, Does.Contain("does not match"));
    }

    [Test]
    public void TryCheckResponse_NameCaseDiffers_Succeeds()
    {
        Assert.That(DnsMessage.TryCheckResponse(Response(ExampleQuery, 0x8180, 1), 0x1234, "EXAMPLE.com", 1, out _), Is.True);
    }

    [Test]
    public void TryCheckResponse_Truncated_FailsWithoutThrowing()
    {
        var full = Response(ExampleQuery, 0x8180, 1);
        for (var length = 0; length < 30; length++)
        {
            Assert.That(DnsMessage.TryCheckResponse(full.AsSpan(0, length), 0x1234, "example.com", 1, out _), Is.False, $"length {length}");
        }
    }

    [Test]
    public void TryCheckResponse_CompressionLoopInQuestion_FailsWithoutHanging()
    {
        var looping = Response(ExampleQuery, 0x8180, 1, b =>
        {
            b[12] = 0xC0;
            b[13] = 12; // points at itself
        });

        Assert.That(DnsMessage.TryCheckResponse(looping, 0x1234, "example.com", 1, out var reason), Is.False);
        Assert.That(reason, Does.Contain("malformed"));
    }

    [Test]
    public void TryCheckResponse_GarbageAndMutations_NeverThrow()
    {
        var valid = Response(ExampleQuery, 0x8180, 1);
        Assert.That(Garbage.Cases(valid, seed: 6).All(b => !DnsMessage.TryCheckResponse(b, 0x1234, "example.com", 1, out _) || b.Length >= 12), Is.True);
    }
}
