using System.Net;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.Engine;

public class VrrpInstanceTests
{
    private static readonly IPAddress Source = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("10.0.0.2");

    private static VrrpInstanceOptions Options(byte priority = 100) => new()
    {
        Name = "VI_1",
        Interface = "eth0",
        VirtualRouterId = 7,
        Priority = priority,
        VirtualAddresses = [VirtualAddress.Host(IPAddress.Parse("10.0.0.100")), VirtualAddress.Host(IPAddress.Parse("10.0.0.101"))],
        ExcludedAddresses = [VirtualAddress.Host(IPAddress.Parse("10.0.0.200"))],
        Garp = new GarpOptions { MasterDelay = TimeSpan.FromSeconds(5), MasterRepeat = 2, MasterRefresh = TimeSpan.FromSeconds(60), MasterRefreshRepeat = 1 },
    };

    private sealed class Setup
    {
        public FakeTimeProvider Clock { get; } = new();
        public RecordingAddressPort Addresses { get; } = new();
        public RecordingNotifyPort Notify { get; } = new();
        public CountingWire Wire { get; } = new();
        public VrrpInstance Instance { get; }

        public Setup(VrrpInstanceOptions options)
        {
            Instance = new VrrpInstance(options, Clock, Addresses, Notify);
            Instance.Bind(Wire, Source);
            Instance.Start();
        }

        public void Advance(TimeSpan by)
        {
            var end = Clock.GetTimestamp() + by.Ticks;
            while (Instance.NextDeadline is { } deadline && deadline <= end)
            {
                Clock.Advance(TimeSpan.FromTicks(Math.Max(0, deadline - Clock.GetTimestamp())));
                Instance.OnTimer();
            }

            Clock.Advance(TimeSpan.FromTicks(end - Clock.GetTimestamp()));
        }

        public byte[] AdvertFrom(IPAddress from, byte priority, VrrpAdvertTemplate? template = null)
        {
            template ??= Instance.Template;
            var buffer = new byte[20 + template.MessageLength];
            template.WriteIPv4Datagram(buffer, priority, from.GetAddressBytes(), [224, 0, 0, 18], 1);
            return buffer;
        }

        public void Receive(byte[] datagram)
        {
            Assert.That(VrrpPacket.TryParse(datagram, out var packet, out var reason), Is.True, reason.ToString());
            Instance.HandleAdvert(packet);
        }
    }

