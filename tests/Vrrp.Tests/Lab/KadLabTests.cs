using System.Net;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// Two kad engines (each interface thread inside its own namespace) on one bridge, with a sniffer namespace watching
/// the wire: election, failover with gratuitous ARP, preemption with and without <c>nopreempt</c>, unicast, IPv6
/// with unsolicited NA, and no allocation on the interface thread in steady state.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
public class KadLabTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("10.78.0.100");
    private static readonly IPAddress Vip6 = IPAddress.Parse("fd00:78::100");
    private static readonly IPAddress AddressA = IPAddress.Parse("10.78.0.1");
    private static readonly IPAddress AddressB = IPAddress.Parse("10.78.0.2");

    [SetUp]
    public void RequireLab() => NamespaceLab.RequireAvailable();

    private sealed class Director(string ns, VrrpInstance instance, VrrpInterfaceLoop loop) : IDisposable
    {
        public string Ns { get; } = ns;
        public VrrpInstance Instance { get; } = instance;
        public VrrpInterfaceLoop Loop { get; } = loop;

        public void Dispose() => Loop.Dispose();
    }

    private static (string A, string B, string Sniffer) Topology(NamespaceLab lab)
    {
        var a = lab.AddNamespace("a");
        var b = lab.AddNamespace("b");
        var s = lab.AddNamespace("s");
        lab.Connect(a, "eth0", AddressA + "/24");
        lab.Connect(b, "eth0", AddressB + "/24");
        lab.Connect(s, "eth0", "10.78.0.9/24");
        return (a, b, s);
    }

    private static Director StartDirector(string ns, byte priority, bool preempt = true, IPAddress[]? peers = null, IPAddress? source = null, bool ipv6 = false)
    {
        var instance = new VrrpInstance(new VrrpInstanceOptions
        {
            Name = "VI_1",
            Interface = "eth0",
            VirtualRouterId = 60,
            Priority = priority,
            Preempt = preempt,
            Version = ipv6 ? VrrpVersion.V3 : VrrpVersion.V2,
            AdvertisementInterval = ipv6 ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(1),
            VirtualAddresses = [VirtualAddress.Host(ipv6 ? Vip6 : Vip)],
            UnicastPeers = peers ?? [],
            SourceAddress = source,
            Garp = new GarpOptions { MasterDelay = TimeSpan.Zero, MasterRepeat = 2 },
        }, TimeProvider.System, new LabAddressPort(ns));
        var loop = KeepalivedInteropTests.StartKad(ns, instance);
        return new Director(ns, instance, loop);
    }

    private static bool HasAddress(NamespaceLab lab, string ns, IPAddress address) =>
        lab.Exec(ns, "ip", "-o", "addr", "show", "dev", "eth0").StandardOutput.Contains($" {address}/", StringComparison.Ordinal);

    private static byte[] MacOf(NamespaceLab lab, string ns) =>
        Convert.FromHexString(lab.ExecChecked(ns, "cat", "/sys/class/net/eth0/address").StandardOutput.Trim().Replace(":", "", StringComparison.Ordinal));

    [Test]
    public void EqualPriority_ExactlyOneMaster_StopMovesVipWithGratuitousArp()
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB, nsS) = Topology(lab);
        using var sniffer = new FrameSniffer(nsS);
        using var a = StartDirector(nsA, 100);
        using var b = StartDirector(nsB, 100);

        // Equal priorities: whichever times out first is master and the other, a backup, accepts its equal-priority adverts.
        Assert.That(KeepalivedInteropTests.WaitUntil(() => new[] { a, b }.Count(d => d.Instance.State == VrrpState.Master) == 1
            && new[] { a, b }.Count(d => d.Instance.State == VrrpState.Backup) == 1, TimeSpan.FromSeconds(10)), Is.True,
            $"a={a.Instance.State} b={b.Instance.State}");
        Thread.Sleep(2000);
        var master = a.Instance.State == VrrpState.Master ? a : b;
        var backup = master == a ? b : a;
        Assert.That(KeepalivedInteropTests.WaitUntil(() => HasAddress(lab, master.Ns, Vip), TimeSpan.FromSeconds(3)), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(master.Instance.State, Is.EqualTo(VrrpState.Master), "still exactly one master after 2 s");
            Assert.That(backup.Instance.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(HasAddress(lab, backup.Ns, Vip), Is.False);
        }

        var masterMac = MacOf(lab, master.Ns);
        Assert.That(sniffer.WaitFor(f => FrameSniffer.IsGratuitousArp(f, Vip) && FrameSniffer.SourceMac(f).SequenceEqual(masterMac), TimeSpan.FromSeconds(3)), Is.True, "the master's gratuitous ARP on the bridge");

        master.Loop.Stop(TimeSpan.FromSeconds(5));
        var backupMac = MacOf(lab, backup.Ns);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(KeepalivedInteropTests.WaitUntil(() => HasAddress(lab, backup.Ns, Vip), TimeSpan.FromSeconds(3)), Is.True, "the backup took the VIP after priority 0");
            Assert.That(HasAddress(lab, master.Ns, Vip), Is.False, "the stopped master released the VIP");
            Assert.That(sniffer.WaitFor(f => FrameSniffer.IsGratuitousArp(f, Vip) && FrameSniffer.SourceMac(f).SequenceEqual(backupMac), TimeSpan.FromSeconds(3)), Is.True, "the new master's gratuitous ARP");
            Assert.That(a.Instance.Drops.Total + b.Instance.Drops.Total, Is.Zero);
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void OldMasterReturns_PreemptsBackOnlyWithoutNopreempt(bool preempt)
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB, _) = Topology(lab);
        var a = StartDirector(nsA, 150, preempt);
        using var b = StartDirector(nsB, 100, preempt);
        try
        {
            Assert.That(KeepalivedInteropTests.WaitUntil(() => a.Instance.State == VrrpState.Master && b.Instance.State == VrrpState.Backup, TimeSpan.FromSeconds(10)), Is.True);
            a.Loop.Stop(TimeSpan.FromSeconds(5));
            Assert.That(KeepalivedInteropTests.WaitUntil(() => b.Instance.State == VrrpState.Master && HasAddress(lab, nsB, Vip), TimeSpan.FromSeconds(5)), Is.True, "failover to B");
        }
        finally
        {
            a.Dispose();
        }

        using var returned = StartDirector(nsA, 150, preempt);
        Thread.Sleep(6000); // beyond A's master-down interval (3.4 s)

        using (Assert.EnterMultipleScope())
        {
            var expectedMaster = preempt ? returned : b;
            var expectedBackup = preempt ? b : returned;
            Assert.That(expectedMaster.Instance.State, Is.EqualTo(VrrpState.Master));
            Assert.That(expectedBackup.Instance.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(HasAddress(lab, expectedMaster.Ns, Vip), Is.True);
            Assert.That(HasAddress(lab, expectedBackup.Ns, Vip), Is.False);
        }
    }

    [Test]
    public void Unicast_TwoDirectors_ElectOneAndFailOver()
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB, _) = Topology(lab);
        using var a = StartDirector(nsA, 100, peers: [AddressB], source: AddressA);
        using var b = StartDirector(nsB, 150, peers: [AddressA], source: AddressB);

        Assert.That(KeepalivedInteropTests.WaitUntil(() => b.Instance.State == VrrpState.Master && a.Instance.State == VrrpState.Backup, TimeSpan.FromSeconds(10)), Is.True,
            $"a={a.Instance.State} b={b.Instance.State}");
        Assert.That(KeepalivedInteropTests.WaitUntil(() => a.Instance.AdvertsReceived > 0, TimeSpan.FromSeconds(3)), Is.True, "A hears B's unicast adverts");
        b.Loop.Stop(TimeSpan.FromSeconds(5));

        Assert.That(KeepalivedInteropTests.WaitUntil(() => HasAddress(lab, nsA, Vip), TimeSpan.FromSeconds(3)), Is.True);
    }

    [Test]
    public void IPv6_V3Directors_ElectOneAndAnnounceWithUnsolicitedNa()
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB, nsS) = Topology(lab);
        foreach (var ns in new[] { nsA, nsB })
        {
            // The link-local address must finish duplicate address detection before it can be bound.
            Assert.That(KeepalivedInteropTests.WaitUntil(
                () => lab.Exec(ns, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link") is { ExitCode: 0 } r
                    && r.StandardOutput.Contains("fe80", StringComparison.Ordinal) && !r.StandardOutput.Contains("tentative", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10)), Is.True, "link-local ready in " + ns);
        }

        using var sniffer = new FrameSniffer(nsS);
        using var a = StartDirector(nsA, 100, ipv6: true);
        using var b = StartDirector(nsB, 200, ipv6: true);

        Assert.That(KeepalivedInteropTests.WaitUntil(() => b.Instance.State == VrrpState.Master && a.Instance.State == VrrpState.Backup, TimeSpan.FromSeconds(10)), Is.True,
            $"a={a.Instance.State} b={b.Instance.State} drops a: {string.Join(",", a.Instance.Drops.Snapshot())}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(KeepalivedInteropTests.WaitUntil(() => HasAddress(lab, nsB, Vip6), TimeSpan.FromSeconds(3)), Is.True);
            Assert.That(sniffer.WaitFor(f => FrameSniffer.IsNeighborAdvertisement(f, Vip6), TimeSpan.FromSeconds(3)), Is.True, "unsolicited NA on the bridge");
            Assert.That(a.Instance.AdvertsReceived, Is.GreaterThan(0));
            Assert.That(a.Instance.Drops.Total, Is.Zero);
        }

        b.Loop.Stop(TimeSpan.FromSeconds(5));
        Assert.That(KeepalivedInteropTests.WaitUntil(() => a.Instance.State == VrrpState.Master && HasAddress(lab, nsA, Vip6), TimeSpan.FromSeconds(3)), Is.True);
    }

    [Test]
    public void SteadyState_InterfaceThreads_AllocateNothing()
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB, _) = Topology(lab);
        using var a = StartDirector(nsA, 100);
        using var b = StartDirector(nsB, 150);
        Assert.That(KeepalivedInteropTests.WaitUntil(() => b.Instance.State == VrrpState.Master && a.Instance.State == VrrpState.Backup, TimeSpan.FromSeconds(10)), Is.True);
        Thread.Sleep(1500); // let the first-advert paths (JIT, tiering) settle

        var measuredA = Measure(a.Loop, TimeSpan.FromSeconds(4));
        var measuredB = Measure(b.Loop, TimeSpan.FromSeconds(4));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(measuredA.Allocated, Is.Zero, "backup thread (receiving adverts)");
            Assert.That(measuredB.Allocated, Is.Zero, "master thread (sending adverts)");
            Assert.That(measuredA.Received, Is.GreaterThanOrEqualTo(3));
            Assert.That(measuredB.Sent, Is.GreaterThanOrEqualTo(3));
        }
    }

    [Test]
    public void RealtimePriority_InterfaceThread_RunsUnderSchedRr()
    {
        using var lab = new NamespaceLab();
        var (nsA, _, _) = Topology(lab);
        var instance = new VrrpInstance(new VrrpInstanceOptions
        {
            Name = "VI_1",
            Interface = "eth0",
            VirtualRouterId = 60,
            VirtualAddresses = [VirtualAddress.Host(Vip)],
        }, TimeProvider.System, new LabAddressPort(nsA));
        using var loop = new VrrpInterfaceLoop("eth0", [instance], onThreadStart: () => Netns.Enter(nsA), realtimePriority: 10);
        loop.Start();
        Assert.That(loop.Started.Wait(TimeSpan.FromSeconds(10)), Is.True);
        var policy = new TaskCompletionSource<int>();

        loop.Post(() => policy.SetResult(VrrpInterfaceLoop.CurrentThreadSchedulingPolicy()));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(policy.Task.Wait(TimeSpan.FromSeconds(3)), Is.True);
            Assert.That(policy.Task.Result, Is.EqualTo(2), "SCHED_RR");
            Assert.That(VrrpInterfaceLoop.CurrentThreadSchedulingPolicy(), Is.Zero, "only the interface thread changed");
        }
    }

    /// <summary>Bytes allocated on a loop's own thread between two posted probes, and the adverts handled meanwhile.</summary>
    private static (long Allocated, long Received, long Sent) Measure(VrrpInterfaceLoop loop, TimeSpan window)
    {
        var instance = loop.Instances[0];
        var first = new TaskCompletionSource<(long, long, long)>();
        var second = new TaskCompletionSource<(long, long, long)>();
        loop.Post(() => first.SetResult((GC.GetAllocatedBytesForCurrentThread(), instance.AdvertsReceived, instance.AdvertsSent)));
        Assert.That(first.Task.Wait(TimeSpan.FromSeconds(3)), Is.True);
        Thread.Sleep(window);
        loop.Post(() => second.SetResult((GC.GetAllocatedBytesForCurrentThread(), instance.AdvertsReceived, instance.AdvertsSent)));
        Assert.That(second.Task.Wait(TimeSpan.FromSeconds(3)), Is.True);
        var (bytes0, received0, sent0) = first.Task.Result;
        var (bytes1, received1, sent1) = second.Task.Result;
        return (bytes1 - bytes0, received1 - received0, sent1 - sent0);
    }
}
