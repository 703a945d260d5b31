using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// kad's engine (in this process, its interface thread inside one namespace) against real keepalived 2.2.7 (in
/// another), joined by a bridge: both roles, VRRPv2 with PASS and VRRPv3, multicast and unicast. After convergence
/// exactly one side holds the VIP, failover works both ways, and neither side rejects the other's adverts.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
public partial class KeepalivedInteropTests
{
    private const string Vip = "10.77.0.100";
    private const string KadAddress = "10.77.0.1";
    private const string KeepalivedAddress = "10.77.0.2";

    public enum Mode
    {
        V2Pass,
        V3,
    }

    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        LabPolicy.RequireTool("keepalived");
    }

    [TestCase(Mode.V2Pass, false)]
    [TestCase(Mode.V2Pass, true)]
    [TestCase(Mode.V3, false)]
    [TestCase(Mode.V3, true)]
    public void KadMaster_KeepalivedBackup_OneMasterThenKeepalivedTakesOverOnStop(Mode mode, bool unicast)
    {
        using var lab = new NamespaceLab();
        var (kadNs, kaNs) = Topology(lab);
        var keepalived = StartKeepalived(lab, kaNs, mode, unicast, priority: 100);
        var port = new LabAddressPort(kadNs);
        var instance = NewInstance(mode, unicast, priority: 150, port);
        using var loop = StartKad(kadNs, instance);

        Assert.That(WaitUntil(() => instance.State == VrrpState.Master && HasVip(lab, kadNs) && !HasVip(lab, kaNs), TimeSpan.FromSeconds(15)), Is.True,
            $"kad should be the only master; kad={instance.State}\n{keepalived.Output}");
        Assert.That(WaitUntil(() => keepalived.Output.Contains("Entering BACKUP STATE", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), Is.True, keepalived.Output);
        Thread.Sleep(2500); // several adverts each way while converged
        using (Assert.EnterMultipleScope())
        {
            Assert.That(HasVip(lab, kaNs), Is.False, "keepalived must stay backup");
            Assert.That(keepalived.Output, Does.Not.Contain("Entering MASTER STATE"));
        }

        // Shutdown: kad resigns with priority 0; keepalived takes over after its skew time only.
        var stopwatch = Stopwatch.StartNew();
        loop.Stop(TimeSpan.FromSeconds(5));
        Assert.That(WaitUntil(() => HasVip(lab, kaNs), TimeSpan.FromSeconds(5)), Is.True, keepalived.Output);
        var takeover = stopwatch.Elapsed;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(HasVip(lab, kadNs), Is.False, "kad released the VIP");
            Assert.That(takeover, Is.LessThan(TimeSpan.FromSeconds(2)), "priority 0 means skew time, not master-down");
            Assert.That(InvalidPacketLines(keepalived.Output), Is.Empty);
            Assert.That(instance.Drops.Total, Is.Zero, DropsText(instance));
        }

        TestContext.Out.WriteLine($"takeover after priority 0: {takeover.TotalMilliseconds:F0} ms");
    }

    [TestCase(Mode.V2Pass, false)]
    [TestCase(Mode.V2Pass, true)]
    [TestCase(Mode.V3, false)]
    [TestCase(Mode.V3, true)]
    public void KeepalivedMaster_KadBackup_KadTakesOverWhenKeepalivedIsKilled(Mode mode, bool unicast)
    {
        using var lab = new NamespaceLab();
        var (kadNs, kaNs) = Topology(lab);
        var keepalived = StartKeepalived(lab, kaNs, mode, unicast, priority: 150);
        Assert.That(WaitUntil(() => HasVip(lab, kaNs), TimeSpan.FromSeconds(10)), Is.True, "keepalived alone becomes master\n" + keepalived.Output);
        var port = new LabAddressPort(kadNs);
        var instance = NewInstance(mode, unicast, priority: 100, port);
        using var loop = StartKad(kadNs, instance);

        Thread.Sleep(5000); // longer than kad's master-down interval: it must stay backup on keepalived's adverts
        using (Assert.EnterMultipleScope())
        {
            Assert.That(instance.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(HasVip(lab, kadNs), Is.False);
            Assert.That(instance.AdvertsReceived, Is.GreaterThanOrEqualTo(3));
            Assert.That(instance.Drops.Total, Is.Zero, DropsText(instance));
        }

        var stopwatch = Stopwatch.StartNew();
        keepalived.SignalVrrp(9);
        Assert.That(WaitUntil(() => HasVip(lab, kadNs), TimeSpan.FromSeconds(8)), Is.True, $"kad={instance.State}");
        var takeover = stopwatch.Elapsed;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(instance.State, Is.EqualTo(VrrpState.Master));
            Assert.That(takeover, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(InvalidPacketLines(keepalived.Output), Is.Empty);
        }

        TestContext.Out.WriteLine($"takeover after SIGKILL: {takeover.TotalMilliseconds:F0} ms");
    }

    [Test]
    public void KadBackup_KeepalivedMasterPreemptedByHigherKad_VipMovesToKad()
    {
        using var lab = new NamespaceLab();
        var (kadNs, kaNs) = Topology(lab);
        var keepalived = StartKeepalived(lab, kaNs, Mode.V2Pass, unicast: false, priority: 100);
        Assert.That(WaitUntil(() => HasVip(lab, kaNs), TimeSpan.FromSeconds(10)), Is.True, keepalived.Output);

        var instance = NewInstance(Mode.V2Pass, unicast: false, priority: 200, new LabAddressPort(kadNs));
        using var loop = StartKad(kadNs, instance);

        // kad discards the lower-priority adverts and preempts after its master-down interval; keepalived yields.
        Assert.That(WaitUntil(() => HasVip(lab, kadNs) && !HasVip(lab, kaNs), TimeSpan.FromSeconds(10)), Is.True, keepalived.Output);
        Assert.That(InvalidPacketLines(keepalived.Output), Is.Empty);
    }

    /// <summary>
    /// Negative control for the checks above: with different passwords each side must reject the other — kad counts
    /// AuthPasswordMismatch and keepalived logs a line our detector catches — so "no invalid lines" means something.
    /// </summary>
    [Test]
    public void MismatchedPassword_BothSidesReject_DetectorSeesKeepalivedComplaint()
    {
        using var lab = new NamespaceLab();
        var (kadNs, kaNs) = Topology(lab);
        var keepalived = StartKeepalived(lab, kaNs, Mode.V2Pass, unicast: false, priority: 100);
        var options = NewInstance(Mode.V2Pass, unicast: false, priority: 150, new LabAddressPort(kadNs)).Options with { AuthPassword = "other" };
        var instance = new VrrpInstance(options, TimeProvider.System, new LabAddressPort(kadNs));
        using var loop = StartKad(kadNs, instance);

        Assert.That(WaitUntil(() => instance.Drops[VrrpDropReason.AuthPasswordMismatch] > 0 && InvalidPacketLines(keepalived.Output).Count > 0, TimeSpan.FromSeconds(12)), Is.True,
            $"kad drops: {DropsText(instance)}\n{keepalived.Output}");
        TestContext.Out.WriteLine("keepalived complained: " + InvalidPacketLines(keepalived.Output)[0]);
    }

    internal static (string KadNs, string KeepalivedNs) Topology(NamespaceLab lab)
    {
        var kadNs = lab.AddNamespace("kad");
        var kaNs = lab.AddNamespace("ka");
        lab.Connect(kadNs, "eth0", KadAddress + "/24");
        lab.Connect(kaNs, "eth0", KeepalivedAddress + "/24");
        return (kadNs, kaNs);
    }

    internal static VrrpInstance NewInstance(Mode mode, bool unicast, byte priority, IVirtualAddressPort port) => new(
        new VrrpInstanceOptions
        {
            Name = "VI_1",
            Interface = "eth0",
            VirtualRouterId = 51,
            Priority = priority,
            Version = mode == Mode.V3 ? VrrpVersion.V3 : VrrpVersion.V2,
            AuthType = mode == Mode.V2Pass ? VrrpAuthType.SimplePassword : VrrpAuthType.None,
            AuthPassword = mode == Mode.V2Pass ? "secret" : null,
            VirtualAddresses = [VirtualAddress.Host(IPAddress.Parse(Vip))],
            UnicastPeers = unicast ? [IPAddress.Parse(KeepalivedAddress)] : [],
            SourceAddress = unicast ? IPAddress.Parse(KadAddress) : null,
            Garp = new GarpOptions { MasterDelay = TimeSpan.Zero, MasterRepeat = 1 },
        },
        TimeProvider.System,
        port);

    internal static VrrpInterfaceLoop StartKad(string ns, params VrrpInstance[] instances)
    {
        var loop = new VrrpInterfaceLoop("eth0", instances, onThreadStart: () => Netns.Enter(ns));
        loop.Start();
        Assert.That(loop.Started.Wait(TimeSpan.FromSeconds(10)), Is.True, "kad's interface thread started");
        return loop;
    }

    internal static KeepalivedRun StartKeepalived(NamespaceLab lab, string ns, Mode mode, bool unicast, int priority)
    {
        var dir = Directory.CreateTempSubdirectory("kad-ka-");
        var auth = mode == Mode.V2Pass ? "    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n" : "";
        var peers = unicast ? $"    unicast_src_ip {KeepalivedAddress}\n    unicast_peer {{\n        {KadAddress}\n    }}\n" : "";
        var config = $$"""
            global_defs {
                router_id kadlab
                vrrp_garp_master_delay 0
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 51
                priority {{priority}}
                advert_int 1
                version {{(mode == Mode.V3 ? 3 : 2)}}
            {{auth}}{{peers}}    virtual_ipaddress {
                    {{Vip}}/32 dev eth0
                }
            }
            """;
        var path = Path.Combine(dir.FullName, "keepalived.conf");
        File.WriteAllText(path, config);
        var process = lab.Start(ns, "keepalived", "-n", "-l", "-D", "--vrrp", "-f", path,
            "-p", Path.Combine(dir.FullName, "keepalived.pid"), "-r", Path.Combine(dir.FullName, "vrrp.pid"));
        return new KeepalivedRun(process, dir.FullName);
    }

    /// <summary>
    /// A keepalived started by the lab. keepalived forks a VRRP child; a signal to the parent reaches the child as a
    /// SIGTERM (it resigns with priority 0), so a hard failure must kill the child itself.
    /// </summary>
    internal sealed record KeepalivedRun(LabProcess Process, string Directory)
    {
        public string Output => Process.Output;

        /// <summary>The VRRP child's pid, from the <c>-r</c> file keepalived writes once the child runs.</summary>
        public int VrrpPid()
        {
            var pidFile = Path.Combine(Directory, "vrrp.pid");
            Assert.That(WaitUntil(() => File.Exists(pidFile), TimeSpan.FromSeconds(5)), Is.True, "keepalived wrote its VRRP pid");
            return int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary>Signals the VRRP child (pid from <c>-r</c>), then the parent with the same signal.</summary>
        public void SignalVrrp(int signal)
        {
            var pid = VrrpPid();
            ProcessRunner.Run("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
            if (signal == 9)
            {
                Process.Signal(9);
            }
        }
    }

    internal static bool HasVip(NamespaceLab lab, string ns) =>
        lab.Exec(ns, "ip", "-o", "-4", "addr", "show", "dev", "eth0").StandardOutput.Contains($" {Vip}/", StringComparison.Ordinal);

    internal static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return condition();
    }

    /// <summary>keepalived's complaints about packets it received (bad checksum, auth, interval, address list, TTL).</summary>
    internal static List<string> InvalidPacketLines(string log) =>
        [.. log.Split('\n').Where(line => InvalidPattern().IsMatch(line))];

    private static string DropsText(VrrpInstance instance) =>
        string.Join(", ", instance.Drops.Snapshot().Select(kv => $"{kv.Key}={kv.Value}"));

    [GeneratedRegex("invalid|bogus|mismatch|wrong|bad |checksum|discard|ttl", RegexOptions.IgnoreCase)]
    private static partial Regex InvalidPattern();
}
