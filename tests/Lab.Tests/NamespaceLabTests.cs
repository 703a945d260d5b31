using Kad.Testing;

namespace Kad.Lab.Tests;

[TestFixture]
[Category(LabPolicy.Namespace)]
public class NamespaceLabTests
{
    [SetUp]
    public void RequireLab() => NamespaceLab.RequireAvailable();

    [Test]
    public void Connect_TwoNamespacesOnBridge_ExchangePackets()
    {
        using var lab = new NamespaceLab();
        var a = lab.AddNamespace("a");
        var b = lab.AddNamespace("b");
        lab.Connect(a, "eth0", "10.99.0.1/24", "fd99::1/64");
        lab.Connect(b, "eth0", "10.99.0.2/24", "fd99::2/64");

        var v4 = lab.Exec(a, "ping", "-c", "2", "-W", "2", "10.99.0.2");
        var v6 = lab.Exec(b, "ping", "-6", "-c", "2", "-W", "2", "fd99::1");

        Assert.Multiple(() =>
        {
            Assert.That(v4.ExitCode, Is.Zero, v4.ToString());
            Assert.That(v4.StandardOutput, Does.Contain("2 received"));
            Assert.That(v6.ExitCode, Is.Zero, v6.ToString());
        });
    }

    [Test]
    public void Start_ListenerInOneNamespace_ReachableFromTheOther()
    {
        using var lab = new NamespaceLab();
        var server = lab.AddNamespace("srv");
        var client = lab.AddNamespace("cli");
        lab.Connect(server, "eth0", "10.99.1.1/24");
        lab.Connect(client, "eth0", "10.99.1.2/24");
        var root = Directory.CreateTempSubdirectory("kad-nslab");
        File.WriteAllText(Path.Combine(root.FullName, "hello.txt"), "hello from srv\n");
        try
        {
            var listener = lab.Start(server, "busybox", "httpd", "-f", "-v", "-p", "10.99.1.1:8080", "-h", root.FullName);
            var fetched = Retry(() => lab.Exec(client, "busybox", "wget", "-q", "-O", "-", "http://10.99.1.1:8080/hello.txt"));

            Assert.That(fetched.StandardOutput, Does.Contain("hello from srv"), fetched + "\nlistener: " + listener.Output);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>The listener needs a moment to bind; try a few times rather than sleeping a guessed amount.</summary>
    private static ProcessResult Retry(Func<ProcessResult> attempt)
    {
        var result = attempt();
        for (var i = 0; i < 50 && result.ExitCode != 0; i++)
        {
            Thread.Sleep(100);
            result = attempt();
        }

        return result;
    }

    [Test]
    public void Dispose_AfterUse_RemovesEveryNamespaceItCreated()
    {
        string[] names;
        using (var lab = new NamespaceLab())
        {
            names = [lab.AddNamespace("x"), lab.AddNamespace("y")];
            lab.Connect(names[0], "eth0", "10.99.2.1/24");
            names = [.. names, lab.AddBridge()];
        }

        var list = ProcessRunner.RunChecked("ip", ["netns", "list"]).StandardOutput;
        foreach (var name in names)
        {
            Assert.That(list, Does.Not.Contain(name));
        }
    }
}
