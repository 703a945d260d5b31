namespace Kad.Daemon.Tests;

[TestFixture]
public class KadCommandLineTests
{
    private static (int Exit, KadArguments? Parsed, string Output) Parse(params string[] args)
    {
        KadArguments? parsed = null;
        using var output = new StringWriter();
        var exit = KadCommandLine.Build(a => { parsed = a; return 0; }, output).Parse(args).Invoke();
        return (exit, parsed, output.ToString());
    }

    [Test]
    public void Parse_NoArguments_UsesKeepalivedDefaults()
    {
        var (exit, parsed, _) = Parse();

        Assert.That(exit, Is.Zero);
        Assert.That(parsed, Is.EqualTo(new KadArguments("/etc/keepalived/keepalived.conf", false, false, false, false, false, null, "/run/kad/kad.sock")));
    }

    [Test]
    public void Parse_KeepalivedShortOptions_MeanWhatKeepalivedMeans()
    {
        var (exit, parsed, _) = Parse("-n", "-l", "-D", "-t", "-P", "-f", "/tmp/k.conf", "-p", "/run/k.pid");

        Assert.That(exit, Is.Zero);
        Assert.That(parsed, Is.EqualTo(new KadArguments("/tmp/k.conf", true, true, true, true, false, "/run/k.pid", "/run/kad/kad.sock")));
    }

    [Test]
    public void Parse_LongOptions_MeanTheSameAsShortOnes()
    {
        var (_, parsed, _) = Parse("--dont-fork", "--log-console", "--check", "--use-file", "/x.conf", "--status-socket", "/tmp/s.sock");

        Assert.That(parsed, Is.EqualTo(new KadArguments("/x.conf", true, false, false, false, true, null, "/tmp/s.sock")));
    }

    [TestCase("-g")]
    [TestCase("--log-file")]
    public void Parse_LogFile_KeepalivedsOption(string flag)
    {
        var (_, parsed, _) = Parse(flag, "/var/log/kad.log");

        Assert.That(parsed?.LogFile, Is.EqualTo("/var/log/kad.log"));
    }

    [TestCase("-v")]
    [TestCase("--version")]
    public void Parse_Version_PrintsVersionWithoutRunning(string flag)
    {
        var (exit, parsed, output) = Parse(flag);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero);
            Assert.That(parsed, Is.Null);
            Assert.That(output, Does.StartWith("kad 0.1.0"));
        });
    }

    [Test]
    public void Parse_UnknownOption_FailsWithoutRunning()
    {
        var (exit, parsed, _) = Parse("--no-such-option");

        Assert.That(exit, Is.Not.Zero);
        Assert.That(parsed, Is.Null);
    }
}
