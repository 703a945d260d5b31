using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Kad.Checkers.Probes;
using Kad.Checkers.Scheduling;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Scheduling;

/// <summary>
/// The scheduler on the system clock: its wake-ups run on the check loop's thread (epoll's wait is the timer), where
/// TCP connects also complete; and the monitor's checks on it, with attempts that end in the loop's next pass as a
/// TCP connect in progress does (<see cref="NextPassProbe"/>). Real time, so only ordering and generous bounds are
/// asserted.
/// </summary>
public sealed class CheckSchedulerLoopTests
{
    [SetUp]
    public void RequireTheLoop()
    {
        if (!CheckLoop.IsSupported)
        {
            Assert.Ignore("the check loop needs Linux on x86-64");
        }
    }

    /// <summary>Records the thread and the time (since <see cref="Clock"/> started) of each run.</summary>
    private sealed class Work : IScheduledWork
    {
        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public long Latest { get; set; } = 1;

        public ConcurrentQueue<(int Thread, TimeSpan At)> Runs { get; } = new();

        public SemaphoreSlim Ran { get; } = new(0);

        public bool IsCurrent(long token) => token == Latest;

        public void OnDue(long token)
        {
            Runs.Enqueue((Environment.CurrentManagedThreadId, Clock.Elapsed));
            Ran.Release();
        }
    }

    [Test]
    public async Task Schedule_SystemClock_RunsOnTheLoopThreadNotBeforeItsTime()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var work = new Work();

        scheduler.Schedule(work, 1, TimeSpan.FromMilliseconds(300));

