using System.Diagnostics;
using System.Net;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// Options that change what goes on the wire, seen by a sniffer on the peer: mcast_dst_ip (advert destination and
/// the group joined), vrrp_garp_interval (GARPs spread out), unicast_ttl (the TTL of unicast adverts, which a
/// unicast peer accepts).
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
public class WireOptionsLabTests
{
    private static readonly IPAddress Vip1 = IPAddress.Parse("10.77.0.100");
    private static readonly IPAddress Vip2 = IPAddress.Parse("10.77.0.101");

    [SetUp]
    public void RequireLab() => NamespaceLab.RequireAvailable();

    private static (string A, string B) Topology(NamespaceLab lab)
    {
        var a = lab.AddNamespace("wa");
        var b = lab.AddNamespace("wb");
        lab.Connect(a, "eth0", "10.77.0.1/24");
        lab.Connect(b, "eth0", "10.77.0.2/24");
        return (a, b);
    }

    [Test]
    public void McastDstIpAndGarpInterval_AdvertsToThatGroupAndGarpsSpacedOut()
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB) = Topology(lab);
        var group = IPAddress.Parse("224.0.0.99");
        using var sniffer = new FrameSniffer(nsB);
        var instance = new VrrpInstance(new VrrpInstanceOptions
        {
            Name = "VI_1",
            Interface = "eth0",
            VirtualRouterId = 40,
            Priority = 255,
            MulticastGroup = group,
            VirtualAddresses = [VirtualAddress.Host(Vip1), VirtualAddress.Host(Vip2)],
            Garp = new GarpOptions { MasterDelay = TimeSpan.Zero, MasterRepeat = 3, ArpSpacing = TimeSpan.FromMilliseconds(200) },
        }, TimeProvider.System, new LabAddressPort(nsA));
        // A kad backup on the same custom group: it hears the master only if the group was joined on its side too.
        var backup = new VrrpInstance(new VrrpInstanceOptions
        {
            Name = "VI_1",
            Interface = "eth0",
            VirtualRouterId = 40,
            Priority = 100,
            MulticastGroup = group,
            VirtualAddresses = [VirtualAddress.Host(Vip1), VirtualAddress.Host(Vip2)],
        }, TimeProvider.System, new LabAddressPort(nsB));
        using var backupLoop = KeepalivedInteropTests.StartKad(nsB, backup);
        using var loop = KeepalivedInteropTests.StartKad(nsA, instance);

        bool IsGarp(byte[] f) => FrameSniffer.IsGratuitousArp(f, Vip1) || FrameSniffer.IsGratuitousArp(f, Vip2);
        Assert.That(KeepalivedInteropTests.WaitUntil(() => sniffer.TimesOf(IsGarp).Count >= 6, TimeSpan.FromSeconds(10)), Is.True, "3 GARPs for each of 2 VIPs");
        Thread.Sleep(4000);
        var adverts = sniffer.Frames.Where(FrameSniffer.IsIPv4Advert).ToList();
        var garps = sniffer.TimesOf(IsGarp);
        var span = Stopwatch.GetElapsedTime(garps[0], garps[^1]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(adverts, Is.Not.Empty);
            Assert.That(adverts.All(f => f.AsSpan(30, 4).SequenceEqual(group.GetAddressBytes())), Is.True, "every advert goes to mcast_dst_ip");
            Assert.That(instance.State, Is.EqualTo(VrrpState.Master));
            Assert.That(backup.State, Is.EqualTo(VrrpState.Backup), "the backup joined the same group and hears the master");
            Assert.That(backup.AdvertsReceived, Is.GreaterThan(0));
            Assert.That(garps, Has.Count.EqualTo(6), "no more after the burst (no second burst configured)");
            // Six frames 200 ms apart span 1 s; back to back they would take a few milliseconds. Generous bound.
            Assert.That(span, Is.GreaterThan(TimeSpan.FromMilliseconds(500)), "GARPs were spaced by vrrp_garp_interval");
        }
    }

    [Test]
    public void UnicastTtl_AdvertsCarryItAndTheUnicastPeerAcceptsThem()
    {
        using var lab = new NamespaceLab();
        var (nsA, nsB) = Topology(lab);
        using var sniffer = new FrameSniffer(nsB);
        VrrpInstanceOptions Options(byte priority, string peer) => new()
        {
            Name = "VI_1",
            Interface = "eth0",
            VirtualRouterId = 41,
            Priority = priority,
            UnicastPeers = [IPAddress.Parse(peer)],
            UnicastTtl = 64,
            AdvertisementInterval = TimeSpan.FromSeconds(1),
            VirtualAddresses = [VirtualAddress.Host(Vip1)],
        };
        var master = new VrrpInstance(Options(200, "10.77.0.2"), TimeProvider.System, new LabAddressPort(nsA));
        var backup = new VrrpInstance(Options(100, "10.77.0.1"), TimeProvider.System, new LabAddressPort(nsB));
        using var backupLoop = KeepalivedInteropTests.StartKad(nsB, backup);
        using var masterLoop = KeepalivedInteropTests.StartKad(nsA, master);

        Assert.That(KeepalivedInteropTests.WaitUntil(() => master.State == VrrpState.Master && backup.AdvertsReceived >= 3, TimeSpan.FromSeconds(15)), Is.True,
            $"master {master.State}, backup {backup.State} received {backup.AdvertsReceived}");
        var fromMaster = sniffer.Frames.Where(f => FrameSniffer.IsIPv4Advert(f) && f.AsSpan(26, 4).SequenceEqual(new byte[] { 10, 77, 0, 1 })).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fromMaster, Is.Not.Empty);
            Assert.That(fromMaster.Select(f => f[22]).Distinct(), Is.EqualTo(new byte[] { 64 }), "IPv4 TTL = unicast_ttl");
            Assert.That(backup.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(backup.Drops.Total, Is.Zero);
        }
    }
}
