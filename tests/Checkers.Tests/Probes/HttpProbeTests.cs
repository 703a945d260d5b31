using System.Net;
using System.Security.Cryptography;
using System.Text;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Probes;

public sealed class HttpProbeTests
{
    private static HttpCheckOptions Options(params HttpUrlOptions[] urls) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        Retry = 0,
        Urls = urls,
    };

    private static string Md5(string body) =>
#pragma warning disable CA5351 // the digest keyword is MD5 by definition
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));
#pragma warning restore CA5351

    [Test]
    public async Task Check_200_WithDefaultStatusCodes_IsUp()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "fine"));

        var outcome = await ProbeHarness.CheckAsync(Options(new HttpUrlOptions { Path = "/health" }), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(server.Requests.Single(), Does.StartWith("GET /health HTTP/1.0\r\n"));
        Assert.That(server.Requests.Single(), Does.Contain($"Host: 127.0.0.1:{server.EndPoint.Port}\r\n"));
    }

    [Test]
    public async Task Check_Ipv6_HostHeaderInBrackets()
    {
        TcpProbeTests.LabPolicyForIpv6();
        await using var server = new LoopbackHttpServer(_ => (200, "v6"), address: IPAddress.IPv6Loopback);

        var outcome = await ProbeHarness.CheckAsync(Options(new HttpUrlOptions { Path = "/" }), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(server.Requests.Single(), Does.Contain($"Host: [::1]:{server.EndPoint.Port}\r\n"));
    }

    [TestCase(503, null, false)]
    [TestCase(301, null, false)]
    [TestCase(503, "503", true)]
    [TestCase(404, "200-299 400-499", true)]
    [TestCase(500, "200-299 400-499", false)]
    public async Task Check_StatusAgainstStatusCodes(int status, string? accepted, bool up)
    {
        await using var server = new LoopbackHttpServer(_ => (status, "body"));
        var url = new HttpUrlOptions { Path = "/", StatusCodes = accepted is null ? null : StatusCodeSet.Parse(accepted.Split(' ')) };

        var outcome = await ProbeHarness.CheckAsync(Options(url), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.EqualTo(up), outcome.Result.Reason);
        if (!up)
        {
            Assert.That(outcome.Result.FailedStep, Is.EqualTo("status"));
            Assert.That(outcome.Result.Reason, Does.Contain($"status {status}"));
        }
    }

    [Test]
    public async Task Check_DigestMatches_IsUp_AndMismatch_IsDownAtDigest()
    {
        var body = "version 42";
        await using var server = new LoopbackHttpServer(_ => (200, body));

        var good = await ProbeHarness.CheckAsync(Options(new HttpUrlOptions { Path = "/", Digest = Md5(body).ToUpperInvariant() }), server.EndPoint);
        var bad = await ProbeHarness.CheckAsync(Options(new HttpUrlOptions { Path = "/", Digest = Md5("version 41") }), server.EndPoint);

        Assert.That(good.Result.Success, Is.True, good.Result.Reason);
        Assert.That(bad.Result.Success, Is.False);
        Assert.That(bad.Result.FailedStep, Is.EqualTo("digest"));
    }

    [Test]
    public async Task Check_ChunkedHttp11Body_DigestOverWireBytesLikeGenhash()
    {
        var body = "chunked body";
        await using var server = new LoopbackHttpServer(_ => (200, body), chunked: true);
        var wire = $"{body.Length:x}\r\n{body}\r\n0\r\n\r\n";
        var options = Options(new HttpUrlOptions { Path = "/", Digest = Md5(wire) }) with { HttpProtocol = "1.1" };

        var outcome = await ProbeHarness.CheckAsync(options, server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(server.Requests.Single(), Does.StartWith("GET / HTTP/1.1\r\n").And.Contain("Connection: close\r\n"));
    }

    [Test]
    public async Task Check_SeveralUrls_AllMustPass_FirstFailureNamed()
    {
        await using var server = new LoopbackHttpServer(path => path == "/b" ? (500, "broken") : (200, "ok"));

        var outcome = await ProbeHarness.CheckAsync(Options(new HttpUrlOptions { Path = "/a" }, new HttpUrlOptions { Path = "/b" }, new HttpUrlOptions { Path = "/c" }), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.Reason, Does.StartWith("/b: status 500"));
        Assert.That(server.Requests.Select(r => r.Split(' ')[1]), Is.EqualTo(new[] { "/a", "/b" }), "stops at the first failing url");
    }

    [Test]
    public async Task Check_SeveralUrlsAllGood_IsUp()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "ok"));

        var outcome = await ProbeHarness.CheckAsync(Options(new HttpUrlOptions { Path = "/a" }, new HttpUrlOptions { Path = "/b" }), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(server.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Check_Virtualhost_UrlOverridesChecker()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "ok"));
        var options = Options(new HttpUrlOptions { Path = "/a" }, new HttpUrlOptions { Path = "/b", Virtualhost = "b.example" }) with { Virtualhost = "www.example" };

        await ProbeHarness.CheckAsync(options, server.EndPoint);

        Assert.That(server.Requests[0], Does.Contain("Host: www.example\r\n"));
        Assert.That(server.Requests[1], Does.Contain("Host: b.example\r\n"));
    }

    [Test]
    public async Task Check_ServerNeverAnswers_TimesOutAtReadResponse()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "late"), hang: true);
        var options = Options(new HttpUrlOptions { Path = "/slow" }) with { ConnectTimeout = TimeSpan.FromSeconds(1) };

        var outcome = await ProbeHarness.CheckAsync(options, server.EndPoint);

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.FailedStep, Is.EqualTo("read response"));
        Assert.That(outcome.Result.Reason, Does.Contain("timed out").And.Contain("/slow"));
    }

    [Test]
    public async Task Check_SeveralSlowUrls_ConnectTimeoutIsPerStepNotPerCheck()
    {
        await using var server = new LoopbackHttpServer(_ =>
        {
            Thread.Sleep(450);
            return (200, "slow but fine");
        });
        var options = Options(new HttpUrlOptions { Path = "/1" }, new HttpUrlOptions { Path = "/2" }, new HttpUrlOptions { Path = "/3" }) with { ConnectTimeout = TimeSpan.FromSeconds(1) };

        var outcome = await ProbeHarness.CheckAsync(options, server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(outcome.Latency, Is.GreaterThan(TimeSpan.FromSeconds(1.3)), "longer than connect_timeout in total");
    }

    [Test]
    public async Task Check_NotHttp_IsDownAtReadResponse()
    {
        await using var server = new LoopbackTcpServer(async (stream, token) =>
        {
            await stream.WriteAsync("SSH-2.0-OpenSSH_9.2\r\n\r\n"u8.ToArray(), token);
        });

        var outcome = await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.FailedStep, Is.EqualTo("read response"));
        Assert.That(outcome.Result.Reason, Does.Contain("bad status line"));
    }

    [Test]
    public async Task Check_Refused_IsDownAtConnect()
    {
        var outcome = await ProbeHarness.CheckAsync(Options(), new IPEndPoint(IPAddress.Loopback, Ports.UnusedTcp()));

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("connect"));
    }

    [Test]
    public async Task Check_WithRetries_AttemptsOnePlusRetry()
    {
        await using var server = new LoopbackHttpServer(_ => (500, "down"));
        var options = Options() with { Retry = 2, DelayBeforeRetry = TimeSpan.FromMilliseconds(100) };

        var outcome = await ProbeHarness.CheckAsync(options, server.EndPoint);

        Assert.That(outcome.Attempts, Is.EqualTo(3));
        Assert.That(server.Requests, Has.Count.EqualTo(3));
    }
}

