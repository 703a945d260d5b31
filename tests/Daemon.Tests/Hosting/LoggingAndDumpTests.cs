using Kad.Control;
using Kad.Daemon.Logging;
using Kad.Daemon.Status;
using Serilog.Events;
using Serilog.Parsing;

namespace Kad.Daemon.Tests.Hosting;

[TestFixture]
public class LoggingAndDumpTests
{
    private static LogEvent Event(LogEventLevel level, string text, Exception? exception = null) => new(
        DateTimeOffset.UnixEpoch,
        level,
        exception,
        new MessageTemplateParser().Parse(text),
        [new LogEventProperty("SourceContext", new ScalarValue("Kad.Daemon.Vrrp.VrrpHalf"))]);

    [TestCase(LogEventLevel.Fatal, 2)]
    [TestCase(LogEventLevel.Error, 3)]
    [TestCase(LogEventLevel.Warning, 4)]
    [TestCase(LogEventLevel.Information, 6)]
    [TestCase(LogEventLevel.Debug, 7)]
    [TestCase(LogEventLevel.Verbose, 7)]
    public void JournalFormatter_Level_HasSyslogPriorityPrefix(LogEventLevel level, int priority)
    {
        using var output = new StringWriter();

        new JournalFormatter().Format(Event(level, "hello"), output);

        Assert.That(output.ToString(), Is.EqualTo($"<{priority}>VrrpHalf: hello\n"));
    }

    [Test]
    public void JournalFormatter_Exception_StaysOnOneLine()
    {
        Exception error;
        try
        {
            throw new InvalidOperationException("boom\nsecond line");
        }
        catch (InvalidOperationException e)
        {
            error = e;
        }

        using var output = new StringWriter();
        new JournalFormatter().Format(Event(LogEventLevel.Error, "failed", error), output);

        var text = output.ToString();
        Assert.That(text.TrimEnd('\n'), Does.Not.Contain('\n'));
        Assert.That(text, Does.StartWith("<3>VrrpHalf: failed | System.InvalidOperationException: boom"));
    }

    private static DaemonStatus Sample() => new(
        new DaemonInfo("0.1.0", 1234, DateTimeOffset.UnixEpoch, 90, "/etc/keepalived/keepalived.conf", "abcdef", null),
        [new VrrpInstanceStatus("VI_1", "eth0", 51, 2, "MASTER", 150, 140, "10.0.0.1", ["10.0.0.100/32"], 3, DateTimeOffset.UnixEpoch, new Dictionary<string, long> { ["TtlNot255"] = 2 })],
        []);

    [Test]
    public void Data_Instance_ListsStateAndVips()
    {
        var text = DumpWriter.Data(Sample());

        Assert.That(text, Does.Contain(" VRRP Instance = VI_1\n   State = MASTER\n"));
        Assert.That(text, Does.Contain("   Priority = 150, effective = 140\n"));
        Assert.That(text, Does.Contain("     10.0.0.100/32\n"));
        Assert.That(text, Does.Contain(" config file = /etc/keepalived/keepalived.conf\n"));
    }

    [Test]
    public void Stats_Instance_ListsTransitionsAndDrops()
    {
        var text = DumpWriter.Stats(Sample(), ["extra: 1"]);

        Assert.That(text, Does.Contain("VRRP Instance: VI_1\n  Transitions: 3\n"));
        Assert.That(text, Does.Contain("    TtlNot255: 2\n"));
        Assert.That(text, Does.EndWith("extra: 1\n"));
    }

    [TestCase(0u, 1000u, true)]
    [TestCase(1000u, 1000u, true)]
    [TestCase(65534u, 0u, false)]
    [TestCase(1001u, 1000u, false)]
    public void IsAllowed_RootOrOwnUser(uint peer, uint own, bool allowed) =>
        Assert.That(StatusServer.IsAllowed(peer, own), Is.EqualTo(allowed));

    [Test]
    public void EffectiveUid_MatchesTheProcess()
    {
        var id = Kad.Testing.ProcessRunner.Run("id", ["-u"], TimeSpan.FromSeconds(5));

        Assert.That(StatusServer.EffectiveUid().ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(id.StandardOutput.Trim()));
    }
}
