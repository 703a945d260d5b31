using System.Text;
using Kad.Checkers.Probes;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Probes;

public sealed class HttpRegexTests
{
    private static ProbeResult Judge(HttpUrlOptions url, string body) =>
        HttpProbe.Judge(url, "/", Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\n\r\n" + body), BodyRegex.Create(url));

    [Test]
    public void Judge_RegexFound_IsUp()
    {
        Assert.That(Judge(new HttpUrlOptions { Regex = "status: (ok|degraded)" }, "<p>status: degraded</p>").Success, Is.True);
    }

    [Test]
    public void Judge_RegexMissing_IsDownAtRegex()
    {
        var result = Judge(new HttpUrlOptions { Regex = "status: ok" }, "status: failing");

        Assert.That(result.FailedStep, Is.EqualTo("regex"));
        Assert.That(result.Reason, Does.Contain("does not match"));
    }

    [Test]
    public void Judge_RegexNoMatch_InvertsVerdict()
    {
        var url = new HttpUrlOptions { Regex = "maintenance", RegexNoMatch = true };

        Assert.That(Judge(url, "all good").Success, Is.True);
        Assert.That(Judge(url, "down for maintenance").Success, Is.False);
    }

    [Test]
    public void Judge_Caseless_Option()
    {
        Assert.That(Judge(new HttpUrlOptions { Regex = "OK", RegexOptions = "caseless" }, "ok").Success, Is.True);
        Assert.That(Judge(new HttpUrlOptions { Regex = "OK" }, "ok").Success, Is.False);
    }

    [Test]
    public void Judge_Offsets_LimitWhereTheMatchMayStart()
    {
        const string body = "ok........ok";
        Assert.That(Judge(new HttpUrlOptions { Regex = "ok", RegexMinOffset = 1 }, body).Success, Is.True, "the second ok starts at 10");
        Assert.That(Judge(new HttpUrlOptions { Regex = "ok", RegexMinOffset = 1, RegexMaxOffset = 10 }, body).Success, Is.False);
        Assert.That(Judge(new HttpUrlOptions { Regex = "ok", RegexMinOffset = 1, RegexMaxOffset = 11 }, body).Success, Is.True);
    }

    [TestCase("ungreedy", "regex_options")]
    [TestCase(null, "regex '(unclosed'")]
    public void Create_Unsupported_IsAConfigurationError(string? options, string expected)
    {
        var url = new HttpUrlOptions { Regex = options is null ? "(unclosed" : "x", RegexOptions = options };

        Assert.That(ProbeCatalog.TryCreate(new HttpCheckOptions { Urls = [url] }, new RealServerKey("vs", System.Net.IPAddress.Loopback, 80), TimeProvider.System, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(expected));
    }

    [Test]
    public async Task Check_RegexAgainstRealServer()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "{\"healthy\":true}"));
        var options = new HttpCheckOptions { ConnectTimeout = TimeSpan.FromSeconds(2), Retry = 0, Urls = [new HttpUrlOptions { Path = "/h", Regex = "\"healthy\":\\s*true" }] };

        var outcome = await ProbeHarness.CheckAsync(options, server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
    }
}
