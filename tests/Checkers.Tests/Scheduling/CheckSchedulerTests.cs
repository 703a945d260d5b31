using Kad.Checkers.Scheduling;
using Kad.Testing;

namespace Kad.Checkers.Tests.Scheduling;

public sealed class CheckSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private FakeTimeProvider _clock = null!;

    [SetUp]
    public void SetUp() => _clock = new FakeTimeProvider(Start);

    /// <summary>Records when (fake seconds since start) each of its tokens was run; the latest token is the current one.</summary>
    private sealed class Work(FakeTimeProvider clock) : IScheduledWork
    {
        public long Latest { get; set; }

        public List<(long Token, double At)> Runs { get; } = [];

        public bool IsCurrent(long token) => token == Latest;

        public void OnDue(long token) => Runs.Add((token, (clock.GetUtcNow() - Start).TotalSeconds));
    }

    private Work ScheduleNew(CheckScheduler scheduler, double seconds, long token = 1)
    {
        var work = new Work(_clock) { Latest = token };
        scheduler.Schedule(work, token, TimeSpan.FromSeconds(seconds));
        return work;
    }

    [Test]
    public void Schedule_ClockReachesDueTime_RunsThenAndNotBefore()
    {
        using var scheduler = new CheckScheduler(_clock);
        var early = ScheduleNew(scheduler, 5);
        var late = ScheduleNew(scheduler, 8);

        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.That(early.Runs, Is.Empty);

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.That(early.Runs.Select(r => r.At), Is.EqualTo(new[] { 5.0 }).Within(0.001));
        Assert.That(late.Runs, Is.Empty);

        _clock.Advance(TimeSpan.FromSeconds(3));
        Assert.That(late.Runs.Select(r => r.At), Is.EqualTo(new[] { 8.0 }).Within(0.001));
    }

    [Test]
    public void Schedule_EarlierThanArmed_RearmsTheOneTimer()
    {
        using var scheduler = new CheckScheduler(_clock);
        var later = ScheduleNew(scheduler, 10);
        var sooner = ScheduleNew(scheduler, 2);

        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.That(sooner.Runs, Has.Count.EqualTo(1));
        Assert.That(later.Runs, Is.Empty);
        Assert.That(_clock.ArmedTimers, Is.EqualTo(1), "one timer for everything");
    }

    [Test]
    public void RunDue_ManyWorks_OneTimerAndBatchesWithinTheCoalesceWindow()
    {
        using var scheduler = new CheckScheduler(_clock);
        var window = CheckScheduler.CoalesceWindow.TotalSeconds;
        var first = ScheduleNew(scheduler, 1);
        var withinWindow = ScheduleNew(scheduler, 1 + (window / 2));
        var beyondWindow = ScheduleNew(scheduler, 1 + (window * 3));
        var others = Enumerable.Range(0, 1000).Select(i => ScheduleNew(scheduler, 2 + (i / 1000.0))).ToList();
        Assert.That(_clock.ArmedTimers, Is.EqualTo(1));

        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(first.Runs.Single().At, Is.EqualTo(1.0).Within(0.0001));
        Assert.That(withinWindow.Runs.Single().At, Is.EqualTo(1.0).Within(0.0001), "ran early, with the batch");
        Assert.That(beyondWindow.Runs, Is.Empty, "outside the window: waits for its own time");

        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(others.Select(w => w.Runs.Count), Has.All.EqualTo(1));
        Assert.That(others.Select((w, i) => w.Runs[0].At - (2 + (i / 1000.0))), Has.All.InRange(-window - 0.0001, 0.0001), "never late, at most one window early");
    }

    [Test]
    public void RunDue_SupersededToken_IsSkipped()
    {
        using var scheduler = new CheckScheduler(_clock);
        var work = ScheduleNew(scheduler, 3, token: 1);
        work.Latest = 2; // e.g. an attempt's timeout after the attempt ended
        scheduler.Schedule(work, 2, TimeSpan.FromSeconds(5));

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.That(work.Runs.Select(r => (r.Token, r.At)), Is.EqualTo(new[] { (2L, 5.0) }));
        Assert.That(scheduler.Count, Is.Zero);
    }

    [Test]
    public void RunDue_WorkSchedulesAgainFromItsCallback_RunsAtTheNewTime()
    {
        using var scheduler = new CheckScheduler(_clock);
        var runs = new List<double>();
        var work = new Rescheduling(scheduler, _clock, runs);
        scheduler.Schedule(work, 0, TimeSpan.Zero);
        scheduler.RunDue();

        _clock.Advance(TimeSpan.FromSeconds(7.5));

        Assert.That(runs, Is.EqualTo(new[] { 0.0, 2, 4, 6 }).Within(0.001));
    }

    [Test]
    public void Dispose_DisarmsTimer_LaterSchedulesAreIgnored()
    {
        var scheduler = new CheckScheduler(_clock);
        var work = ScheduleNew(scheduler, 1);

        scheduler.Dispose();
        scheduler.Schedule(work, 1, TimeSpan.FromSeconds(2));
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.That(_clock.ArmedTimers, Is.Zero);
        Assert.That(work.Runs, Is.Empty);
    }

    /// <summary>Runs every 2 s by scheduling itself again from its own callback (as a checker's next check does).</summary>
    private sealed class Rescheduling(CheckScheduler scheduler, FakeTimeProvider clock, List<double> runs) : IScheduledWork
    {
        private long _token;

        public bool IsCurrent(long token) => token == _token;

        public void OnDue(long token)
        {
            runs.Add((clock.GetUtcNow() - Start).TotalSeconds);
            scheduler.Schedule(this, ++_token, TimeSpan.FromSeconds(2));
        }
    }
}
