using System.Net;

namespace Kad.Checkers.Tests.Probes;

public sealed class ProbeCatalogTests
{
    private static readonly RealServerKey Server = new("vs", IPAddress.Parse("192.0.2.1"), 8080);

    public static IEnumerable<CheckerOptions> EveryKind()
    {
        yield return new TcpCheckOptions();
        yield return new HttpCheckOptions();
        yield return new HttpCheckOptions { UseTls = true };
        yield return new MiscCheckOptions { MiscPath = "/bin/true" };
        yield return new DnsCheckOptions();
        yield return new UdpCheckOptions();
        yield return new PingCheckOptions();
        yield return new SmtpCheckOptions();
    }

    [TestCaseSource(nameof(EveryKind))]
    public void TryCreate_EveryKind_CreatesProbeOfThatKind(CheckerOptions options)
    {
        Assert.That(ProbeCatalog.TryCreate(options, Server, TimeProvider.System, out var probe, out var error), Is.True, error);
        Assert.That(probe.Kind, Is.EqualTo(options.Kind));
    }

    [Test]
    public void All_ListsEveryKindOnce()
    {
        Assert.That(CheckerKinds.All, Is.Unique.And.EquivalentTo(EveryKind().Select(o => o.Kind)));
    }

    [Test]
    public void TryCreate_ConnectIpAndPort_OverrideServer()
    {
        var options = new TcpCheckOptions { ConnectIp = IPAddress.Parse("198.51.100.7"), ConnectPort = 9 };

        ProbeCatalog.TryCreate(options, Server, TimeProvider.System, out var probe, out _);

        Assert.That(probe.Target, Is.EqualTo("tcp 198.51.100.7:9"));
    }

    [Test]
    public void TryCreate_UnknownKind_IsAnErrorNotAnException()
    {
        Assert.That(ProbeCatalog.TryCreate(new BogusOptions(), Server, TimeProvider.System, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo("unknown checker 'BFD_CHECK'"));
    }

    [TestCase("1.2", "http_protocol")]
    [TestCase(null, "digest")]
    public void TryCreate_BadHttpOptions_ReportsError(string? protocol, string expected)
    {
        var options = new HttpCheckOptions { HttpProtocol = protocol, Urls = [new HttpUrlOptions { Digest = protocol is null ? "xyz" : null }] };

        Assert.That(ProbeCatalog.TryCreate(options, Server, TimeProvider.System, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(expected));
    }

    [Test]
    public void TryCreate_MiscUnterminatedQuote_ReportsError()
    {
        Assert.That(ProbeCatalog.TryCreate(new MiscCheckOptions { MiscPath = "/bin/x 'open" }, Server, TimeProvider.System, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("misc_path"));
    }

    [Test]
    public void TryCreate_MiscTimeoutDefaultsToDelayLoop()
    {
        ProbeCatalog.TryCreate(new MiscCheckOptions { MiscPath = "/bin/true", DelayLoop = TimeSpan.FromSeconds(9) }, Server, TimeProvider.System, out var probe, out _);

        Assert.That(probe.AttemptTimeout, Is.EqualTo(TimeSpan.FromSeconds(9)));
        Assert.That(probe.DelayLoopFromStart, Is.True, "keepalived runs the script every delay_loop from its start");
    }

    [TestCaseSource(nameof(EveryKind))]
    public void DelayLoopFromStart_OnlyMiscCheck(CheckerOptions options)
    {
        ProbeCatalog.TryCreate(options, Server, TimeProvider.System, out var probe, out _);

        Assert.That(probe.DelayLoopFromStart, Is.EqualTo(options.Kind == CheckerKinds.MiscCheck));
    }

    private sealed record BogusOptions : CheckerOptions
    {
        public override string Kind => "BFD_CHECK";
    }
}
