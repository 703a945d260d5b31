using System.Runtime.Versioning;
using Kad.Testing;

namespace Kad.Daemon.Tests.Lab;

/// <summary>
/// The whole kad daemon against real keepalived 2.2.7 (`keepalived -n -l -D --vrrp`), each in its own namespace on
/// one bridge: one master is elected, and failover works both ways (kad stopping hands over to keepalived and
/// preempts back on restart; keepalived stopping hands over to kad).
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
[SupportedOSPlatform("linux")]
public class KadKeepalivedLabTests
{
    private const string Vip = "10.80.0.100";
    private static readonly TimeSpan Failover = TimeSpan.FromSeconds(10);

    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        LabPolicy.RequireTool("keepalived");
        KadBinaries.Require();
    }

    private static string Config(int priority) => $$"""
        global_defs {
            router_id interop_{{priority}}
        }
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id 61
            priority {{priority}}
            advert_int 1
            virtual_ipaddress {
                {{Vip}}
            }
        }
        """;

    private static LabProcess StartKeepalived(NamespaceLab lab, string ns, DirectoryInfo directory, int priority)
    {
        var config = Path.Combine(directory.FullName, "keepalived-ref.conf");
        File.WriteAllText(config, Config(priority));
        return lab.Start(ns, "keepalived", "-n", "-l", "-D", "--vrrp", "-f", config,
            "-p", Path.Combine(directory.FullName, "ka.pid"), "-r", Path.Combine(directory.FullName, "ka-vrrp.pid"));
    }

    private static bool HasVip(NamespaceLab lab, string ns) =>
        lab.Exec(ns, "ip", "-4", "addr", "show", "dev", "eth0").StandardOutput.Contains(Vip + "/32", StringComparison.Ordinal);

    [Test]
    public void KadHigherPriority_KadMaster_KeepalivedTakesOverOnStopAndKadPreemptsBack()
    {
        using var run = KadRun.Start(Config(150));
        var kaNs = run.Lab.AddNamespace("ka");
        run.Lab.Connect(kaNs, "eth0", "10.80.0.2/24");
        var directory = Directory.CreateTempSubdirectory("kad-ka-");
        try
        {
            // keepalived joins once kad is master, so neither side's startup master-down timer can race the other's.
            run.WaitForStatus(s => s.Instances.Single().State == "MASTER");
            var keepalived = StartKeepalived(run.Lab, kaNs, directory, 100);
            Assert.That(keepalived.WaitForOutput("Entering BACKUP STATE", Failover), Is.True, keepalived.Output);
            Thread.Sleep(3000); // several adverts each way while converged
            using (Assert.EnterMultipleScope())
            {
                Assert.That(HasVip(run.Lab, run.Namespace), Is.True);
                Assert.That(HasVip(run.Lab, kaNs), Is.False, "one master only");
                Assert.That(keepalived.Output, Does.Not.Contain("Entering MASTER STATE"));
            }

            // kad stops: priority 0, VIP released, keepalived takes over.
            run.Process.Signal(15);
            Assert.That(run.Process.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, run.Process.Output);
            Assert.That(KadBinaries.WaitUntil(() => HasVip(run.Lab, kaNs), Failover), Is.True, keepalived.Output);
            Assert.That(HasVip(run.Lab, run.Namespace), Is.False);

            // kad comes back with the higher priority and preempts.
            run.Launch();
            run.WaitForStatus(s => s.Instances.Single().State == "MASTER");
            Assert.That(KadBinaries.WaitUntil(() => !HasVip(run.Lab, kaNs), Failover), Is.True, "keepalived gave the VIP back\n" + keepalived.Output);
            Assert.That(HasVip(run.Lab, run.Namespace), Is.True);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public void KeepalivedHigherPriority_KadBackup_KadTakesOverWhenKeepalivedStops()
    {
        var lab = new NamespaceLab();
        var kaNs = lab.AddNamespace("ka");
        lab.Connect(kaNs, "eth0", "10.80.0.2/24");
        var directory = Directory.CreateTempSubdirectory("kad-ka-");
        try
        {
            var keepalived = StartKeepalived(lab, kaNs, directory, 200);
            Assert.That(keepalived.WaitForOutput("Entering MASTER STATE", Failover), Is.True, keepalived.Output);
            using var run = KadRun.Start(Config(100), lab);

            var status = run.WaitForStatus(s => s.Instances.Single().State == "BACKUP");
            Thread.Sleep(4000); // longer than the master-down interval: kad must stay backup
            status = run.WaitForStatus(s => s.Instances.Single().State == "BACKUP");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(run.Process.Output, Does.Not.Contain("-> MASTER"), "kad never became master");
                Assert.That(HasVip(lab, run.Namespace), Is.False);
                Assert.That(HasVip(lab, kaNs), Is.True);
                Assert.That(status.Instances.Single().MasterAddress, Is.EqualTo("10.80.0.2"), "a backup shows the master it hears");
            }

            keepalived.Signal(15);
            Assert.That(keepalived.WaitForExit(TimeSpan.FromSeconds(10)), Is.True);
            run.WaitForStatus(s => s.Instances.Single().State == "MASTER");
            Assert.That(KadBinaries.WaitUntil(() => HasVip(lab, run.Namespace), Failover), Is.True, run.Process.Output);
            Assert.That(HasVip(lab, kaNs), Is.False);
        }
        finally
        {
            lab.Dispose();
            directory.Delete(recursive: true);
        }
    }
}