public sealed class SslProbeTests
{
    private static X509Holder? _certificate;

    [OneTimeSetUp]
    public void CreateCertificate() => _certificate = new X509Holder(LoopbackHttpServer.CreateSelfSignedCertificate());

    [OneTimeTearDown]
    public void DisposeCertificate() => _certificate?.Certificate.Dispose();

    private static HttpCheckOptions Options(bool sni = false, string? virtualhost = null) => new()
    {
        UseTls = true,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        Retry = 0,
        EnableSni = sni,
        Virtualhost = virtualhost,
        Urls = [new HttpUrlOptions { Path = "/tls" }],
    };

    [Test]
    public async Task Check_SelfSignedCertificate_IsUpWithoutVerification()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "secure"), _certificate!.Certificate);

        var outcome = await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(server.Requests.Single(), Does.StartWith("GET /tls HTTP/1.0"));
    }

    [Test]
    public async Task Check_EnableSni_SendsVirtualhostAsServerName()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "secure"), _certificate!.Certificate);

        await ProbeHarness.CheckAsync(Options(sni: true, virtualhost: "app.example"), server.EndPoint);
        await ProbeHarness.CheckAsync(Options(sni: false, virtualhost: "app.example"), server.EndPoint);

        Assert.That(server.ServerNames, Is.EqualTo(new[] { "app.example", "" }));
    }

    [Test]
    public async Task Check_StatusChecksApplyOverTls()
    {
        await using var server = new LoopbackHttpServer(_ => (503, "busy"), _certificate!.Certificate);

        var outcome = await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("status"));
    }

    [Test]
    public async Task Check_PlainHttpServer_IsDownAtTlsHandshake()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "plain"));

        var outcome = await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.FailedStep, Is.EqualTo("tls handshake"));
    }

    private sealed record X509Holder(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate);
}
