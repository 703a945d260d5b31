using System.Net;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.StateMachine;
using Kad.Vrrp.Tracking;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// The whole engine (tracking → priority / fault → wire) against a plain kad director: a track_file lowering the
/// priority hands the VIP over and back; a tracked link going down puts the master in Fault, which resigns at once.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
public class EngineLabTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("10.78.0.100");

    [SetUp]
    public void RequireLab() => NamespaceLab.RequireAvailable();

    private sealed class FakeLinks : ILinkStateSource
    {
        private readonly Dictionary<string, bool> _up = [];

        public event Action<string, bool>? LinkChanged;

        public bool IsUp(string interfaceName) => _up.GetValueOrDefault(interfaceName, true);

        public void Set(string interfaceName, bool up)
        {
            _up[interfaceName] = up;
            LinkChanged?.Invoke(interfaceName, up);
        }
    }

    private static VrrpInstanceOptions Options(byte priority) => new()
    {
        Name = "VI_1",
        Interface = "eth0",
        VirtualRouterId = 60,
        Priority = priority,
        VirtualAddresses = [VirtualAddress.Host(Vip)],
        Garp = new GarpOptions { MasterDelay = TimeSpan.Zero, MasterRepeat = 1 },
    };

    private static (string A, string B) Topology(NamespaceLab lab)
    {
        var a = lab.AddNamespace("ea");
        var b = lab.AddNamespace("eb");
        lab.Connect(a, "eth0", "10.78.0.1/24");
        lab.Connect(b, "eth0", "10.78.0.2/24");
        return (a, b);
    }

    private static bool HasVip(NamespaceLab lab, string ns) =>
        lab.Exec(ns, "ip", "-o", "addr", "show", "dev", "eth0").StandardOutput.Contains($" {Vip}/", StringComparison.Ordinal);

    [Test]
    public async Task TrackFile_LowersPriority_VipMovesToPeerAndBack()
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB) = Topology(lab);
        var file = Path.Combine(Path.GetTempPath(), $"kad-track-{lab.Suffix}");
        await File.WriteAllTextAsync(file, "0\n");
        try
        {
            var notify = new ConcurrentNotify();
            await using var engine = new VrrpEngine(
                new VrrpEngineOptions
                {
                    Instances = [new VrrpInstanceSettings(Options(150), new VrrpTrackingOptions { Files = [new TrackedFileOptions("prio", file, Weight: 1)] })],
                    TrackFilePollInterval = TimeSpan.FromMilliseconds(200),
                },
                new VrrpEnginePorts(new LabAddressPort(nsA), notify, new ProcessScriptRunner()) { OnThreadStart = () => Netns.Enter(nsA) });
            await engine.StartAsync(CancellationToken.None);
            var peer = new VrrpInstance(Options(100), TimeProvider.System, new LabAddressPort(nsB));
            using var peerLoop = KeepalivedInteropTests.StartKad(nsB, peer);
            var a = engine.Instance("VI_1");
            Assert.That(KeepalivedInteropTests.WaitUntil(() => a.State == VrrpState.Master && peer.State == VrrpState.Backup && HasVip(lab, nsA), TimeSpan.FromSeconds(10)), Is.True);

            await File.WriteAllTextAsync(file, "-100\n"); // 150 − 100 = 50 < 100
            Assert.That(KeepalivedInteropTests.WaitUntil(() => peer.State == VrrpState.Master && a.State == VrrpState.Backup && HasVip(lab, nsB) && !HasVip(lab, nsA), TimeSpan.FromSeconds(8)), Is.True,
                $"a={a.State}/{a.Priority} peer={peer.State}");
            Assert.That(a.Priority, Is.EqualTo(50));

            await File.WriteAllTextAsync(file, "0\n");
            Assert.That(KeepalivedInteropTests.WaitUntil(() => a.State == VrrpState.Master && HasVip(lab, nsA) && !HasVip(lab, nsB), TimeSpan.FromSeconds(8)), Is.True,
                $"a={a.State}/{a.Priority} peer={peer.State}");
            Assert.That(notify.States("VI_1"), Is.EqualTo(new[] { "BACKUP", "MASTER", "BACKUP", "MASTER" }));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task TrackedLinkDown_MasterGoesFaultAndResigns_PeerTakesOverWithinSkew()
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB) = Topology(lab);
        var links = new FakeLinks();
        await using var engine = new VrrpEngine(
            new VrrpEngineOptions { Instances = [new VrrpInstanceSettings(Options(150), new VrrpTrackingOptions { Interfaces = [new TrackedInterfaceOptions("uplink")] })] },
            new VrrpEnginePorts(new LabAddressPort(nsA), NullNotifyPort.Instance, new ProcessScriptRunner(), links) { OnThreadStart = () => Netns.Enter(nsA) });
        await engine.StartAsync(CancellationToken.None);
        var peer = new VrrpInstance(Options(100), TimeProvider.System, new LabAddressPort(nsB));
        using var peerLoop = KeepalivedInteropTests.StartKad(nsB, peer);
        var a = engine.Instance("VI_1");
        Assert.That(KeepalivedInteropTests.WaitUntil(() => a.State == VrrpState.Master && peer.State == VrrpState.Backup, TimeSpan.FromSeconds(10)), Is.True);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        links.Set("uplink", false);
        Assert.That(KeepalivedInteropTests.WaitUntil(() => peer.State == VrrpState.Master && HasVip(lab, nsB), TimeSpan.FromSeconds(3)), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(a.State, Is.EqualTo(VrrpState.Fault));
            Assert.That(HasVip(lab, nsA), Is.False);
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "priority 0 on fault: the peer waits skew time only");
        }

        links.Set("uplink", true);
        Assert.That(KeepalivedInteropTests.WaitUntil(() => a.State == VrrpState.Master && HasVip(lab, nsA) && !HasVip(lab, nsB), TimeSpan.FromSeconds(8)), Is.True,
            $"a={a.State} peer={peer.State}");
    }

    private sealed class ConcurrentNotify : IVrrpNotifyPort
    {
        private readonly List<VrrpNotification> _all = [];

        public void Notify(VrrpNotification notification)
        {
            lock (_all)
            {
                _all.Add(notification);
            }
        }

        public List<string> States(string name)
        {
            lock (_all)
            {
                return [.. _all.Where(n => n.Name == name && n.Kind == VrrpNotification.InstanceKind).Select(n => n.StateWord)];
            }
        }
    }
}
