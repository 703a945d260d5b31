using System.Text;
using Kad.Checkers.Codecs;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Codecs;

public sealed class HttpResponseTests
{
    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    [Test]
    public void TryParse_ContentLength_TakesThatManyBodyBytes()
    {
        var ok = HttpResponse.TryParse(Bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), out var response, out var error);

        Assert.That(ok, Is.True, error);
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("hello"));
    }

    [Test]
    public void TryParse_NoLength_BodyIsEverythingToClose()
    {
        var ok = HttpResponse.TryParse(Bytes("HTTP/1.0 503 Service Unavailable\r\nServer: x\r\n\r\ndown for now"), out var response, out _);

        Assert.That(ok, Is.True);
        Assert.That(response.StatusCode, Is.EqualTo(503));
        Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("down for now"));
    }

    [Test]
    public void TryParse_Chunked_Dechunks()
    {
        var raw = Bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");

        var ok = HttpResponse.TryParse(raw, out var response, out var error);

        Assert.That(ok, Is.True, error);
        Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("hello, world"));
        Assert.That(Encoding.ASCII.GetString(response.WireBody), Is.EqualTo("5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"), "digest input keeps the framing, as genhash");
    }

    [Test]
    public void TryParse_ShorterThanContentLength_KeepsWhatArrived()
    {
        var ok = HttpResponse.TryParse(Bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), out var response, out _);

        Assert.That(ok, Is.True);
        Assert.That(Encoding.ASCII.GetString(response.WireBody), Is.EqualTo("short"));
    }

    [Test]
    public void TryParse_LongerThanContentLength_CutAtContentLength()
    {
        Assert.That(HttpResponse.TryParse(Bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi there"), out var response, out _), Is.True);

        Assert.That(Encoding.ASCII.GetString(response.WireBody), Is.EqualTo("hi"));
    }

    [Test]
    public void TryParse_BrokenChunking_BodyFallsBackToWireBytes()
    {
        Assert.That(HttpResponse.TryParse(Bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), out var response, out _), Is.True);

        Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("zz\r\n"));
    }

    [TestCase("", "empty")]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", "not terminated")]
    [TestCase("SSH-2.0-OpenSSH\r\n\r\n", "bad status line")]
    [TestCase("HTTP/1.1 2000 OK\r\n\r\n", "bad status line")]
    public void TryParse_Malformed_FailsWithReason(string raw, string expected)
    {
        Assert.That(HttpResponse.TryParse(Bytes(raw), out _, out var error), Is.False);
        Assert.That(error, Does.Contain(expected));
    }

    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", true)]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi", false)]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n", false)]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", true)]
    [TestCase("HTTP/1.0 200 OK\r\n\r\nuntil close", false)]
    public void IsComplete_FramedResponses(string raw, bool complete)
    {
        Assert.That(HttpResponse.IsComplete(Bytes(raw)), Is.EqualTo(complete));
    }

    [Test]
    public void TryParse_GarbageAndMutations_NeverThrow()
    {
        var valid = Bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        var accepted = 0;
        foreach (var bytes in Garbage.Cases(valid, seed: 8))
        {
            accepted += HttpResponse.TryParse(bytes, out _, out _) ? 1 : 0;
            _ = HttpResponse.IsComplete(bytes);
        }

        Assert.That(accepted, Is.LessThan(Garbage.CaseCount));
    }
}