    [Test]
    public void BecomingMaster_InstallsAllAddressesAnnouncesAndNotifies()
    {
        var setup = new Setup(Options());

        setup.Advance(TimeSpan.FromSeconds(4));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(setup.Instance.State, Is.EqualTo(VrrpState.Master));
            Assert.That(setup.Addresses.Installed, Is.EquivalentTo(new[] { "10.0.0.100", "10.0.0.101", "10.0.0.200" }));
            Assert.That(setup.Wire.AnnouncedFrames, Is.EqualTo(2 * 3));
            Assert.That(setup.Notify.Notifications.Select(n => n.StateWord), Is.EqualTo(new[] { "BACKUP", "MASTER" }));
        }
    }

    [Test]
    public void Master_GarpMasterDelayAndRefresh_AnnounceAgain()
    {
        var setup = new Setup(Options());
        setup.Advance(TimeSpan.FromSeconds(4));
        var first = setup.Wire.AnnouncedFrames;

        setup.Advance(TimeSpan.FromSeconds(5));
        var afterDelay = setup.Wire.AnnouncedFrames;
        setup.Advance(TimeSpan.FromSeconds(60));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterDelay - first, Is.EqualTo(2 * 3), "garp_master_delay burst: repeat 2 × 3 addresses");
            Assert.That(setup.Wire.AnnouncedFrames - afterDelay, Is.EqualTo(1 * 3), "garp_master_refresh: repeat 1 × 3 addresses");
        }
    }

    [Test]
    public void Reconfigure_MasterVipAddedAndRemoved_StaysMasterInstallsAnnouncesOnlyTheNewOne()
    {
        var setup = new Setup(Options());
        setup.Advance(TimeSpan.FromSeconds(4));
        var frames = setup.Wire.AnnouncedFrames;
        var transitions = setup.Notify.Notifications.Count;
        var next = Options() with
        {
            VirtualAddresses = [VirtualAddress.Host(IPAddress.Parse("10.0.0.100")), VirtualAddress.Host(IPAddress.Parse("10.0.0.102"))],
        };

        setup.Instance.Reconfigure(next);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(setup.Instance.State, Is.EqualTo(VrrpState.Master));
            Assert.That(setup.Notify.Notifications, Has.Count.EqualTo(transitions), "no transition");
            Assert.That(setup.Addresses.Installed, Is.EquivalentTo(new[] { "10.0.0.100", "10.0.0.102", "10.0.0.200" }));
            Assert.That(setup.Wire.AnnouncedFrames - frames, Is.EqualTo(2 * 1), "garp_master_repeat 2 × the one new address");
            Assert.That(setup.Wire.Refreshes, Is.EqualTo(1), "adverts prepared again");
            Assert.That(setup.Instance.Template.AddressCount, Is.EqualTo(2));
        }
    }

    [Test]
    public void Reconfigure_Backup_NewListUsedForAdvertsNothingInstalled()
    {
        var setup = new Setup(Options());
        var next = Options() with { VirtualAddresses = [VirtualAddress.Host(IPAddress.Parse("10.0.0.150"))] };

        setup.Instance.Reconfigure(next);
        setup.Receive(setup.AdvertFrom(Peer, 200));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(setup.Instance.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(setup.Addresses.Installed, Is.Empty);
            Assert.That(setup.Instance.AdvertsReceived, Is.EqualTo(1), "an advert with the new list passes the address check");
        }
    }

    [TestCase("priority")]
    [TestCase("vrid")]
    [TestCase("interval")]
    [TestCase("family")]
    public void Reconfigure_ElectionRelevantChange_Refused(string what)
    {
        var setup = new Setup(Options());
        var current = Options();
        var next = what switch
        {
            "priority" => current with { Priority = 101 },
            "vrid" => current with { VirtualRouterId = 8 },
            "interval" => current with { AdvertisementInterval = TimeSpan.FromSeconds(2) },
            _ => current with { VirtualAddresses = [VirtualAddress.Host(IPAddress.Parse("fd00::1"))], ExcludedAddresses = [], Version = VrrpVersion.V3 },
        };

        Assert.That(VrrpInstance.CanReconfigure(current, next), Is.False);
        Assert.That(() => setup.Instance.Reconfigure(next), Throws.ArgumentException);
        Assert.That(setup.Instance.Options.Priority, Is.EqualTo(100), "the running options are kept");
    }

    [Test]
    public void Master_LowerPriorityAdvert_ReportsNotifyMasterRxLowerPri()
    {
        var setup = new Setup(Options());
        setup.Advance(TimeSpan.FromSeconds(4));

        setup.Receive(setup.AdvertFrom(Peer, 50));
        setup.Receive(setup.AdvertFrom(Peer, 0));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(setup.Instance.State, Is.EqualTo(VrrpState.Master));
            Assert.That(setup.Notify.LowerPriorityAdverts, Is.EqualTo(new[] { "VI_1" }), "priority 50 reports; a resignation (0) does not");
        }
    }

    [Test]
    public void Backup_LowerPriorityAdvert_ReportsNothing()
    {
        var setup = new Setup(Options());

        setup.Receive(setup.AdvertFrom(Peer, 50));

        Assert.That(setup.Notify.LowerPriorityAdverts, Is.Empty);
    }

    [Test]
    public void LeavingMaster_RemovesAddressesAndStopsAnnouncing()
    {
        var setup = new Setup(Options());
        setup.Advance(TimeSpan.FromSeconds(4));

        setup.Receive(setup.AdvertFrom(Peer, 200));
        var frames = setup.Wire.AnnouncedFrames;
        setup.Advance(TimeSpan.FromSeconds(3));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(setup.Instance.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(setup.Addresses.Installed, Is.Empty);
            Assert.That(setup.Wire.AnnouncedFrames, Is.EqualTo(frames));
        }
    }

    [Test]
    public void Stop_AsMaster_SendsPriorityZeroAndReleases()
    {
        var setup = new Setup(Options());
        setup.Advance(TimeSpan.FromSeconds(4));

        setup.Instance.Stop();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(setup.Wire.LastPriority, Is.Zero);
            Assert.That(setup.Addresses.Installed, Is.Empty);
            Assert.That(setup.Notify.Notifications[^1].StateWord, Is.EqualTo("STOP"));
        }
    }

    [Test]
    public void HandleAdvert_FilteredOut_CountsReasonAndLeavesStateAlone()
    {
        var setup = new Setup(Options());
        var wrongVips = VrrpAdvertTemplate.Create(VrrpVersion.V2, 7, TimeSpan.FromSeconds(1), [IPAddress.Parse("10.9.9.9")]);

        for (var i = 0; i < 10; i++)
        {
            setup.Advance(TimeSpan.FromSeconds(1));
            if (setup.Instance.State == VrrpState.Backup)
            {
                setup.Receive(setup.AdvertFrom(Peer, 250, wrongVips));
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(setup.Instance.State, Is.EqualTo(VrrpState.Master), "a rejected advert must not hold us in backup");
            Assert.That(setup.Instance.Drops[VrrpDropReason.AddressListMismatch], Is.GreaterThanOrEqualTo(3));
            Assert.That(setup.Instance.AdvertsReceived, Is.Zero);
        }
    }

    [Test]
    public void HandleAdvert_OurOwnLoopedBack_IsDroppedAsOwnAdvert()
    {
        var setup = new Setup(Options());

        setup.Receive(setup.AdvertFrom(Source, 100));

        Assert.That(setup.Instance.Drops[VrrpDropReason.OwnAdvert], Is.EqualTo(1));
    }

    [TestCase(100, -30, ExpectedResult = 70)]
    [TestCase(100, -200, ExpectedResult = 1)]
    [TestCase(200, 100, ExpectedResult = 254)]
    [TestCase(255, -50, ExpectedResult = 255)]
    public int EffectivePriority_Adjustment_IsClampedLikeKeepalived(int configured, int adjustment) =>
        VrrpInstance.EffectivePriority((byte)configured, adjustment);

    [Test]
    public void SteadyState_MasterAdvertsAndBackupReceives_AllocateNothing()
    {
        var master = new Setup(Options());
        master.Advance(TimeSpan.FromSeconds(4));
        var backup = new Setup(Options(priority: 50));
        var advert = backup.AdvertFrom(Peer, 100);
        Warm(master, backup, advert);

        long allocated = 0;
        for (var i = 0; i < 1000; i++)
        {
            allocated += Step(master, backup, advert);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(allocated, Is.Zero);
            Assert.That(master.Wire.Adverts, Is.GreaterThan(1000));
            Assert.That(backup.Instance.AdvertsReceived, Is.GreaterThan(1000));
            Assert.That(backup.Instance.State, Is.EqualTo(VrrpState.Backup));
        }
    }

    private static void Warm(Setup master, Setup backup, byte[] advert)
    {
        for (var i = 0; i < 50; i++)
        {
            Step(master, backup, advert);
        }
    }

    /// <summary>
    /// The calls the interface thread makes in steady state — fire the adver timer; parse and handle an advert — with
    /// the bytes they allocated (the fake clock's own bookkeeping is outside the measurement).
    /// </summary>
    private static long Step(Setup master, Setup backup, byte[] advert)
    {
        master.Clock.Advance(TimeSpan.FromSeconds(1));
        backup.Clock.Advance(TimeSpan.FromSeconds(1));
        var before = GC.GetAllocatedBytesForCurrentThread();
        _ = master.Instance.NextDeadline;
        master.Instance.OnTimer();
        if (VrrpPacket.TryParse(advert, out var packet, out _))
        {
            backup.Instance.HandleAdvert(packet);
        }

        _ = backup.Instance.NextDeadline;
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
