using System.Net;
using Kad.Checkers.Scheduling;
using Kad.Checkers.Tests.Support;
using Kad.Testing;

namespace Kad.Checkers.Tests.Scheduling;

/// <summary>
/// The monitor driving a callback-path probe (TCP_CHECK's way) on a fake clock: attempts, timeouts and retries are
/// the scheduler's, with keepalived's TCP_CHECK rule (check_tcp.c tcp_epilog).
/// </summary>
public sealed class HealthMonitorCallbackPathTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RealServerKey Server = new("vs1", IPAddress.Parse("192.0.2.10"), 80);

    private FakeTimeProvider _clock = null!;
    private Dictionary<CheckerOptions, ScriptedCallbackProbe> _probes = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeTimeProvider(Start);
        _probes = new(ReferenceEqualityComparer.Instance);
    }

    private HealthMonitor CreateMonitor(params RealServerChecks[] servers) =>
        new(servers, _clock, null, new Random(7), (_, options) =>
        {
            var probe = new ScriptedCallbackProbe(_clock, CheckerTiming.Resolve(options).ConnectTimeout);
            _probes[options] = probe;
            return probe;
        });

    private static TcpCheckOptions Tcp(double delayLoop = 10, int retry = 1, double delayBeforeRetry = 2, double warmup = 0, double connectTimeout = 3) => new()
    {
        DelayLoop = TimeSpan.FromSeconds(delayLoop),
        Retry = retry,
        DelayBeforeRetry = TimeSpan.FromSeconds(delayBeforeRetry),
        Warmup = TimeSpan.FromSeconds(warmup),
        ConnectTimeout = TimeSpan.FromSeconds(connectTimeout),
    };

    // No synchronization context: everything a fired timer releases runs inside Advance, deterministically.
    private static void WithoutContext(Action action)
    {
        var saved = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(saved);
        }
    }

    private void Advance(double seconds) => WithoutContext(() => _clock.Advance(TimeSpan.FromSeconds(seconds)));

    private static List<HealthEvent> Drain(HealthMonitor monitor)
    {
        var events = new List<HealthEvent>();
        while (monitor.Events.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    private List<double> AttemptSeconds(CheckerOptions options) => [.. _probes[options].AttemptTimes.Select(t => (t - Start).TotalSeconds)];

    [Test]
    public async Task Run_UpThenRefused_RetriesDelayBeforeRetryApartThenGoesDown()
    {
        var tcp = Tcp(delayLoop: 10, retry: 2, delayBeforeRetry: 3);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        WithoutContext(monitor.Start);
        Assert.That(Drain(monitor).Single().Current, Is.EqualTo(Health.Up));

        _probes[tcp].Answer = _ => ScriptedCallbackProbe.Refused;
        Advance(15);
        Assert.That(Drain(monitor), Is.Empty, "still up while retries remain");
        Advance(1);

        var down = Drain(monitor).Single();
        Assert.That((down.Previous, down.Current, down.FailedStep), Is.EqualTo((Health.Up, Health.Down, "connect")));
        Assert.That(AttemptSeconds(tcp), Is.EqualTo(new[] { 0.0, 10, 13, 16 }).Within(0.001));
    }

    [Test]
    public async Task Run_RetryZeroRefused_DownAtTheFirstFailedCheck()
    {
        var tcp = Tcp(delayLoop: 1, retry: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        WithoutContext(monitor.Start);
        Drain(monitor);

        _probes[tcp].Answer = _ => ScriptedCallbackProbe.Refused;
        Advance(1);

        Assert.That(Drain(monitor).Single().Current, Is.EqualTo(Health.Down));
        Assert.That(AttemptSeconds(tcp), Is.EqualTo(new[] { 0.0, 1 }).Within(0.001));
    }

    [Test]
    public async Task Run_AlreadyDown_FailedCheckStillRetriesAsKeepalivedTcpCheckDoes()
    {
        var tcp = Tcp(delayLoop: 10, retry: 2, delayBeforeRetry: 1);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = _ => ScriptedCallbackProbe.Refused;
        WithoutContext(monitor.Start);
        Advance(2); // t=0, 1, 2 -> down
        Assert.That(Drain(monitor).Single().Current, Is.EqualTo(Health.Down));

        Advance(12.5);

        Assert.That(AttemptSeconds(tcp), Is.EqualTo(new[] { 0.0, 1, 2, 12, 13, 14 }).Within(0.001));
        Assert.That(Drain(monitor), Is.Empty);
    }

    [Test]
    public async Task Run_DownServerAnswersOnARetry_UpWithoutWaitingForDelayLoop()
    {
        var tcp = Tcp(delayLoop: 10, retry: 2, delayBeforeRetry: 1);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = attempt => attempt == 5 ? ProbeResult.Up("ok") : ScriptedCallbackProbe.Refused;
        WithoutContext(monitor.Start);
        Advance(2);
        Drain(monitor);

        Advance(11); // t=12 fails, t=13 answers

        var up = Drain(monitor).Single();
        Assert.That((up.Previous, up.Current), Is.EqualTo((Health.Down, Health.Up)));
        Assert.That(up.At - Start, Is.EqualTo(TimeSpan.FromSeconds(13)));
    }

    [Test]
    public async Task Run_AttemptNeverAnswers_TimedOutAtConnectTimeoutAndAborted()
    {
        var tcp = Tcp(delayLoop: 10, retry: 0, connectTimeout: 3);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = _ => null;
        WithoutContext(monitor.Start);

        Advance(2.9);
        Assert.That(Drain(monitor), Is.Empty);
        Advance(0.1);

        var down = Drain(monitor).Single();
        Assert.That((down.Current, down.Reason), Is.EqualTo((Health.Down, "timed out during connect")));
        Assert.That(down.Latency, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(_probes[tcp].Aborts, Is.EqualTo(1));
        Advance(10);
        Assert.That(AttemptSeconds(tcp), Is.EqualTo(new[] { 0.0, 13 }).Within(0.001), "next check delay_loop after the timeout");
    }

    [Test]
    public async Task Run_AnswerArrivesLater_RecordedOnceAndItsTimeoutIsVoid()
    {
        var tcp = Tcp(delayLoop: 10, retry: 0, connectTimeout: 3);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = _ => null;
        WithoutContext(monitor.Start);
        Advance(1);

        Assert.That(_probes[tcp].Complete(ProbeResult.Up("connected")), Is.True);
        var up = Drain(monitor).Single();
        Assert.That((up.Current, up.Latency), Is.EqualTo((Health.Up, TimeSpan.FromSeconds(1))));

        Advance(5); // past the old timeout
        Assert.That(_probes[tcp].Aborts, Is.Zero);
        Assert.That(Drain(monitor), Is.Empty);
        Assert.That(AttemptSeconds(tcp), Is.EqualTo(new[] { 0.0 }), "next check is delay_loop after the answer (t=11)");
    }

    [Test]
    public async Task Warmup_ThousandCheckers_SpreadOverWarmupWithOneTimer()
    {
        var options = Enumerable.Range(0, 1000).Select(_ => Tcp(delayLoop: 1, warmup: 1)).ToList();
        var servers = options.Select((o, i) => new RealServerChecks(new RealServerKey("vs", IPAddress.Parse("192.0.2.1"), 1000 + i), 1, [o])).ToArray();
        await using var monitor = CreateMonitor(servers);
        WithoutContext(monitor.Start);
        Assert.That(_clock.ArmedTimers, Is.EqualTo(1));

        Advance(1);

        var firsts = options.Select(o => (_probes[o].AttemptTimes[0] - Start).TotalSeconds).ToList();
        Assert.That(firsts, Has.All.InRange(0.0, 1.0));
        var busiestTenth = firsts.GroupBy(t => (int)(t * 10)).Max(g => g.Count());
        Assert.That(busiestTenth, Is.LessThanOrEqualTo(150), "about 100 per tenth of a second, not one burst");

        Advance(5);
        Assert.That(options.Select(o => _probes[o].AttemptTimes.Count), Has.All.InRange(5, 7), "each checks once per delay_loop");
    }

    [Test]
    public async Task Run_ThousandSpreadCheckers_OneFailureReportedAtItsOwnCheckDelayLoopAfterThePrevious()
    {
        var options = Enumerable.Range(0, 1000).Select(_ => Tcp(delayLoop: 1, retry: 0, warmup: 1)).ToList();
        var servers = options.Select((o, i) => new RealServerChecks(new RealServerKey("vs", IPAddress.Parse("192.0.2.1"), 1000 + i), 1, [o])).ToArray();
        await using var monitor = CreateMonitor(servers);
        WithoutContext(monitor.Start);
        Advance(2.5);
        Drain(monitor);

        // The spreading of the other 999 must neither delay this server's check nor hold back its report.
        var failing = _probes[options[500]];
        failing.Answer = _ => ScriptedCallbackProbe.Refused;
        var checksBefore = failing.AttemptTimes.Count;
        var events = new List<HealthEvent>();
        for (var step = 0; step < 150 && events.Count == 0; step++)
        {
            Advance(0.01);
            events.AddRange(Drain(monitor));
        }

        var down = events.Single();
        var failedCheck = failing.AttemptTimes[checksBefore];
        Assert.Multiple(() =>
        {
            Assert.That((down.Server, down.Current), Is.EqualTo((servers[500].Server, Health.Down)));
            Assert.That(failing.AttemptTimes, Has.Count.EqualTo(checksBefore + 1));
            Assert.That(down.At, Is.EqualTo(failedCheck), "published at the failed check's own time");
            Assert.That((failedCheck - failing.AttemptTimes[checksBefore - 1]).TotalSeconds, Is.InRange(1 - CheckScheduler.CoalesceWindow.TotalSeconds, 1.0), "delay_loop after the previous check, never later");
        });
    }

    [Test]
    public async Task TransitionRecorded_FailedCheck_HandedOverOnTheRecordingThreadBeforeTheChannel()
    {
        var tcp = Tcp(delayLoop: 1, retry: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        var handed = new List<(HealthEvent Event, bool Queued, Health State, int Thread)>();
        monitor.TransitionRecorded = e => handed.Add((e, monitor.Events.TryPeek(out _), monitor.GetServer(Server).Health, Environment.CurrentManagedThreadId));
        WithoutContext(monitor.Start);
        Drain(monitor);

        _probes[tcp].Answer = _ => ScriptedCallbackProbe.Refused;
        Advance(1);

        var queued = Drain(monitor);
        Assert.Multiple(() =>
        {
            Assert.That(handed.Select(h => h.Event.Current).ToList(), Is.EqualTo(new[] { Health.Up, Health.Down }));
            Assert.That(handed[^1].Event, Is.SameAs(queued.Single()), "the very event the channel carries");
            Assert.That(handed[^1].Queued, Is.False, "handed over before a reader of the channel can see it");
            Assert.That(handed[^1].State, Is.EqualTo(Health.Down), "the server's state asked from the consumer is the new one");
            Assert.That(handed[^1].Thread, Is.EqualTo(Environment.CurrentManagedThreadId), "the fake clock's timer runs the check on this thread");
        });
    }

    [Test]
    public async Task TransitionRecorded_ConsumerThrows_ChecksGoOn()
    {
        var tcp = Tcp(delayLoop: 1, retry: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        monitor.TransitionRecorded = _ => throw new InvalidOperationException("consumer fault");
        WithoutContext(monitor.Start);
        _probes[tcp].Answer = _ => ScriptedCallbackProbe.Refused;

        Advance(3);

        Assert.That(Drain(monitor).Select(e => e.Current), Is.EqualTo(new[] { Health.Up, Health.Down }));
        Assert.That(AttemptSeconds(tcp), Is.EqualTo(new[] { 0.0, 1, 2, 3 }).Within(0.001));
    }

    [Test]
    public async Task SetSuspended_NoAttemptsWhileSuspended()
    {
        var tcp = Tcp(delayLoop: 5, retry: 0);
        await using var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        WithoutContext(monitor.Start);
        monitor.SetSuspended("vs1", suspended: true);
        _probes[tcp].Answer = _ => ScriptedCallbackProbe.Refused;

        Advance(20);
        Assert.That(_probes[tcp].AttemptTimes, Has.Count.EqualTo(1));

        monitor.SetSuspended("vs1", suspended: false);
        Advance(5);
        Assert.That(Drain(monitor).Select(e => e.Current), Is.EqualTo(new[] { Health.Up, Health.Down }));
    }

    [Test]
    public async Task StopAsync_AttemptInProgress_IsAbortedAndNothingStaysArmed()
    {
        var tcp = Tcp(delayLoop: 5, connectTimeout: 3);
        var monitor = CreateMonitor(new RealServerChecks(Server, 1, [tcp]));
        _probes[tcp].Answer = _ => null;
        WithoutContext(monitor.Start);

        await monitor.DisposeAsync();

        Assert.That(_probes[tcp].Aborts, Is.EqualTo(1));
        Assert.That(_probes[tcp].Complete(ProbeResult.Up("late")), Is.False);
        Assert.That(_clock.ArmedTimers, Is.Zero);
    }
}
