namespace Kad.Daemon.Tests;

/// <summary>keepalived's -i/--config-id: which '@ID' lines kad reads, for kad -t as for the daemon.</summary>
[TestFixture]
public class ConfigIdOptionTests
{
    private string _file = "";

    [SetUp]
    public void WriteConfig()
    {
        _file = Path.Combine(Directory.CreateTempSubdirectory("kad-config-id-").FullName, "keepalived.conf");
        File.WriteAllText(_file, "global_defs {\n@lb1 router_id one\n@^lb1 vrrp_version 9\n}\n");
    }

    [TearDown]
    public void DeleteConfig() => Directory.Delete(Path.GetDirectoryName(_file)!, recursive: true);

    [TestCase("-i")]
    [TestCase("--config-id")]
    public void Parse_ConfigId_IsKeptInTheArguments(string flag)
    {
        KadArguments? parsed = null;
        using var output = new StringWriter();

        KadCommandLine.Build(a => { parsed = a; return 0; }, output).Parse([flag, "lb1", "-t"]).Invoke();

        Assert.That(parsed?.ConfigId, Is.EqualTo("lb1"));
        Assert.That(parsed?.LoadOptions().ConfigId, Is.EqualTo("lb1"));
    }

    [Test]
    public void LoadOptions_NoConfigId_HostNameLikeKeepalived()
    {
        var arguments = new KadArguments(_file, false, false, true, false, false, null, "/run/kad/kad.sock");

        Assert.That(arguments.LoadOptions().ConfigId, Is.EqualTo(Kad.Config.ConfigLoadOptions.DefaultConfigId()));
    }

    [TestCase("lb1", 0)]
    [TestCase("lb2", DaemonEntry.ExitConfig)]
    public void ConfigTest_ConfigId_SelectsTheLinesThatAreChecked(string id, int expectedExit)
    {
        var arguments = new KadArguments(_file, false, false, true, false, false, null, "/run/kad/kad.sock") { ConfigId = id };

        Assert.That(DaemonEntry.Run(arguments), Is.EqualTo(expectedExit));
    }
}
