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

    private static KadArguments Arguments(bool logConsole, string? logFile = null) =>
        new("/etc/keepalived/keepalived.conf", logConsole, false, false, false, false, null, "/run/kad/kad.sock", logFile);

    [TestCase(true, null, "Console")]
    [TestCase(true, "8:1234", "Journal")]
    [TestCase(false, null, "Syslog")]
    [TestCase(false, "8:1234", "Syslog")]
    public void Target_LogConsoleAndSyslogPresent_KeepalivedsChoice(bool logConsole, string? journal, string expected)
    {
        var directory = Directory.CreateTempSubdirectory("kad-log-");
        try
        {
            var devLog = Path.Combine(directory.FullName, "log");
            File.WriteAllText(devLog, "");

            Assert.That(KadLogging.Target(Arguments(logConsole), n => n == "JOURNAL_STREAM" ? journal : null, devLog).ToString(), Is.EqualTo(expected));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public void Target_NoSyslogSocket_ConsoleSoNothingIsLost()
    {
        Assert.That(KadLogging.Target(Arguments(logConsole: false), _ => null, "/nonexistent/dev/log"), Is.EqualTo(LogTarget.Console));
    }

    [Test]
    public void LogFile_OptionOverVariable()
    {
        Assert.Multiple(() =>
        {
            Assert.That(KadLogging.LogFile(Arguments(false, "/a.log"), _ => "/b.log"), Is.EqualTo("/a.log"));
            Assert.That(KadLogging.LogFile(Arguments(false), n => n == "KAD_LOG_FILE" ? "/b.log" : null), Is.EqualTo("/b.log"));
            Assert.That(KadLogging.LogFile(Arguments(false), _ => null), Is.Null);
        });
    }

    [Test]
    public void Create_WithoutLogConsole_SendsSyslogDatagramsWithDaemonFacility()
    {
        var directory = Directory.CreateTempSubdirectory("kad-log-");
        try
        {
            var devLog = Path.Combine(directory.FullName, "log");
            using var receiver = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
            receiver.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(devLog));
            receiver.ReceiveTimeout = 10_000;
            var logFile = Path.Combine(directory.FullName, "kad.log");
            using (var logger = KadLogging.Create(Arguments(logConsole: false, logFile), _ => null, devLog))
            {
                logger.ForContext("SourceContext", "Kad.Daemon.Hosting.DaemonController").Warning("reload refused: {File}", "/x.conf");
            }

            var buffer = new byte[4096];
            var datagram = System.Text.Encoding.UTF8.GetString(buffer, 0, receiver.Receive(buffer));

            Assert.That(datagram, Does.Match(@"^<28>\w{3} [ \d]\d \d\d:\d\d:\d\d kad\[\d+\]: DaemonController: reload refused: ""?/x.conf""?$"));
            Assert.That(File.ReadAllText(logFile), Does.Contain("reload refused"), "-g/--log-file gets the same event");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
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
