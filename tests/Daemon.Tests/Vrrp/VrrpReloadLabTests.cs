using System.Runtime.Versioning;
using Kad.Daemon.Tests.Lab;
using Kad.Testing;

namespace Kad.Daemon.Tests.Vrrp;

/// <summary>
/// Hitless reload of a real kad: SIGHUP with a VIP added to one master instance applies it in place (the address
/// appears, the instance never leaves MASTER) and leaves the other instance untouched.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
[SupportedOSPlatform("linux")]
public class VrrpReloadLabTests
{
    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        KadBinaries.Require();
    }

    [Test]
    public void Sighup_VipAddedToMaster_AppliedInPlaceWithoutTransition()
    {
        using var run = KadRun.Start(KadDaemonLabTests.Config("10.80.0.100", "10.80.0.101"));
        var before = run.WaitForStatus(s => s.Instances.Count == 2 && s.Instances.All(i => i.State == "MASTER"));
        var vi1 = before.Instances.Single(i => i.Name == "VI_1");
        var vi2 = before.Instances.Single(i => i.Name == "VI_2");
        File.WriteAllText(run.ConfigPath, KadDaemonLabTests.Config("10.80.0.100\n                10.80.0.102", "10.80.0.101"));

        run.Process.Signal(1);

        Assert.That(KadBinaries.WaitUntil(() => run.Addresses().Contains("10.80.0.102/32", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Is.True,
            run.Addresses() + "\n" + run.Process.Output);
        var after = run.WaitForStatus(s => s.Instances.Single(i => i.Name == "VI_1").VirtualAddresses.Count == 2);
        var vi1After = after.Instances.Single(i => i.Name == "VI_1");
        var vi2After = after.Instances.Single(i => i.Name == "VI_2");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.Addresses(), Does.Contain("10.80.0.100/32").And.Contain("10.80.0.101/32"));
            Assert.That(vi1After.State, Is.EqualTo("MASTER"));
            Assert.That(vi1After.Transitions, Is.EqualTo(vi1.Transitions), "VI_1 kept its state through the reload");
            Assert.That(vi1After.LastTransition, Is.EqualTo(vi1.LastTransition));
            Assert.That(vi2After.Transitions, Is.EqualTo(vi2.Transitions), "VI_2 untouched");
            Assert.That(run.Process.Output, Does.Contain("applied in place").Or.Contain("updated in place"));
        }
    }
}