        Assert.That(scheduler.RunsOnLoop, Is.True);
        Assert.That(await work.Ran.WaitAsync(TimeSpan.FromSeconds(10)), Is.True, "ran");
        var run = work.Runs.Single();
        Assert.That(run.At, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(300) - CheckScheduler.CoalesceWindow - TimeSpan.FromMilliseconds(5)));
        Assert.That(run.Thread, Is.Not.EqualTo(Environment.CurrentManagedThreadId));
    }

    [Test]
    public async Task Schedule_LongWait_IsKeptByTheTimerfdNotBeforeItsTime()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var work = new Work();

        scheduler.Schedule(work, 1, TimeSpan.FromMilliseconds(300));

        Assert.That(await work.Ran.WaitAsync(TimeSpan.FromSeconds(10)), Is.True, "ran");
        Assert.That(work.Runs.Single().At, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(300) - CheckScheduler.CoalesceWindow));
        Assert.That(scheduler.Io.TimerExpirations, Is.EqualTo(1), "the 300 ms wait ended by the timerfd, not by epoll's own timeout");
    }

    [Test]
    public async Task Schedule_ShortWaits_DoNotUseTheTimerfd()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var work = new Work();

        foreach (var (token, milliseconds) in new[] { (1L, 30), (2L, 20) })
        {
            work.Latest = token;
            scheduler.Schedule(work, token, TimeSpan.FromMilliseconds(milliseconds));
            Assert.That(await work.Ran.WaitAsync(TimeSpan.FromSeconds(10)), Is.True, $"wake-up {token} ran");
        }

        Assert.That(scheduler.Io.TimerExpirations, Is.Zero, "waits this short keep epoll's nanosecond timeout");
    }

    [Test]
    public async Task Schedule_EarlierAfterALongWaitBegan_StaleTimerfdExpiryRunsNothing()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var work = new Work();
        scheduler.Schedule(work, 1, TimeSpan.FromMilliseconds(400));
        await Task.Delay(100); // the loop now waits on the timerfd, armed for about 300 ms from here
        work.Latest = 2;

        scheduler.Schedule(work, 2, TimeSpan.FromMilliseconds(10));
        Assert.That(await work.Ran.WaitAsync(TimeSpan.FromSeconds(10)), Is.True, "the earlier wake-up ran");
        await Task.Delay(500); // past the first wake-up's time

        Assert.That(work.Runs, Has.Count.EqualTo(1), "the superseded wake-up ran nothing");
        Assert.That(scheduler.Io.TimerExpirations, Is.Zero, "the short wait disarmed the timer");
    }

    [Test]
    public async Task Schedule_EarlierThanTheLoopWaitsFor_WakesTheLoop()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var late = new Work();
        var early = new Work();
        scheduler.Schedule(late, 1, TimeSpan.FromSeconds(60));
        await Task.Delay(200); // the loop is now in a wait of about a minute

        scheduler.Schedule(early, 1, TimeSpan.FromMilliseconds(100));

        Assert.That(await early.Ran.WaitAsync(TimeSpan.FromSeconds(10)), Is.True, "woken for the earlier wake-up, not a minute later");
        Assert.That(late.Runs, Is.Empty);
    }

    [Test]
    public async Task RunDue_FromAnotherThread_RunsWhatIsDueOnTheLoop()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var work = new Work();

        scheduler.Schedule(work, 1, TimeSpan.Zero);
        scheduler.RunDue();

        Assert.That(await work.Ran.WaitAsync(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(work.Runs.Single().Thread, Is.Not.EqualTo(Environment.CurrentManagedThreadId));
    }

    [Test]
    public async Task Schedule_SupersededBeforeItsTime_OnlyTheLatestRuns()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var work = new Work();
        scheduler.Schedule(work, 1, TimeSpan.FromMilliseconds(50));
        work.Latest = 2; // as an attempt's timeout is superseded by its end
        scheduler.Schedule(work, 2, TimeSpan.FromMilliseconds(400));

        Assert.That(await work.Ran.WaitAsync(TimeSpan.FromSeconds(10)), Is.True);
        await Task.Delay(100);

        Assert.That(work.Runs.Select(r => r.At), Has.All.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(350)));
        Assert.That(work.Runs, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Dispose_WorkPending_NeverRuns()
    {
        var scheduler = new CheckScheduler(TimeProvider.System);
        var work = new Work();
        scheduler.Schedule(work, 1, TimeSpan.FromMilliseconds(200));

        scheduler.Dispose();
        scheduler.Schedule(work, 1, TimeSpan.Zero);

        Assert.That(await work.Ran.WaitAsync(TimeSpan.FromMilliseconds(600)), Is.False);
    }

    [Test]
    public async Task Now_OnTheLoopDuringOneBatch_IsTheTimeTheWaitEndedNotTheClock()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var seen = new ConcurrentQueue<long>();
        var done = new SemaphoreSlim(0);
        var blocker = new Blocker(TimeSpan.FromMilliseconds(500));
        var slow = new Reading(scheduler, seen, done, sleep: TimeSpan.FromMilliseconds(50));
        var next = new Reading(scheduler, seen, done, sleep: TimeSpan.Zero);
        var before = TimeProvider.System.GetTimestamp();

        // While the loop is busy with the blocker, both come due: the loop's next pass takes them in one batch.
        scheduler.Schedule(blocker, 1, TimeSpan.Zero);
        Assert.That(await blocker.Started.WaitAsync(TimeSpan.FromSeconds(10)), Is.True);
        scheduler.Schedule(slow, 1, TimeSpan.Zero);
        scheduler.Schedule(next, 1, TimeSpan.Zero);
        Assert.That(await done.WaitAsync(TimeSpan.FromSeconds(10)) && await done.WaitAsync(TimeSpan.FromSeconds(10)), Is.True);

        Assert.That(seen.Distinct().Count(), Is.EqualTo(1), "one time for the whole batch, though the first run took 50 ms");
        Assert.That(seen.First(), Is.GreaterThan(before));
        Assert.That(scheduler.Now, Is.GreaterThanOrEqualTo(seen.First()), "off the loop: the clock");
    }

    [Test]
    public async Task ReadClock_OnTheLoopLateInAPass_MovesNowToTheClock()
    {
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var reader = new ClockReader(scheduler);

        scheduler.Schedule(reader, 1, TimeSpan.Zero);
        var (passTime, read, nowAfter) = await reader.Seen.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(TimeProvider.System.GetElapsedTime(passTime, read), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(45)), "a fresh read, not the pass's time");
        Assert.That(nowAfter, Is.EqualTo(read), "what is scheduled next in the pass counts from it");
    }

    /// <summary>On the loop: the pass's time, then 50 ms later a clock read and the time after it.</summary>
    private sealed class ClockReader(CheckScheduler scheduler) : IScheduledWork
    {
        public TaskCompletionSource<(long PassTime, long Read, long NowAfter)> Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsCurrent(long token) => token == 1;

        public void OnDue(long token)
        {
            var passTime = scheduler.Now;
            Thread.Sleep(50);
            var read = scheduler.ReadClock();
            Seen.TrySetResult((passTime, read, scheduler.Now));
        }
    }

    /// <summary>Holds the loop for <paramref name="hold"/> once due.</summary>
    private sealed class Blocker(TimeSpan hold) : IScheduledWork
    {
        public SemaphoreSlim Started { get; } = new(0);

        public bool IsCurrent(long token) => token == 1;

        public void OnDue(long token)
        {
            Started.Release();
            Thread.Sleep(hold);
        }
    }

    /// <summary>Reads the scheduler's time when due, then takes <paramref name="sleep"/>.</summary>
    private sealed class Reading(CheckScheduler scheduler, ConcurrentQueue<long> seen, SemaphoreSlim done, TimeSpan sleep) : IScheduledWork
    {
        public bool IsCurrent(long token) => token == 1;

        public void OnDue(long token)
        {
            seen.Enqueue(scheduler.Now);
            Thread.Sleep(sleep);
            done.Release();
        }
    }

    [Test]
    public async Task TcpAttempt_StartedByADueWakeUp_CompletesOnTheSameThread()
    {
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);
        using var scheduler = new CheckScheduler(TimeProvider.System);
        var reported = new TaskCompletionSource<(ProbeResult Result, int Thread)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var up = ProbeResult.Up("connected");
        using var connector = new TcpConnector(new TcpCheckOptions(), server.EndPoint, up, ProbeResult.Down("connect", "timed out"), scheduler.Io, r => reported.TrySetResult((r, Environment.CurrentManagedThreadId)));
        var starter = new Starter(connector, reported);

        scheduler.Schedule(starter, 1, TimeSpan.Zero);
        var (result, thread) = await reported.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(result, Is.SameAs(up));
        Assert.That(starter.Thread, Is.Not.Zero.And.Not.EqualTo(Environment.CurrentManagedThreadId));
        Assert.That(thread, Is.EqualTo(starter.Thread), "started and completed on the loop's thread");
    }

    /// <summary>Starts the connector when due; an attempt that ended at once is reported as the loop would.</summary>
    private sealed class Starter(TcpConnector connector, TaskCompletionSource<(ProbeResult Result, int Thread)> reported) : IScheduledWork
    {
        public int Thread { get; private set; }

        public bool IsCurrent(long token) => token == 1;

        public void OnDue(long token)
        {
            Thread = Environment.CurrentManagedThreadId;
            if (connector.Start() is { } result)
            {
                reported.TrySetResult((result, Thread));
            }
        }
    }

    /// <summary>Draws the middle of the range every time.</summary>
    private sealed class Halfway : Random
    {
        public override double NextDouble() => 0.5;
    }

    [Test]
    public async Task Run_ChecksEndingInOnePass_EachNextCheckCountsFromItsOwnEnd()
    {
        var probes = new Dictionary<RealServerKey, NextPassProbe>();
        RealServerChecks Server(int port, int warmupMilliseconds) => new(
            new RealServerKey("vs", IPAddress.Loopback, port),
            1,
            [new TcpCheckOptions { DelayLoop = TimeSpan.FromSeconds(1), Retry = 0, Warmup = TimeSpan.FromMilliseconds(warmupMilliseconds) }]);
        // First checks at half their warmup (the same draw for all): the blocker's at 100 ms, the two others' at
        // 200 ms. The consumer of each transition runs on the loop and holds it: 300 ms for the blocker's, so both
        // others are due by the time the loop looks, start in one pass and end in the next; 200 ms for each of theirs,
        // so the second one's end is seen 200 ms after the first's.
        var blocker = Server(1000, 200);
        var servers = new[] { Server(1001, 400), Server(1002, 400) };
        await using var monitor = new HealthMonitor([blocker, .. servers], TimeProvider.System, null, new Halfway(), (server, _) => probes[server] = new NextPassProbe());
        monitor.TransitionRecorded = e => Thread.Sleep(e.Server == blocker.Server ? 300 : 200);
        monitor.Start();

        var (first, second) = (probes[servers[0].Server].Starts, probes[servers[1].Server].Starts);
        Assert.That(() => Math.Min(first.Count, second.Count), Is.GreaterThanOrEqualTo(2).After(10_000, 20), "each server checked twice");
        var apart = first.Zip(second, (a, b) => TimeProvider.System.GetElapsedTime(a, b).Duration()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(apart[0], Is.LessThan(TimeSpan.FromMilliseconds(100)), "the first checks started together");
            // keepalived counts delay_loop from each check's end. From the time of the pass that saw both ends, the
            // two would be due together again, and checks that ended together once would run together for good.
            Assert.That(apart[1], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(150)), "delay_loop after each one's own end");
        });
    }
}
