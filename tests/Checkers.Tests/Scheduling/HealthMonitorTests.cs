using System.Net;
using Kad.Checkers.Scheduling;
using Microsoft.Extensions.Logging;
using Kad.Checkers.Tests.Support;
using Kad.Testing;

namespace Kad.Checkers.Tests.Scheduling;

public sealed class HealthMonitorTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RealServerKey Server = new("vs1", IPAddress.Parse("192.0.2.10"), 80);

    private FakeTimeProvider _clock = null!;
    private Dictionary<CheckerOptions, ScriptedProbe> _probes = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeTimeProvider(Start);
        _probes = new(ReferenceEqualityComparer.Instance);
        _log = new ListLogger<HealthMonitor>();
    }

    private ListLogger<HealthMonitor> _log = null!;

    private HealthMonitor CreateMonitor(params RealServerChecks[] servers) =>
        new(servers, _clock, _log, new Random(42), (_, options) =>
        {
            var probe = new ScriptedProbe(_clock, CheckerTiming.Resolve(options).ConnectTimeout);
            _probes[options] = probe;
            return probe;
        });

    private static TcpCheckOptions Tcp(int delayLoop = 10, int retry = 1, int delayBeforeRetry = 2, int warmup = 0, bool alpha = false, int connectTimeout = 3) => new()
    {
        DelayLoop = TimeSpan.FromSeconds(delayLoop),
        Retry = retry,
        DelayBeforeRetry = TimeSpan.FromSeconds(delayBeforeRetry),
        Warmup = TimeSpan.FromSeconds(warmup),
        Alpha = alpha,
        ConnectTimeout = TimeSpan.FromSeconds(connectTimeout),
    };

    private void Advance(double seconds)
    {
        // NUnit's synchronization context makes awaits resume later, on their own; without one, every continuation
        // a fired timer releases runs inside Advance, so the clock and the checks move together deterministically.
        var saved = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            _clock.Advance(TimeSpan.FromSeconds(seconds));
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(saved);
        }
    }

    private static void StartWithoutContext(HealthMonitor monitor)
    {
        var saved = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            monitor.Start();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(saved);
        }
    }

    private static async Task<HealthEvent> ReadWithin(HealthMonitor monitor, TimeSpan realTimeout)
    {
        using var timeout = new CancellationTokenSource(realTimeout);
        return await monitor.Events.ReadAsync(timeout.Token);
    }

    private static List<HealthEvent> Drain(HealthMonitor monitor)
    {
        var events = new List<HealthEvent>();
        while (monitor.Events.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    [Test]
    public async Task Start_NoAlphaFirstSuccess_PublishesUnknownToUp()
    {
        var tcp = Tcp();
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        Assert.That(monitor.GetServer(Server).Health, Is.EqualTo(Health.Unknown));

        StartWithoutContext(monitor); // warmup 0: the first check runs at once

        var events = Drain(monitor);
        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Previous, Is.EqualTo(Health.Unknown));
        Assert.That(events[0].Current, Is.EqualTo(Health.Up));
        Assert.That(events[0].ServerHealth, Is.EqualTo(Health.Up));
        Assert.That(events[0].Checker, Is.EqualTo("TCP_CHECK#0"));
    }

    [Test]
    public async Task Start_Alpha_ServerStartsDown()
    {
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [Tcp(alpha: true)]));
        Assert.That(monitor.GetServer(Server).Health, Is.EqualTo(Health.Down));

        StartWithoutContext(monitor);
        var events = Drain(monitor);
        Assert.That(events.Select(e => (e.Previous, e.Current)), Is.EqualTo(new[] { (Health.Down, Health.Up) }));
    }

    [Test]
    public async Task Run_RepeatedSuccess_PublishesOnlyTheFirstTransition()
    {
        var tcp = Tcp(delayLoop: 5);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);

        Advance(60);

        Assert.That(Drain(monitor), Has.Count.EqualTo(1));
        Assert.That(_probes[tcp].AttemptTimes, Has.Count.GreaterThanOrEqualTo(12));
    }

    [Test]
    public async Task Run_ChecksDelayLoopApart()
    {
        var tcp = Tcp(delayLoop: 7);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);

        Advance(30);

        var times = _probes[tcp].AttemptTimes.Select(t => (t - Start).TotalSeconds).ToList();
        Assert.That(times, Is.EqualTo(new[] { 0.0, 7, 14, 21, 28 }).Within(0.001));
    }

    [Test]
    public async Task Run_SlowCheck_DelayLoopCountsFromTheEnd()
    {
        var tcp = Tcp(delayLoop: 10, connectTimeout: 5);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Duration = TimeSpan.FromSeconds(2);
        StartWithoutContext(monitor);

        Advance(30);

        var starts = _probes[tcp].AttemptTimes.Select(t => (t - Start).TotalSeconds).ToList();
        Assert.That(starts, Is.EqualTo(new[] { 0.0, 12, 24 }).Within(0.001));
    }

    [Test]
    public async Task Run_SlowMiscCheck_DelayLoopCountsFromTheStart()
    {
        var misc = new MiscCheckOptions { MiscPath = "/bin/true", DelayLoop = TimeSpan.FromSeconds(10), Warmup = TimeSpan.Zero, MiscTimeout = TimeSpan.FromSeconds(5) };
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [misc]));
        _probes[misc].Duration = TimeSpan.FromSeconds(2);
        _probes[misc].DelayLoopFromStart = true;
        StartWithoutContext(monitor);

        Advance(30);

        var starts = _probes[misc].AttemptTimes.Select(t => (t - Start).TotalSeconds).ToList();
        Assert.That(starts, Is.EqualTo(new[] { 0.0, 10, 20, 30 }).Within(0.001));
    }

    [Test]
    public async Task Run_FailureWithRetries_RetriesDelayBeforeRetryApartThenGoesDown()
    {
        var tcp = Tcp(delayLoop: 10, retry: 2, delayBeforeRetry: 3);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);
        Advance(0.1);
        Assert.That(Drain(monitor).Single().Current, Is.EqualTo(Health.Up));

        _probes[tcp].Answer = _ => ProbeResult.Down("connect", "refused");
        Advance(10); // check at t=10 fails, retries at t=13 and t=16
        Assert.That(Drain(monitor), Is.Empty, "still up while retries remain");
        Advance(6.1);

        var down = Drain(monitor);
        Assert.That(down, Has.Count.EqualTo(1));
        Assert.That(down[0].Current, Is.EqualTo(Health.Down));
        Assert.That(down[0].FailedStep, Is.EqualTo("connect"));
        Assert.That(down[0].Reason, Is.EqualTo("refused"));
        var times = _probes[tcp].AttemptTimes.Select(t => (t - Start).TotalSeconds).ToList();
        Assert.That(times, Is.EqualTo(new[] { 0.0, 10, 13, 16 }).Within(0.001));
    }

    [Test]
    public async Task Run_AlreadyDown_FailedCheckIsNotRetried()
    {
        var tcp = Tcp(delayLoop: 10, retry: 2, delayBeforeRetry: 1);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = _ => ProbeResult.Down("connect", "refused");
        StartWithoutContext(monitor);
        Advance(2.1); // first check retries (nothing known yet): t=0, 1, 2 -> down
        Assert.That(Drain(monitor).Single().Current, Is.EqualTo(Health.Down));

        Advance(20); // checks at t=12 and t=22: one attempt each (keepalived retries only to avoid a false down)

        var times = _probes[tcp].AttemptTimes.Select(t => (t - Start).TotalSeconds).ToList();
        Assert.That(times, Is.EqualTo(new[] { 0.0, 1, 2, 12, 22 }).Within(0.001));
    }

    [Test]
    public async Task Run_Alpha_FirstCheckRetriesBeforeStayingDown()
    {
        var tcp = Tcp(delayLoop: 10, retry: 1, delayBeforeRetry: 1, alpha: true);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = attempt => attempt == 2 ? ProbeResult.Up("ok") : ProbeResult.Down("connect", "refused");
        StartWithoutContext(monitor);

        Advance(1);

        Assert.That(Drain(monitor).Single().Current, Is.EqualTo(Health.Up));
    }

    [Test]
    public async Task Run_FailureThenSuccessOnRetry_StaysUpWithoutEvent()
    {
        var tcp = Tcp(delayLoop: 10, retry: 1, delayBeforeRetry: 1);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);
        Advance(0.1);
        Drain(monitor);

        _probes[tcp].Answer = attempt => attempt == 2 ? ProbeResult.Down("connect", "refused") : ProbeResult.Up("ok");
        Advance(20);

        Assert.That(Drain(monitor), Is.Empty);
        Assert.That(monitor.GetServer(Server).Health, Is.EqualTo(Health.Up));
    }

    [Test]
    public async Task Run_HangingProbe_TimesOutAfterConnectTimeoutWithStepAndLatency()
    {
        var tcp = Tcp(delayLoop: 10, retry: 0, connectTimeout: 3);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = _ => ScriptedProbe.Hang;
        StartWithoutContext(monitor);

        Advance(2.9);
        Assert.That(Drain(monitor), Is.Empty);
        Advance(0.1);

        // Polly's timeout resumes the cancelled attempt on the thread pool: wait (real time) with the clock held at 3 s.
        var events = new List<HealthEvent> { await ReadWithin(monitor, TimeSpan.FromSeconds(5)) };
        Assert.That(events[0].Current, Is.EqualTo(Health.Down));
        Assert.That(events[0].FailedStep, Is.EqualTo("hanging"));
        Assert.That(events[0].Reason, Does.Contain("timed out"));
        Assert.That(events[0].Latency, Is.EqualTo(TimeSpan.FromSeconds(3)).Within(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public async Task Run_DownThenRecovers_PublishesUpAgain()
    {
        var tcp = Tcp(delayLoop: 5, retry: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        var failing = true;
        _probes[tcp].Answer = _ => failing ? ProbeResult.Down("connect", "refused") : ProbeResult.Up("ok");
        StartWithoutContext(monitor);
        Advance(11);
        failing = false;
        Advance(5);

        var transitions = Drain(monitor).Select(e => (e.Previous, e.Current)).ToList();
        Assert.That(transitions, Is.EqualTo(new[] { (Health.Unknown, Health.Down), (Health.Down, Health.Up) }));
    }

    [Test]
    public async Task ServerHealth_TwoCheckers_UpOnlyWhenBothUp()
    {
        var first = Tcp(delayLoop: 5, retry: 0);
        var second = Tcp(delayLoop: 5, retry: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [first, second]));
        _probes[second].Answer = _ => ProbeResult.Down("connect", "refused");
        StartWithoutContext(monitor);
        Advance(0.1);

        var events = Drain(monitor);
        Assert.That(events, Has.Count.EqualTo(2));
        Assert.That(events.Last().ServerHealth, Is.EqualTo(Health.Down));
        Assert.That(monitor.GetServer(Server).Health, Is.EqualTo(Health.Down));

        _probes[second].Answer = _ => ProbeResult.Up("ok");
        Advance(5);
        var recovered = Drain(monitor);
        Assert.That(recovered.Single().Checker, Is.EqualTo("TCP_CHECK#1"));
        Assert.That(recovered.Single().ServerHealth, Is.EqualTo(Health.Up));
    }

    [Test]
    public async Task Warmup_FirstChecksSpreadOverWarmup()
    {
        var options = Enumerable.Range(0, 200).Select(_ => Tcp(delayLoop: 60, warmup: 60)).ToList();
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, options));
        StartWithoutContext(monitor);

        Advance(60);

        var firsts = options.Select(o => (_probes[o].AttemptTimes[0] - Start).TotalSeconds).ToList();
        Assert.That(firsts, Has.All.InRange(0.0, 60.0));
        // 200 starts over 60 s: no 1-second slot should hold more than a small burst.
        var busiestSecond = firsts.GroupBy(t => (int)t).Max(g => g.Count());
        Assert.That(busiestSecond, Is.LessThanOrEqualTo(15));
        Assert.That(firsts.Max() - firsts.Min(), Is.GreaterThan(45));
    }

    [Test]
    public async Task Warmup_Zero_FirstCheckImmediately()
    {
        var tcp = Tcp(warmup: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);
        _clock.Advance(TimeSpan.Zero);

        Assert.That(_probes[tcp].AttemptTimes, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task MiscDynamic_WeightChange_IsPublishedWithoutHealthChange()
    {
        var misc = new MiscCheckOptions { MiscPath = "/bin/true", MiscDynamic = true, DelayLoop = TimeSpan.FromSeconds(5), Warmup = TimeSpan.Zero };
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 3, [misc]));
        var weight = 10;
        _probes[misc].Answer = _ => ProbeResult.Up("dynamic", weight);
        StartWithoutContext(monitor);
        Advance(0.1);
        var first = Drain(monitor).Single();
        Assert.That(first.ServerWeight, Is.EqualTo(10));

        Advance(5);
        Assert.That(Drain(monitor), Is.Empty, "same weight again: nothing to publish");

        weight = 20;
        Advance(5);
        var changed = Drain(monitor).Single();
        Assert.That((changed.Previous, changed.Current, changed.ServerWeight), Is.EqualTo((Health.Up, Health.Up, 20)));
    }

    [Test]
    public async Task StopAsync_CancelsAllTimersAndCompletesEvents()
    {
        var tcp = Tcp(delayLoop: 5);
        var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);
        Advance(1);

        await monitor.DisposeAsync();

        Assert.That(_clock.ArmedTimers, Is.Zero);
        Assert.That(monitor.Events.Completion.IsCompleted || monitor.Events.TryRead(out _), Is.True);
    }

    [Test]
    public async Task SetSuspended_SkipsChecksKeepsHealth_ResumeChecksAgain()
    {
        var tcp = Tcp(delayLoop: 5, retry: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);
        Drain(monitor);

        monitor.SetSuspended("vs1", suspended: true);
        _probes[tcp].Answer = _ => ProbeResult.Down("connect", "refused");
        Advance(20);
        Assert.That(_probes[tcp].AttemptTimes, Has.Count.EqualTo(1), "no probe while suspended");
        Assert.That(monitor.GetServer(Server).Health, Is.EqualTo(Health.Up));

        monitor.SetSuspended("vs1", suspended: false);
        Advance(5);
        Assert.That(Drain(monitor).Single().Current, Is.EqualTo(Health.Down));
    }

    [Test]
    public async Task UpdateAsync_SameCheckers_KeepsLoopAndHealth_TakesNewWeight()
    {
        var tcp = Tcp(delayLoop: 5, alpha: true);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);
        Drain(monitor);
        var probesBefore = _probes.Count;

        await monitor.UpdateAsync([new RealServerChecks(Server, 7, [Tcp(delayLoop: 5, alpha: true)])]);
        Advance(5);

        Assert.That(_probes, Has.Count.EqualTo(probesBefore), "no new probe built for an unchanged checker");
        Assert.That(monitor.GetServer(Server), Is.EqualTo((Health.Up, 7)), "alpha does not apply again: the server stays up");
        Assert.That(_probes[tcp].AttemptTimes, Has.Count.EqualTo(2));
        Assert.That(Drain(monitor), Is.Empty);
    }

    [Test]
    public async Task UpdateAsync_ChangedChecker_StartsAfresh_OldLoopStops()
    {
        var old = Tcp(delayLoop: 5);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [old]));
        StartWithoutContext(monitor);
        Drain(monitor);

        var changed = Tcp(delayLoop: 5, connectTimeout: 1);
        await monitor.UpdateAsync([new RealServerChecks(Server, 1, [changed])]);
        Advance(0); // the new checker's first check (warmup 0)
        Advance(10);

        Assert.That(_probes[old].AttemptTimes, Has.Count.EqualTo(1), "the replaced checker stopped");
        Assert.That(_probes[changed].AttemptTimes, Has.Count.EqualTo(3));
        Assert.That(Drain(monitor).Single().Previous, Is.EqualTo(Health.Unknown));
    }

    [Test]
    public async Task UpdateAsync_OneCheckerOfAServerChanged_TheOtherKeepsLoopAndHealth()
    {
        var kept = Tcp(delayLoop: 5, alpha: true);
        var old = Tcp(delayLoop: 5);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [kept, old]));
        StartWithoutContext(monitor);
        Drain(monitor);
        var keptAttempts = _probes[kept].AttemptTimes.Count;

        var added = Tcp(delayLoop: 5, connectTimeout: 2);
        await monitor.UpdateAsync([new RealServerChecks(Server, 1, [added, Tcp(delayLoop: 5, alpha: true)])]);
        Assert.That(monitor.Snapshot().Single().Checkers.Select(c => c.Health), Is.EqualTo(new[] { Health.Up, Health.Up }), "the new one has run once (warmup 0); the kept one is still up, alpha not applied again");
        Advance(5);

        Assert.That(_probes[old].AttemptTimes, Has.Count.EqualTo(1), "the dropped checker stopped");
        Assert.That(_probes[kept].AttemptTimes, Has.Count.EqualTo(keptAttempts + 1), "the kept checker kept its rhythm");
        var events = Drain(monitor);
        Assert.That(events.Select(e => e.Checker), Is.EqualTo(new[] { "TCP_CHECK#0" }), "only the new checker's first result; the kept one reports under its new position without a transition");
    }

    [Test]
    public async Task UpdateAsync_KeptCheckerMovedPosition_ReportsUnderNewPosition()
    {
        var kept = Tcp(delayLoop: 5, retry: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [kept]));
        StartWithoutContext(monitor);
        Drain(monitor);

        await monitor.UpdateAsync([new RealServerChecks(Server, 1, [Tcp(delayLoop: 5, connectTimeout: 2), Tcp(delayLoop: 5, retry: 0)])]);
        Drain(monitor);
        _probes[kept].Answer = _ => ProbeResult.Down("connect", "refused");
        Advance(5);

        var down = Drain(monitor).Single();
        Assert.That((down.Checker, down.Previous, down.Current, down.ServerHealth), Is.EqualTo(("TCP_CHECK#1", Health.Up, Health.Down, Health.Down)));
    }

    [Test]
    public async Task UpdateAsync_RemovedServer_StopsAndAddedServerStarts()
    {
        var other = Server with { Port = 81 };
        var first = Tcp(delayLoop: 5);
        var second = Tcp(delayLoop: 5);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [first]));
        StartWithoutContext(monitor);
        Drain(monitor);

        await monitor.UpdateAsync([new RealServerChecks(other, 1, [second])]);
        Advance(10);

        Assert.That(monitor.Servers, Is.EqualTo(new[] { other }));
        Assert.That(_probes[first].AttemptTimes, Has.Count.EqualTo(1));
        Assert.That(Drain(monitor).Select(e => e.Server), Is.EqualTo(new[] { other }));
    }

    [Test]
    public async Task UpdateAsync_Invalid_ChangesNothing()
    {
        var tcp = Tcp(delayLoop: 5);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        StartWithoutContext(monitor);

        Assert.ThrowsAsync<ArgumentException>(() => monitor.UpdateAsync([new RealServerChecks(Server, 5, [tcp]), new RealServerChecks(Server, 2, [tcp])]));
        Advance(5);

        Assert.That(monitor.GetServer(Server), Is.EqualTo((Health.Up, 1)));
        Assert.That(_probes[tcp].AttemptTimes, Has.Count.EqualTo(2));
    }

    [TestCase(true, LogLevel.Information)]
    [TestCase(false, LogLevel.Debug)]
    public async Task LogAllFailures_RetriedAttemptsLoggedAtInformation(bool logAll, LogLevel expected)
    {
        var tcp = Tcp(delayLoop: 10, retry: 1, delayBeforeRetry: 1) with { LogAllFailures = logAll };
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = attempt => attempt == 1 ? ProbeResult.Down("connect", "refused") : ProbeResult.Up("ok");
        StartWithoutContext(monitor);

        Advance(1);

        var line = _log.Lines.Single(l => l.Message.Contains("attempt 1 failed", StringComparison.Ordinal));
        Assert.That(line.Level, Is.EqualTo(expected));
        Assert.That(line.Message, Does.Contain("connect").And.Contain("refused"));
    }

    [Test]
    public async Task Snapshot_ShowsServerAndEachChecker()
    {
        var first = Tcp();
        var second = Tcp();
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 3, [first, second]));
        _probes[second].Answer = _ => ProbeResult.Down("connect", "refused");
        monitor.SetSuspended("vs1", true);
        StartWithoutContext(monitor);
        monitor.SetSuspended("vs1", false);
        Advance(0);

        var server = monitor.Snapshot().Single();

        Assert.That((server.Server, server.Health, server.Weight, server.Suspended), Is.EqualTo((Server, Health.Unknown, 3, false)), "suspended at start: nothing checked yet");
        Assert.That(server.Checkers.Select(c => (c.Checker, c.Health)), Is.EqualTo(new[] { ("TCP_CHECK#0", Health.Unknown), ("TCP_CHECK#1", Health.Unknown) }));

        Assert.That(server.Checkers.Select(c => c.LastResult), Is.All.Null, "no check has finished");

        Advance(13); // checks at t=10; the failing one retries at t=12 and goes down
        var checkers = monitor.Snapshot().Single().Checkers;
        Assert.That(checkers.Select(c => c.Health), Is.EqualTo(new[] { Health.Up, Health.Down }));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(checkers.Select(c => (c.LastResult?.Success, c.LastResult?.FailedStep)), Is.EqualTo(new[] { ((bool?)true, (string?)null), (false, "connect") }));
            Assert.That(checkers.Select(c => c.LastCheck), Has.All.Not.Null);
            Assert.That(checkers[1].LastCheck, Is.GreaterThan(checkers[0].LastCheck!.Value), "the failing checker's last check is its retry, after the other's check");
            Assert.That(checkers.Select(c => c.LastLatency), Has.All.Not.Null);
        }
    }

    [Test]
    public async Task TryGetServer_UnknownServer_FalseAndGetServerThrows()
    {
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 4, [Tcp()]));
        var other = Server with { Port = 9 };

        Assert.That(monitor.TryGetServer(Server, out var state), Is.True);
        Assert.That(state, Is.EqualTo((Health.Unknown, 4)));
        Assert.That(monitor.TryGetServer(other, out _), Is.False);
        Assert.Throws<KeyNotFoundException>(() => monitor.GetServer(other));
    }

    [Test]
    public void Constructor_UnknownOptions_ReportsEveryError()
    {
        var bad = new[]
        {
            new RealServerChecks(Server, 1, [new HttpCheckOptions { HttpProtocol = "2.0" }]),
            new RealServerChecks(Server with { Port = 81 }, 1, [new DnsCheckOptions { Type = "PTR" }]),
        };

        var ex = Assert.Throws<ArgumentException>(() => _ = new HealthMonitor(bad, _clock));

        Assert.That(ex!.Message, Does.Contain("http_protocol").And.Contain("PTR"));
    }
}
