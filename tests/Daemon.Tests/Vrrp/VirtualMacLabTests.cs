using System.Globalization;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Kad.Testing;

namespace Kad.Daemon.Tests.Vrrp;

/// <summary>
/// <c>use_vmac</c> end to end with real daemons (build output, `dotnet kad.dll`) in namespaces on one bridge: kad
/// creates the macvlan through its rtnetlink port, the master holds the VIP on it, a sniffer on the bridge sees the
/// gratuitous ARPs and adverts leave with the virtual MAC 00:00:5e:00:01:3d (VRID 61), failover keeps the MAC, and a
/// stopping kad deletes its macvlan. The interop case runs keepalived 2.2.7 with the same configuration as the peer.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
[SupportedOSPlatform("linux")]
public partial class VirtualMacLabTests
{
    private const string Vip = "10.82.0.100";
    private const string Vmac = "vrrp.61";
    private const string VirtualMac = "00:00:5e:00:01:3d";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(30);

    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        LabPolicy.RequireTool("tcpdump");
        KadBinaries.Require();
    }

    private static string Config(int priority, string extra = "") => $$"""
        global_defs {
            vrrp_garp_master_delay 0
        }
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            use_vmac
            {{extra}}
            virtual_router_id 61
            priority {{priority}}
            advert_int 1
            virtual_ipaddress {
                {{Vip}}
            }
        }
        """;

    /// <summary>Two directors and a sniffer on the bridge; every process and namespace goes with the lab.</summary>
    private sealed class Topology : IDisposable
    {
        private readonly List<string> _directories = [];

        public Topology()
        {
            High = Lab.AddNamespace("vh");
            Lab.Connect(High, "eth0", "10.82.0.1/24");
            Low = Lab.AddNamespace("vl");
            Lab.Connect(Low, "eth0", "10.82.0.2/24");
            Sniffer = Lab.Start(Lab.AddBridge(), "tcpdump", "-i", "br0", "-e", "-n", "-l", "arp or ip proto 112 or ip6");
            Assert.That(Sniffer.WaitForOutput("listening on br0", TimeSpan.FromSeconds(10)), Is.True, Sniffer.Output);
        }

        public NamespaceLab Lab { get; } = new();

        public string High { get; }

        public string Low { get; }

        public LabProcess Sniffer { get; }

        public LabProcess StartKad(string ns, string config) => StartKad(ns, config, out _);

        /// <summary>Starts kad; <paramref name="directory"/> holds keepalived.conf and kad.sock.</summary>
        public LabProcess StartKad(string ns, string config, out string directory)
        {
            directory = Directory.CreateTempSubdirectory("kad-vmac-").FullName;
            _directories.Add(directory);
            var path = Path.Combine(directory, "keepalived.conf");
            File.WriteAllText(path, config);
            return Lab.Start(ns, "dotnet", KadBinaries.Kad, "-n", "-l", "-D", "-f", path, "-p", Path.Combine(directory, "kad.pid"),
                "--status-socket", Path.Combine(directory, "kad.sock"));
        }

        public LabProcess StartKeepalived(string ns, string config, out string vrrpPidFile)
        {
            var directory = Directory.CreateTempSubdirectory("kad-vmac-ka-").FullName;
            _directories.Add(directory);
            var path = Path.Combine(directory, "keepalived.conf");
            File.WriteAllText(path, config);
            vrrpPidFile = Path.Combine(directory, "vrrp.pid");
            return Lab.Start(ns, "keepalived", "-n", "-l", "-D", "--vrrp", "-f", path, "-p", Path.Combine(directory, "keepalived.pid"), "-r", vrrpPidFile);
        }

        /// <summary>`ip -d -o link show vrrp.61` in <paramref name="ns"/>; empty when there is none.</summary>
        public string Link(string ns) => Lab.Exec(ns, "ip", "-d", "-o", "link", "show", Vmac).StandardOutput;

        public bool HasVmacWithVip(string ns) =>
            Link(ns).Contains(VirtualMac, StringComparison.Ordinal)
            && Lab.Exec(ns, "ip", "-o", "-4", "addr", "show", "dev", Vmac).StandardOutput.Contains($" {Vip}/32", StringComparison.Ordinal);

        public bool HasVipAnywhere(string ns) =>
            Lab.Exec(ns, "ip", "-o", "-4", "addr", "show").StandardOutput.Contains($" {Vip}/32", StringComparison.Ordinal);

        public string Sysctl(string ns, string name) => Lab.Exec(ns, "cat", $"/proc/sys/net/ipv4/conf/{name}").StandardOutput.Trim();

        /// <summary>Gratuitous ARPs for the VIP the sniffer saw, with their Ethernet source.</summary>
        public IReadOnlyList<string> GarpSources() =>
            [.. GarpLine().Matches(Sniffer.Output).Select(m => m.Groups["src"].Value)];

        public IReadOnlyList<string> AdvertSources() =>
            [.. AdvertLine().Matches(Sniffer.Output).Select(m => m.Groups["src"].Value)];

        public void Dispose()
        {
            Lab.Dispose();
            foreach (var directory in _directories)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [GeneratedRegex(@"(?<src>[0-9a-f:]{17}) > ff:ff:ff:ff:ff:ff, ethertype ARP \(0x0806\).*Request who-has 10\.82\.0\.100 .*tell 10\.82\.0\.100")]
    private static partial Regex GarpLine();

    [GeneratedRegex(@"(?<src>[0-9a-f:]{17}) > 01:00:5e:00:00:12, ethertype IPv4 \(0x0800\).*VRRPv2, Advertisement, vrid 61")]
    private static partial Regex AdvertLine();

    [Test]
    public void TwoKads_UseVmac_MasterHoldsVipOnVmacAnnouncedWithVirtualMacAndSigkillMovesIt()
    {
        using var lab = new Topology();
        var high = lab.StartKad(lab.High, Config(150));
        var low = lab.StartKad(lab.Low, Config(100));

        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.High) && lab.Link(lab.Low).Length > 0, Converge), Is.True,
            $"high:\n{lab.Link(lab.High)}\n{high.Output}\nlow:\n{low.Output}");
        Thread.Sleep(4000); // past the backup's master-down interval: it must hear the master's adverts on its own VMAC
        var highLink = lab.Link(lab.High);
        var lowLink = lab.Link(lab.Low);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lab.HasVmacWithVip(lab.High), Is.True, "the master keeps the VIP on vrrp.61");
            Assert.That(lab.HasVipAnywhere(lab.Low), Is.False, "one master only: the backup hears adverts that carry its own VMAC's MAC");
            Assert.That(highLink, Does.Contain("vrrp.61@eth0").And.Contain("macvlan mode private").And.Contain(VirtualMac).And.Contain("UP"), highLink);
            Assert.That(lowLink, Does.Contain("macvlan mode private").And.Contain(VirtualMac).And.Contain(",UP"), "the backup's VMAC exists and is up (keepalived 2.2.7 keeps it up in BACKUP)");
            Assert.That(lab.GarpSources(), Is.Not.Empty.And.All.EqualTo(VirtualMac), lab.Sniffer.Output);
            Assert.That(lab.AdvertSources(), Is.Not.Empty.And.All.EqualTo(VirtualMac), "adverts leave from the VMAC");
            Assert.That((lab.Sysctl(lab.High, "eth0/arp_ignore"), lab.Sysctl(lab.High, "eth0/arp_filter"), lab.Sysctl(lab.High, "vrrp.61/arp_ignore"), lab.Sysctl(lab.High, "vrrp.61/accept_local")),
                Is.EqualTo(("1", "1", "1", "1")), "keepalived's sysctls");
        }

        var garpsBefore = lab.GarpSources().Count;
        high.Signal(9);

        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.Low), Converge), Is.True, low.Output);
        Assert.That(KadBinaries.WaitUntil(() => lab.GarpSources().Count > garpsBefore, TimeSpan.FromSeconds(10)), Is.True, "the new master announces the VIP");
        Assert.That(lab.GarpSources().Skip(garpsBefore), Is.All.EqualTo(VirtualMac), "the same virtual MAC after failover");
    }

    [Test]
    public void Sigterm_OfMaster_BackupTakesOverAndTheStoppedKadDeletesItsVmacAndRestoresSysctls()
    {
        using var lab = new Topology();
        // A VMAC left by an earlier run, with the right MAC and parent: the low director adopts it.
        lab.Lab.ExecChecked(lab.Low, "ip", "link", "add", "link", "eth0", "name", Vmac, "address", VirtualMac, "type", "macvlan", "mode", "private");
        var adoptedIndex = IfIndex(lab, lab.Low);
        // Strict reverse-path filtering host-wide: keepalived's rp_filter dance must let the VMAC work and be undone.
        lab.Lab.ExecChecked(lab.High, "sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=1");
        var high = lab.StartKad(lab.High, Config(150));
        var low = lab.StartKad(lab.Low, Config(100));
        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.High), Converge), Is.True, high.Output);
        Assert.That(KadBinaries.WaitUntil(() => lab.Link(lab.Low).Contains(",UP", StringComparison.Ordinal), Converge), Is.True, low.Output);
        Assert.That(IfIndex(lab, lab.Low), Is.EqualTo(adoptedIndex), "the existing VMAC was adopted, not re-created");
        Assert.That((lab.Sysctl(lab.High, "all/rp_filter"), lab.Sysctl(lab.High, "eth0/rp_filter"), lab.Sysctl(lab.High, "vrrp.61/rp_filter")),
            Is.EqualTo(("0", "1", "0")), "all.rp_filter moved onto the other interfaces");

        high.Signal(15);

        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.Low), TimeSpan.FromSeconds(10)), Is.True, low.Output);
        Assert.That(high.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "SIGTERM exits");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lab.Link(lab.High), Is.Empty, "the stopped kad deleted vrrp.61");
            Assert.That((lab.Sysctl(lab.High, "eth0/arp_ignore"), lab.Sysctl(lab.High, "eth0/arp_filter")), Is.EqualTo(("0", "0")), "the base's settings are restored");
            Assert.That((lab.Sysctl(lab.High, "all/rp_filter"), lab.Sysctl(lab.High, "eth0/rp_filter")), Is.EqualTo(("1", "0")), "rp_filter restored");
            Assert.That(lab.HasVipAnywhere(lab.High), Is.False);
        }
    }

    [Test]
    public void ExistingNonMacvlanWithTheVmacName_LeftAloneAndTheErrorNamesIt()
    {
        using var lab = new Topology();
        lab.Lab.ExecChecked(lab.High, "ip", "link", "add", Vmac, "type", "veth", "peer", "name", "vpeer");
        var kad = lab.StartKad(lab.High, Config(150));

        Assert.That(kad.WaitForOutput("is not a macvlan", Converge), Is.True, kad.Output);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(kad.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "kad does not start with an instance it cannot set up");
            Assert.That(kad.Output, Does.Contain($"use_vmac {Vmac}: an interface of that name exists and is not a macvlan (veth)"));
            Assert.That(lab.Link(lab.High), Does.Contain("veth"), "kad did not touch the veth");
            Assert.That(lab.HasVipAnywhere(lab.High), Is.False);
        }
    }

    [Test]
    public void KeepalivedMaster_KadBackup_BothUseVmac_KadStaysBackupThenTakesOverOnSigkill()
    {
        LabPolicy.RequireTool("keepalived");
        using var lab = new Topology();
        var keepalived = lab.StartKeepalived(lab.High, Config(150), out var vrrpPidFile);
        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.High), Converge), Is.True, keepalived.Output);
        var kad = lab.StartKad(lab.Low, Config(100));
        Assert.That(KadBinaries.WaitUntil(() => lab.Link(lab.Low).Contains(",UP", StringComparison.Ordinal), Converge), Is.True, kad.Output);

        Thread.Sleep(5000); // longer than kad's master-down interval
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lab.HasVipAnywhere(lab.Low), Is.False, "kad stays backup on keepalived's adverts\n" + kad.Output);
            Assert.That(lab.HasVmacWithVip(lab.High), Is.True, "keepalived stays master\n" + keepalived.Output);
        }

        var pid = int.Parse(File.ReadAllText(vrrpPidFile).Trim(), CultureInfo.InvariantCulture);
        ProcessRunner.Run("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        keepalived.Signal(9);
        var garpsBefore = lab.GarpSources().Count;

        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.Low), Converge), Is.True, kad.Output);
        Assert.That(KadBinaries.WaitUntil(() => lab.GarpSources().Count > garpsBefore, TimeSpan.FromSeconds(10)), Is.True, lab.Sniffer.Output);
        Assert.That(lab.GarpSources(), Is.All.EqualTo(VirtualMac), "keepalived's and kad's GARPs carry the same virtual MAC");
    }

    [Test]
    public void Sighup_UnchangedVmacInstanceKeepsItsVmacAndState_RemovingUseVmacRestartsOnTheBase()
    {
        using var lab = new Topology();
        var kad = lab.StartKad(lab.High, Config(150), out var directory);
        var socket = Path.Combine(directory, "kad.sock");
        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.High), Converge), Is.True, kad.Output);
        var before = KadBinaries.Status(socket)!.Instances.Single();
        var index = IfIndex(lab, lab.High);

        // A second VIP only: applied in place, on the same VMAC, without a transition.
        File.WriteAllText(Path.Combine(directory, "keepalived.conf"), Config(150).Replace(Vip, Vip + "\n        10.82.0.101", StringComparison.Ordinal));
        kad.Signal(1);
        Assert.That(KadBinaries.WaitUntil(() => lab.Lab.Exec(lab.High, "ip", "-o", "-4", "addr", "show", "dev", Vmac).StandardOutput.Contains(" 10.82.0.101/32", StringComparison.Ordinal), Converge), Is.True, kad.Output);
        var after = KadBinaries.Status(socket)!.Instances.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(IfIndex(lab, lab.High), Is.EqualTo(index), "the VMAC was kept");
            Assert.That(lab.HasVmacWithVip(lab.High), Is.True);
            Assert.That((after.State, after.Transitions), Is.EqualTo((before.State, before.Transitions)), "no transition");
        }

        // use_vmac removed: the instance restarts like any other interface change; its VMAC goes, the VIP lands on eth0.
        File.WriteAllText(Path.Combine(directory, "keepalived.conf"), Config(150).Replace("use_vmac", "", StringComparison.Ordinal));
        kad.Signal(1);
        Assert.That(KadBinaries.WaitUntil(() => lab.Lab.Exec(lab.High, "ip", "-o", "-4", "addr", "show", "dev", "eth0").StandardOutput.Contains($" {Vip}/32", StringComparison.Ordinal), Converge), Is.True, kad.Output);
        Assert.That(lab.Link(lab.High), Is.Empty, "the VMAC was deleted");
        Assert.That(kad.Output, Does.Contain("restarted"));
    }

    [Test]
    public void TwoKads_UseVmacIPv6_MasterHoldsVipOnVmacWithIPv6VirtualMacAndNaCarriesIt()
    {
        using var lab = new Topology();
        var config = (int priority) => Config(priority).Replace(Vip, "fd00:82::100/64", StringComparison.Ordinal);
        var high = lab.StartKad(lab.High, config(150));
        var low = lab.StartKad(lab.Low, config(100));
        bool HasVip6(string ns) => lab.Lab.Exec(ns, "ip", "-o", "-6", "addr", "show", "dev", Vmac).StandardOutput.Contains(" fd00:82::100/64", StringComparison.Ordinal);

        Assert.That(KadBinaries.WaitUntil(() => HasVip6(lab.High) && lab.Link(lab.Low).Contains(",UP", StringComparison.Ordinal), Converge), Is.True,
            $"{high.Output}\n{low.Output}");
        Thread.Sleep(4000);
        var highLink = lab.Link(lab.High);
        var na = NeighborAdvertLine().Matches(lab.Sniffer.Output).Select(m => m.Groups["src"].Value).ToList();
        var adverts = Advert6Line().Matches(lab.Sniffer.Output).Select(m => m.Groups["src"].Value).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(highLink, Does.Contain("macvlan mode private").And.Contain("00:00:5e:00:02:3d"), highLink);
            Assert.That(HasVip6(lab.Low), Is.False, "one master only\n" + low.Output);
            Assert.That(lab.Lab.Exec(lab.High, "ip", "-o", "-6", "addr", "show", "dev", Vmac, "scope", "link").StandardOutput, Does.Contain("fe80::"), "the VMAC carries the base's link-local");
            Assert.That(na, Is.Not.Empty.And.All.EqualTo("00:00:5e:00:02:3d"), lab.Sniffer.Output);
            Assert.That(adverts, Is.Not.Empty.And.All.EqualTo("00:00:5e:00:02:3d"), lab.Sniffer.Output);
        }
    }

    [GeneratedRegex(@"(?<src>[0-9a-f:]{17}) > 33:33:00:00:00:01, ethertype IPv6 .*neighbor advertisement, tgt is fd00:82::100")]
    private static partial Regex NeighborAdvertLine();

    [GeneratedRegex(@"(?<src>[0-9a-f:]{17}) > 33:33:00:00:00:12, ethertype IPv6 .*VRRPv3, Advertisement, vrid 61")]
    private static partial Regex Advert6Line();

    [Test]
    public void KadMaster_KeepalivedBackup_BothUseVmac_KeepalivedStaysBackupThenTakesOverOnSigterm()
    {
        LabPolicy.RequireTool("keepalived");
        using var lab = new Topology();
        var kad = lab.StartKad(lab.High, Config(150));
        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.High), Converge), Is.True, kad.Output);
        var keepalived = lab.StartKeepalived(lab.Low, Config(100), out _);
        Assert.That(keepalived.WaitForOutput("Entering BACKUP STATE", Converge), Is.True, keepalived.Output);

        Thread.Sleep(5000); // longer than keepalived's master-down interval
        using (Assert.EnterMultipleScope())
        {
            Assert.That(keepalived.Output, Does.Not.Contain("Entering MASTER STATE"), "keepalived stays backup on kad's adverts");
            Assert.That(keepalived.Output, Does.Not.Match("(?i)invalid|bad |mismatch"), "keepalived accepts kad's adverts");
            Assert.That(lab.Link(lab.Low), Does.Contain("macvlan mode private").And.Contain(VirtualMac), "keepalived made the same VMAC");
        }

        kad.Signal(15);

        Assert.That(KadBinaries.WaitUntil(() => lab.HasVmacWithVip(lab.Low), TimeSpan.FromSeconds(10)), Is.True, keepalived.Output);
        Assert.That(kad.WaitForExit(TimeSpan.FromSeconds(20)), Is.True);
        Assert.That(lab.Link(lab.High), Is.Empty, "kad deleted its VMAC");
    }

    private static int IfIndex(Topology lab, string ns) =>
        int.Parse(lab.Lab.ExecChecked(ns, "cat", $"/sys/class/net/{Vmac}/ifindex").StandardOutput.Trim(), CultureInfo.InvariantCulture);
}
