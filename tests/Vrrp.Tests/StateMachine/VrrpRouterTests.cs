using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.StateMachine;

/// <summary>Every transition of RFC 5798 §6.4 (and keepalived's Fault), under a fake clock.</summary>
public class VrrpRouterTests
{
    private static readonly UInt128 Ours = 0xC0A8010A;       // 192.168.1.10
    private static readonly UInt128 Higher = 0xC0A8010B;     // 192.168.1.11
    private static readonly UInt128 Lower = 0xC0A80109;      // 192.168.1.9
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    // Priority 100, 1 s: Skew_Time = 156/256 s = 0.609375 s; Master_Down_Interval = 3.609375 s.
    private static readonly TimeSpan Skew100 = TimeSpan.FromTicks(156 * TimeSpan.TicksPerSecond / 256);
    private static readonly TimeSpan Down100 = (3 * Second) + Skew100;

    private static RouterHarness Started(VrrpRouterOptions? options = null)
    {
        var harness = new RouterHarness(options ?? new VrrpRouterOptions { PrimaryAddress = Ours });
        harness.Router.Start();
        return harness;
    }

    private static RouterHarness StartedMaster(VrrpRouterOptions? options = null)
    {
        var harness = Started(options);
        harness.Advance(Down100 + TimeSpan.FromMilliseconds(1));
        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master), "precondition: master");
        harness.Adverts.Clear();
        harness.Changes.Clear();
        return harness;
    }

    // ---- timers ----

    [Test]
    public void SkewTime_Priority100OneSecond_IsRfcFormula()
    {
        var harness = new RouterHarness(new VrrpRouterOptions());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.SkewTime, Is.EqualTo(Skew100));
            Assert.That(harness.Router.MasterDownInterval, Is.EqualTo(Down100));
        }
    }

    [Test]
    public void SkewTime_V3Priority254TenMilliseconds_ScalesWithInterval()
    {
        var harness = new RouterHarness(new VrrpRouterOptions { Version = VrrpVersion.V3, Priority = 254, AdvertisementInterval = TimeSpan.FromMilliseconds(10) });

        using (Assert.EnterMultipleScope())
        {
            // ((256 − 254) × 10 ms) / 256
            Assert.That(harness.Router.SkewTime, Is.EqualTo(TimeSpan.FromTicks(2 * TimeSpan.FromMilliseconds(10).Ticks / 256)));
            Assert.That(harness.Router.MasterDownInterval, Is.EqualTo(TimeSpan.FromMilliseconds(30) + harness.Router.SkewTime));
        }
    }

    [Test]
    public void MasterDownInterval_DownTimerAdvertsFive_UsesFive()
    {
        var harness = new RouterHarness(new VrrpRouterOptions { DownTimerAdverts = 5 });

        Assert.That(harness.Router.MasterDownInterval, Is.EqualTo((5 * Second) + Skew100));
    }

    // ---- Initialize ----

    [Test]
    public void Start_PriorityBelowOwner_GoesBackupWithMasterDownTimer()
    {
        var harness = Started();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(harness.Changes, Is.EqualTo(new[] { new VrrpStateChange(VrrpState.Initialize, VrrpState.Backup, VrrpTransitionReason.Startup) }));
            Assert.That(harness.Router.IsMasterDownTimerRunning, Is.True);
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(Down100));
            Assert.That(harness.Adverts, Is.Empty);
        }
    }

    [Test]
    public void Start_Priority255_GoesMasterAndAdvertisesAtOnce()
    {
        var harness = Started(new VrrpRouterOptions { Priority = 255, PrimaryAddress = Ours });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            Assert.That(harness.Changes.Single().Reason, Is.EqualTo(VrrpTransitionReason.AddressOwner));
            Assert.That(harness.Adverts, Is.EqualTo(new[] { (TimeSpan.Zero, (byte)255) }));
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(Second));
        }
    }

    [Test]
    public void Start_StateMasterHintBelowOwner_StillWaitsMasterDownInterval()
    {
        var harness = Started(new VrrpRouterOptions { InitialState = VrrpState.Master, Priority = 150, PrimaryAddress = Ours });

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
        var took = harness.AdvanceUntilStateChange(TimeSpan.FromSeconds(10));
        Assert.That(took, Is.EqualTo(harness.Router.MasterDownInterval));
    }

    [Test]
    public void Start_Twice_Throws()
    {
        var harness = Started();

        Assert.That(harness.Router.Start, Throws.InvalidOperationException);
    }

    [Test]
    public void Start_FaultReportedBefore_GoesFaultWithoutTimers()
    {
        var harness = new RouterHarness(new VrrpRouterOptions());
        harness.Router.SetFault(true);

        harness.Router.Start();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Fault));
            Assert.That(harness.Router.NextDeadline, Is.Null);
        }
    }

    [Test]
    public void Constructor_PriorityZero_Throws()
    {
        Assert.That(() => new RouterHarness(new VrrpRouterOptions { Priority = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    // ---- Backup ----

    [Test]
    public void Backup_NoAdverts_BecomesMasterExactlyAtMasterDownInterval()
    {
        var harness = Started();

        harness.Advance(Down100 - TimeSpan.FromTicks(1));
        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
        harness.Advance(TimeSpan.FromTicks(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            Assert.That(harness.Changes[^1].Reason, Is.EqualTo(VrrpTransitionReason.MasterDownTimerExpired));
            Assert.That(harness.Adverts, Is.EqualTo(new[] { (Down100, (byte)100) }));
            Assert.That(harness.Router.IsMasterDownTimerRunning, Is.False);
        }
    }

    [Test]
    public void Backup_HigherPriorityAdvertsEverySecond_StaysBackup()
    {
        var harness = Started();

        for (var i = 0; i < 10; i++)
        {
            harness.Advance(Second);
            harness.Receive(200, Higher);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(Down100));
        }
    }

    [Test]
    public void Backup_PriorityZeroAdvert_TakesOverAfterSkewTime()
    {
        var harness = Started();
        harness.Advance(Second);

        harness.Receive(0, Higher);
        var took = harness.AdvanceUntilStateChange(TimeSpan.FromSeconds(10));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(took, Is.EqualTo(Skew100));
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
        }
    }

    [Test]
    public void Backup_LowerPriorityAdvertWithPreempt_IsDiscardedSoWePreempt()
    {
        var harness = Started();

        for (var i = 0; i < 3; i++)
        {
            harness.Advance(Second);
            harness.Receive(50, Higher);
        }

        harness.Advance(Down100 - (3 * Second));

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
    }

    [Test]
    public void Backup_LowerPriorityAdvertWithNopreempt_StaysBackup()
    {
        var harness = Started(new VrrpRouterOptions { Preempt = false, PrimaryAddress = Ours });

        for (var i = 0; i < 10; i++)
        {
            harness.Advance(Second);
            harness.Receive(50, Lower);
        }

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
    }

    [Test]
    public void Backup_NopreemptWithStateMasterHint_IsIgnoredLikeKeepalived()
    {
        var harness = Started(new VrrpRouterOptions { Preempt = false, InitialState = VrrpState.Master, PrimaryAddress = Ours });

        for (var i = 0; i < 5; i++)
        {
            harness.Advance(Second);
            harness.Receive(50, Lower);
        }

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
    }

    [Test]
    public void Backup_NopreemptOwner_StillPreempts()
    {
        var options = new VrrpRouterOptions { Preempt = false, Priority = 255, PrimaryAddress = Ours };

        Assert.That(options.EffectivePreempt, Is.True);
    }

    [Test]
    public void Backup_PreemptDelay_ObeysLowerPriorityMasterUntilDelayThenPreempts()
    {
        var harness = Started(new VrrpRouterOptions { PreemptDelay = TimeSpan.FromSeconds(10), PrimaryAddress = Ours });

        // A lower-priority master advertises every second; the startup window (10 s) makes us obey it.
        var tookOver = TimeSpan.Zero;
        for (var i = 0; i < 20 && harness.Router.State == VrrpState.Backup; i++)
        {
            harness.Advance(Second);
            if (harness.Router.State == VrrpState.Backup)
            {
                harness.Receive(50, Lower);
            }

            tookOver = harness.Elapsed;
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            // Adverts after 10 s are discarded; the last accepted one (at 10 s) is followed by Master_Down_Interval.
            Assert.That(harness.Changes[^1].Reason, Is.EqualTo(VrrpTransitionReason.MasterDownTimerExpired));
            Assert.That(tookOver, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(13)));
            Assert.That(tookOver, Is.LessThanOrEqualTo(TimeSpan.FromSeconds(14)));
        }
    }

    [Test]
    public void Backup_PreemptDelayWindowStartsAtFirstLowerPriorityMaster()
    {
        var harness = Started(new VrrpRouterOptions { PreemptDelay = TimeSpan.FromSeconds(5), PrimaryAddress = Ours });

        // A legitimate master for 20 s closes the startup window …
        for (var i = 0; i < 20; i++)
        {
            harness.Advance(Second);
            harness.Receive(200, Higher);
        }

        // … then it drops below us: obeyed for 5 s more, then discarded → we preempt.
        var dropAt = harness.Elapsed;
        while (harness.Router.State == VrrpState.Backup && harness.Elapsed - dropAt < TimeSpan.FromSeconds(30))
        {
            harness.Advance(Second);
            if (harness.Router.State == VrrpState.Backup)
            {
                harness.Receive(50, Higher);
            }
        }

        var after = harness.Elapsed - dropAt;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            Assert.That(after, Is.GreaterThan(TimeSpan.FromSeconds(5) + (3 * Second)));
            Assert.That(after, Is.LessThan(TimeSpan.FromSeconds(5) + Down100 + Second));
        }
    }

    [Test]
    public void Backup_EqualPriorityFromLowerAddress_IsObeyed()
    {
        var harness = Started();

        for (var i = 0; i < 10; i++)
        {
            harness.Advance(Second);
            harness.Receive(100, Lower);
        }

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
    }

    [Test]
    public void Backup_V3Advert_LearnsMasterAdverInterval()
    {
        var harness = Started(new VrrpRouterOptions { Version = VrrpVersion.V3, PrimaryAddress = Ours });

        harness.Receive(200, Higher, TimeSpan.FromSeconds(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.MasterAdverInterval, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(harness.Router.MasterDownInterval, Is.EqualTo(TimeSpan.FromSeconds(6) + (2 * Skew100)));
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(harness.Router.MasterDownInterval));
        }
    }

    [Test]
    public void Backup_V2Advert_KeepsOwnInterval()
    {
        var harness = Started();

        harness.Receive(200, Higher, TimeSpan.FromSeconds(2));

        Assert.That(harness.Router.MasterAdverInterval, Is.EqualTo(Second));
    }

    [Test]
    public void Backup_Stop_GoesInitializeAndCancelsTimer()
    {
        var harness = Started();

        harness.Router.Stop();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Initialize));
            Assert.That(harness.Router.NextDeadline, Is.Null);
            Assert.That(harness.Adverts, Is.Empty);
            Assert.That(harness.Changes[^1].Reason, Is.EqualTo(VrrpTransitionReason.Shutdown));
        }
    }

    // ---- Master ----

    [Test]
    public void Master_AdverTimer_SendsEveryInterval()
    {
        var harness = StartedMaster();

        harness.Advance(TimeSpan.FromSeconds(5));

        Assert.That(harness.Adverts.Select(a => a.Priority), Is.EqualTo(Enumerable.Repeat((byte)100, 5)));
        var gaps = harness.Adverts.Zip(harness.Adverts.Skip(1), (a, b) => b.At - a.At);
        Assert.That(gaps, Is.All.EqualTo(Second));
    }

    [Test]
    public void Master_PriorityZeroAdvert_AdvertisesImmediately()
    {
        var harness = StartedMaster();
        harness.Advance(TimeSpan.FromMilliseconds(300));

        harness.Receive(0, Higher);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Adverts, Has.Count.EqualTo(1));
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(Second));
        }
    }

    [Test]
    public void Master_HigherPriorityAdvert_GoesBackupWithoutAdvert()
    {
        var harness = StartedMaster();

        harness.Receive(101, Lower);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(harness.Changes.Single().Reason, Is.EqualTo(VrrpTransitionReason.HigherPriorityAdvert));
            Assert.That(harness.Adverts, Is.Empty);
            Assert.That(harness.Router.IsAdverTimerRunning, Is.False);
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(Down100));
        }
    }

    [Test]
    public void Master_HigherPriorityWithAdvertBeforeYielding_SendsOneMore()
    {
        var harness = StartedMaster(new VrrpRouterOptions { AdvertBeforeYielding = true, PrimaryAddress = Ours });

        harness.Receive(101, Lower);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(harness.Adverts, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public void Master_EqualPriorityFromHigherAddress_GoesBackup()
    {
        var harness = StartedMaster();

        harness.Receive(100, Higher);

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
    }

    [Test]
    public void Master_EqualPriorityFromLowerAddress_StaysMasterAndAdvertises()
    {
        var harness = StartedMaster();

        harness.Receive(100, Lower);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            Assert.That(harness.Adverts, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public void Master_LowerPriorityAdvert_StaysMasterAndAdvertisesAtOnce()
    {
        var harness = StartedMaster();

        harness.Receive(99, Higher);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            Assert.That(harness.Adverts, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public void Master_LowerPriorityAdvertWithLowerPrioNoAdvert_StaysSilent()
    {
        var harness = StartedMaster(new VrrpRouterOptions { AdvertOnLowerPriority = false, PrimaryAddress = Ours });

        harness.Receive(99, Higher);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            Assert.That(harness.Adverts, Is.Empty);
        }
    }

    [Test]
    public void Master_V3HigherPriority_LearnsIntervalOnYielding()
    {
        var harness = StartedMaster(new VrrpRouterOptions { Version = VrrpVersion.V3, PrimaryAddress = Ours });

        harness.Receive(200, Higher, TimeSpan.FromMilliseconds(500));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.MasterAdverInterval, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(TimeSpan.FromMilliseconds(1500) + TimeSpan.FromTicks(156 * TimeSpan.FromMilliseconds(500).Ticks / 256)));
        }
    }

    [Test]
    public void Master_Stop_SendsPriorityZeroAndGoesInitialize()
    {
        var harness = StartedMaster();

        harness.Router.Stop();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Adverts.Select(a => a.Priority), Is.EqualTo(new byte[] { 0 }));
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Initialize));
            Assert.That(harness.Router.NextDeadline, Is.Null);
        }
    }

    [Test]
    public void Owner_EqualPriorityFromHigherAddress_YieldsByTieBreak()
    {
        var harness = Started(new VrrpRouterOptions { Priority = 255, PrimaryAddress = Ours });

        harness.Receive(255, Higher);

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
    }

    // ---- priority changes ----

    [Test]
    public void SetPriority_Master_AdvertisesNewPriorityAtOnce()
    {
        var harness = StartedMaster();

        harness.Router.SetPriority(80);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Adverts.Select(a => a.Priority), Is.EqualTo(new byte[] { 80 }));
            Assert.That(harness.Router.Priority, Is.EqualTo(80));
        }
    }

    [Test]
    public void SetPriority_BackupRaisedAboveMaster_PreemptsAfterMasterDownInterval()
    {
        var harness = Started();
        harness.Receive(150, Higher);

        harness.Router.SetPriority(200);
        for (var i = 0; i < 5 && harness.Router.State == VrrpState.Backup; i++)
        {
            harness.Advance(Second);
            if (harness.Router.State == VrrpState.Backup)
            {
                harness.Receive(150, Higher);
            }
        }

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
    }

    [Test]
    public void SetPriority_Zero_Throws()
    {
        var harness = Started();

        Assert.That(() => harness.Router.SetPriority(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    // ---- Fault ----

    [Test]
    public void SetFault_Master_ResignsWithPriorityZeroAndGoesFault()
    {
        var harness = StartedMaster();

        harness.Router.SetFault(true);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Adverts.Select(a => a.Priority), Is.EqualTo(new byte[] { 0 }));
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Fault));
            Assert.That(harness.Changes.Single(), Is.EqualTo(new VrrpStateChange(VrrpState.Master, VrrpState.Fault, VrrpTransitionReason.FaultRaised)));
            Assert.That(harness.Router.NextDeadline, Is.Null);
        }
    }

    [Test]
    public void SetFault_Backup_GoesFaultSilently()
    {
        var harness = Started();

        harness.Router.SetFault(true);
        harness.Advance(TimeSpan.FromSeconds(30));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Fault));
            Assert.That(harness.Adverts, Is.Empty);
        }
    }

    [Test]
    public void Fault_Adverts_AreIgnored()
    {
        var harness = Started();
        harness.Router.SetFault(true);

        harness.Receive(0, Higher);
        harness.Receive(254, Higher);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Fault));
            Assert.That(harness.Router.NextDeadline, Is.Null);
        }
    }

    [Test]
    public void ClearFault_NonOwner_GoesBackupAndWaitsMasterDown()
    {
        var harness = Started();
        harness.Router.SetFault(true);

        harness.Router.SetFault(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(harness.Changes[^1].Reason, Is.EqualTo(VrrpTransitionReason.FaultCleared));
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(Down100));
        }
    }

    [Test]
    public void ClearFault_Owner_GoesMasterAtOnce()
    {
        var harness = Started(new VrrpRouterOptions { Priority = 255, PrimaryAddress = Ours });
        harness.Router.SetFault(true);
        harness.Adverts.Clear();

        harness.Router.SetFault(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Master));
            Assert.That(harness.Adverts.Select(a => a.Priority), Is.EqualTo(new byte[] { 255 }));
        }
    }

    [Test]
    public void Fault_Stop_GoesInitialize()
    {
        var harness = Started();
        harness.Router.SetFault(true);

        harness.Router.Stop();

        Assert.That(harness.Router.State, Is.EqualTo(VrrpState.Initialize));
    }
}

public class VrrpRouterCadenceTests
{
    [Test]
    public void Master_TimerServedLate_KeepsTheAdvertGrid()
    {
        var harness = new RouterHarness(new VrrpRouterOptions { Priority = 255, Version = VrrpVersion.V3, AdvertisementInterval = TimeSpan.FromMilliseconds(10) });
        harness.Router.Start();

        // The driving thread wakes 3 ms late for the first deadline, then 25 ms late (more than two intervals).
        harness.Clock.Advance(TimeSpan.FromMilliseconds(13));
        harness.Router.OnTimer();
        var afterSmallDelay = harness.Router.TimeUntilNextDeadline();
        harness.Clock.Advance(TimeSpan.FromMilliseconds(7 + 25));
        harness.Router.OnTimer();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterSmallDelay, Is.EqualTo(TimeSpan.FromMilliseconds(7)), "next slot at 20 ms, not 23 ms");
            Assert.That(harness.Router.TimeUntilNextDeadline(), Is.EqualTo(TimeSpan.FromMilliseconds(5)), "after a stall: the next slot on the grid (50 ms)");
            Assert.That(harness.Adverts, Has.Count.EqualTo(3), "one advert per wake-up, no burst");
        }
    }
}
