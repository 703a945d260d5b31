using System.Diagnostics;
using System.Runtime.Versioning;
using Kad.Daemon.Tests.Lab;
using Kad.Testing;

namespace Kad.Daemon.Tests.Vrrp;

/// <summary>
/// Two real kad daemons (build output, as `dotnet kad.dll`) in two namespaces on one bridge, each running the same
/// vrrp_sync_group of two instances, and a third namespace that only watches ARP: it accepts gratuitous ARPs
/// (arp_accept), so the MAC its neighbour table holds for a VIP says which director last announced it.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
[SupportedOSPlatform("linux")]
public class TwoKadDaemonsLabTests
{
    private const string Vip1 = "10.81.0.100";
    private const string Vip2 = "10.81.0.101";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(30);

    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        KadBinaries.Require();
    }

    private static string Config(int priority, int advertInt, bool nopreempt = false) => $$"""
        vrrp_sync_group VG {
            group {
                VI_1
                VI_2
            }
        }
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id 61
            priority {{priority}}
            advert_int {{advertInt}}
            {{(nopreempt ? "nopreempt" : "")}}
            virtual_ipaddress {
                {{Vip1}}
            }
        }
        vrrp_instance VI_2 {
            state BACKUP
            interface eth0
            virtual_router_id 62
            priority {{priority}}
            advert_int {{advertInt}}
            {{(nopreempt ? "nopreempt" : "")}}
            virtual_ipaddress {
                {{Vip2}}
            }
        }
        """;

    private sealed class Pair : IDisposable
    {
        public Pair(int advertInt)
        {
            Lab = new NamespaceLab();
            High = KadRun.Start(Config(150, advertInt), Lab, "kh", "10.81.0.1/24");
            Low = KadRun.Start(Config(100, advertInt), Lab, "kl", "10.81.0.2/24");
            Observer = Lab.AddNamespace("ob");
            Lab.Connect(Observer, "eth0", "10.81.0.3/24");
            Lab.ExecChecked(Observer, "sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_accept=1");
        }

        public NamespaceLab Lab { get; }

        public KadRun High { get; }

        public KadRun Low { get; }

        public string Observer { get; }

        public static bool HoldsBoth(KadRun run)
        {
            var addresses = run.Addresses();
            return addresses.Contains(Vip1 + "/32", StringComparison.Ordinal) && addresses.Contains(Vip2 + "/32", StringComparison.Ordinal);
        }

        public static bool HoldsNone(KadRun run)
        {
            var addresses = run.Addresses();
            return !addresses.Contains(Vip1 + "/32", StringComparison.Ordinal) && !addresses.Contains(Vip2 + "/32", StringComparison.Ordinal);
        }

        public string Mac(KadRun run) =>
            Lab.ExecChecked(run.Namespace, "cat", "/sys/class/net/eth0/address").StandardOutput.Trim();

        /// <summary>The MAC the observer's neighbour table holds for <paramref name="vip"/> (learnt from GARP only).</summary>
        public string ObservedMac(string vip) => Lab.Exec(Observer, "ip", "neigh", "show", vip, "dev", "eth0").StandardOutput;

        public void Dispose()
        {
            // KadRun.Dispose also disposes the lab it runs in (killing every process of it), so only one may run; the
            // other daemon gets SIGTERM here and its directory is removed by hand.
            if (!Low.Process.HasExited)
            {
                Low.Process.Signal(15);
                Low.Process.WaitForExit(TimeSpan.FromSeconds(15));
            }

            High.Dispose();
            Directory.Delete(Path.GetDirectoryName(Low.ConfigPath)!, recursive: true);
        }
    }

    [Test]
    public void TwoDaemons_SyncGroup_OneMasterHoldsBothVipsAndSigkillMovesBothWithGarp()
    {
        using var pair = new Pair(advertInt: 1);

        Assert.That(KadBinaries.WaitUntil(() => Pair.HoldsBoth(pair.High) && Pair.HoldsNone(pair.Low), Converge), Is.True,
            $"high:\n{pair.High.Addresses()}\nlow:\n{pair.Low.Addresses()}\n{pair.High.Process.Output}");
        Thread.Sleep(3000);
        Assert.That(Pair.HoldsBoth(pair.High) && Pair.HoldsNone(pair.Low), Is.True, "exactly one master, and it stays");

        pair.High.Process.Signal(9);

        Assert.That(KadBinaries.WaitUntil(() => Pair.HoldsBoth(pair.Low), Converge), Is.True, $"low:\n{pair.Low.Addresses()}\n{pair.Low.Process.Output}");
        var lowMac = pair.Mac(pair.Low);
        Assert.That(KadBinaries.WaitUntil(() => pair.ObservedMac(Vip1).Contains(lowMac, StringComparison.Ordinal)
            && pair.ObservedMac(Vip2).Contains(lowMac, StringComparison.Ordinal), TimeSpan.FromSeconds(10)), Is.True,
            $"gratuitous ARP from the new master ({lowMac}) for both VIPs: {pair.ObservedMac(Vip1)} / {pair.ObservedMac(Vip2)}");
    }

    [Test]
    public void TwoDaemons_SigtermOfMaster_BackupTakesOverBeforeMasterDownInterval()
    {
        // advert_int 3: Master_Down_Interval = 3 × 3 s + skew (1.8 s at priority 100) = 10.8 s; after the master's
        // priority-0 advert the backup waits only the skew. 7 s is a generous bound between the two.
        using var pair = new Pair(advertInt: 3);
        Assert.That(KadBinaries.WaitUntil(() => Pair.HoldsBoth(pair.High) && Pair.HoldsNone(pair.Low), TimeSpan.FromSeconds(45)), Is.True,
            $"high:\n{pair.High.Addresses()}\n{pair.High.Process.Output}");

        var stopwatch = Stopwatch.StartNew();
        pair.High.Process.Signal(15);
        var tookOver = KadBinaries.WaitUntil(() => Pair.HoldsBoth(pair.Low), Converge);
        var elapsed = stopwatch.Elapsed;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tookOver, Is.True, pair.Low.Process.Output);
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(7)), "moved on the priority-0 advert, not on the master-down timer");
            Assert.That(pair.High.Process.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "SIGTERM exits cleanly");
            Assert.That(Pair.HoldsNone(pair.High), Is.True, "the old master released its VIPs");
        }
    }

    [Test]
    public void TwoDaemons_RestartedHigherPriorityWithNopreempt_StaysBackup()
    {
        using var pair = new Pair(advertInt: 1);
        Assert.That(KadBinaries.WaitUntil(() => Pair.HoldsBoth(pair.High), Converge), Is.True, pair.High.Process.Output);
        pair.High.Process.Signal(9);
        pair.High.Process.WaitForExit(TimeSpan.FromSeconds(10));
        Assert.That(KadBinaries.WaitUntil(() => Pair.HoldsBoth(pair.Low), Converge), Is.True, pair.Low.Process.Output);
        // SIGKILL left the VIPs on the old master's interface: clear them as a reboot would.
        pair.Lab.Exec(pair.High.Namespace, "ip", "addr", "del", Vip1 + "/32", "dev", "eth0");
        pair.Lab.Exec(pair.High.Namespace, "ip", "addr", "del", Vip2 + "/32", "dev", "eth0");

        File.WriteAllText(pair.High.ConfigPath, Config(150, 1, nopreempt: true));
        pair.High.Launch();
        pair.High.WaitForStatus(s => s.Instances.Count == 2 && s.Instances.All(i => i.State == "BACKUP"));
        Thread.Sleep(6000);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Pair.HoldsBoth(pair.Low), Is.True, "the lower-priority master keeps the VIPs");
            Assert.That(Pair.HoldsNone(pair.High), Is.True, "nopreempt: the higher priority does not take over");
        }
    }
}
