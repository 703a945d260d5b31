using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Tracking;

namespace Kad.Vrrp.Tests.Tracking;

public class ScriptCommandLineTests
{
    [TestCase("/usr/bin/check", new[] { "/usr/bin/check" })]
    [TestCase("  /bin/check  -a   b ", new[] { "/bin/check", "-a", "b" })]
    [TestCase("/bin/check \"two words\" 'single $quoted'", new[] { "/bin/check", "two words", "single $quoted" })]
    [TestCase("/bin/check a\\ b \"q\\\"uote\"", new[] { "/bin/check", "a b", "q\"uote" })]
    [TestCase("/bin/check ''", new[] { "/bin/check", "" })]
    [TestCase("/bin/killall -0 haproxy", new[] { "/bin/killall", "-0", "haproxy" })]
    public void Split_KeepalivedScriptLine_GivesArgv(string line, string[] expected)
    {
        Assert.That(ScriptCommandLine.Split(line), Is.EqualTo(expected));
    }

    [Test]
    public void Split_UnterminatedQuote_Throws()
    {
        Assert.That(() => ScriptCommandLine.Split("/bin/x \"open"), Throws.InstanceOf<FormatException>());
    }
}

public class RiseFallCounterTests
{
    [Test]
    public void Record_FallFailuresInARow_TurnsUnhealthyOnlyThen()
    {
        var counter = new RiseFallCounter(rise: 2, fall: 3);

        var changes = new[] { false, false, true, false, false, false }.Select(counter.Record).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changes, Is.EqualTo(new[] { false, false, false, false, false, true }));
            Assert.That(counter.IsHealthy, Is.False);
        }
    }

    [Test]
    public void Record_RiseSuccessesInARow_TurnsHealthyAgain()
    {
        var counter = new RiseFallCounter(rise: 2, fall: 1);
        counter.Record(false);

        var first = counter.Record(true);
        var second = counter.Record(true);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.False);
            Assert.That(second, Is.True);
            Assert.That(counter.IsHealthy, Is.True);
        }
    }

    [Test]
    public void Constructor_InitFail_StartsUnhealthy()
    {
        Assert.That(new RiseFallCounter(initFail: true).IsHealthy, Is.False);
    }
}

public class TrackingEvaluatorTests
{
    [Test]
    public void Evaluate_WeightZeroInterfaceDown_IsFault()
    {
        var result = TrackingEvaluator.Evaluate([new HealthInput("eth1", Healthy: false, Kind: TrackKind.Interface)]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Fault, Is.True);
            Assert.That(result.FaultedBy, Is.EqualTo(new[] { "eth1" }));
        }
    }

    [TestCase(true, -20, 0)]
    [TestCase(false, -20, -20)]
    [TestCase(true, 15, 15)]
    [TestCase(false, 15, 0)]
    public void Evaluate_WeightedScript_AddsWeightLikeKeepalived(bool healthy, int weight, int expected)
    {
        var result = TrackingEvaluator.Evaluate([new HealthInput("chk", healthy, weight)]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.PriorityAdjustment, Is.EqualTo(expected));
            Assert.That(result.Fault, Is.False);
        }
    }

    [Test]
    public void Evaluate_ReverseWeightZeroHealthy_IsFault()
    {
        var result = TrackingEvaluator.Evaluate([new HealthInput("chk", Healthy: true, Weight: 0, Reverse: true)]);

        Assert.That(result.Fault, Is.True);
    }

    [TestCase(3, 10, false, 30, false)]
    [TestCase(3, 10, true, -30, false)]
    [TestCase(-300, 1, false, 0, true)]
    [TestCase(5, 0, false, 0, true)]
    [TestCase(0, 0, false, 0, false)]
    public void Evaluate_TrackFile_ValueTimesWeightOrFault(long value, int weight, bool reverse, int adjustment, bool fault)
    {
        var result = TrackingEvaluator.Evaluate([new FileInput("f", value, weight, reverse)]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.PriorityAdjustment, Is.EqualTo(adjustment));
            Assert.That(result.Fault, Is.EqualTo(fault));
        }
    }

    [Test]
    public void Evaluate_SeveralInputs_SumsWeights()
    {
        var result = TrackingEvaluator.Evaluate(
        [
            new HealthInput("eth1", false, -10, Kind: TrackKind.Interface),
            new HealthInput("chk", false, -20),
            new HealthInput("bonus", true, 5),
            new FileInput("f", 2, 3),
        ]);

        Assert.That(result.PriorityAdjustment, Is.EqualTo(-10 - 20 + 5 + 6));
    }

    [TestCase("42\n", 42)]
    [TestCase("  -7 trailing", -7)]
    [TestCase("", 0)]
    [TestCase("abc", 0)]
    public void ParseValue_FileContent_ReadsLeadingInteger(string content, long expected)
    {
        Assert.That(TrackFile.ParseValue(content), Is.EqualTo(expected));
    }

    [Test]
    public void Read_MissingFile_IsZero()
    {
        Assert.That(TrackFile.Read(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))), Is.Zero);
    }
}

public class InstanceTrackerTests
{
    [Test]
    public void SetHealth_ChangesResult_AppliesOnlyChanges()
    {
        var applied = new List<TrackingResult>();
        var tracker = new InstanceTracker(
            [new HealthInput("eth1", true, Kind: TrackKind.Interface), new HealthInput("chk", true, -30)],
            applied.Add);

        tracker.SetHealth(TrackKind.Script, "chk", false);
        tracker.SetHealth(TrackKind.Script, "chk", false);
        tracker.SetHealth(TrackKind.Interface, "eth1", false);
        tracker.SetHealth(TrackKind.Interface, "untracked", false);
        tracker.SetHealth(TrackKind.Interface, "eth1", true);

        Assert.That(applied.Select(r => (r.PriorityAdjustment, r.Fault)), Is.EqualTo(new[] { (-30, false), (-30, true), (-30, false) }));
    }

    [Test]
    public void SetHealth_SameNameDifferentKind_AreDistinct()
    {
        var applied = new List<TrackingResult>();
        var tracker = new InstanceTracker([new HealthInput("x", true, Kind: TrackKind.Interface), new HealthInput("x", true, -5)], applied.Add);

        tracker.SetHealth(TrackKind.Script, "x", false);

        Assert.That(applied.Single(), Is.EqualTo(new TrackingResult(-5, false, [])).Using<TrackingResult>((a, b) => a.PriorityAdjustment == b.PriorityAdjustment && a.Fault == b.Fault));
    }

    [Test]
    public void SetFileValue_NewValue_Applies()
    {
        var applied = new List<TrackingResult>();
        var tracker = new InstanceTracker([new FileInput("prio", 0, 2)], applied.Add);

        tracker.SetFileValue("prio", -5);

        Assert.That(applied.Single().PriorityAdjustment, Is.EqualTo(-10));
    }

    [Test]
    public void Reweigh_SameObjects_KeepsHealthAndAppliesNewWeights()
    {
        var applied = new List<TrackingResult>();
        var tracker = new InstanceTracker([new HealthInput("chk", true, -30), new FileInput("prio", 0, 2), new HealthInput("eth1", true, Kind: TrackKind.Interface)], applied.Add);
        tracker.SetHealth(TrackKind.Script, "chk", false);
        tracker.SetFileValue("prio", 3);

        // The reload's inputs carry start values (healthy, file 0): only their weights may be taken.
        var done = tracker.Reweigh([new HealthInput("chk", true, -50), new FileInput("prio", 0, 10, Reverse: true), new HealthInput("eth1", true, 5, Kind: TrackKind.Interface)]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(done, Is.True);
            Assert.That(applied.Select(r => r.PriorityAdjustment), Is.EqualTo(new[] { -30, -24, -75 }));
            Assert.That(tracker.Current.Fault, Is.False);
        }

        tracker.SetHealth(TrackKind.Script, "chk", true);
        Assert.That(tracker.Current.PriorityAdjustment, Is.EqualTo(-25), "the new weights stay: +5 for eth1 up, -30 for the file");
    }

    [Test]
    public void Reweigh_WeightsUnchanged_AppliesNothing()
    {
        var applied = new List<TrackingResult>();
        var tracker = new InstanceTracker([new HealthInput("chk", false, -30)], applied.Add);

        Assert.That(tracker.Reweigh([new HealthInput("chk", true, -30)]), Is.True);
        Assert.That(applied, Is.Empty);
        Assert.That(tracker.Current.PriorityAdjustment, Is.EqualTo(-30));
    }

    [Test]
    public void Reweigh_WeightToZero_FailedScriptBecomesFault()
    {
        var applied = new List<TrackingResult>();
        var tracker = new InstanceTracker([new HealthInput("chk", false, -30)], applied.Add);

        tracker.Reweigh([new HealthInput("chk", true, 0)]);

        Assert.That(applied.Single().Fault, Is.True);
    }

    [Test]
    public void Reweigh_OtherObjects_RefusedAndNothingChanged()
    {
        var applied = new List<TrackingResult>();
        var tracker = new InstanceTracker([new HealthInput("chk", false, -30)], applied.Add);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tracker.TracksExactly([new HealthInput("chk", true, -30), new HealthInput("other", true, -5)]), Is.False);
            Assert.That(tracker.Reweigh([new HealthInput("chk", true, -10), new HealthInput("other", true, -5)]), Is.False);
            Assert.That(tracker.Reweigh([new HealthInput("chk", true, -10, Kind: TrackKind.Interface)]), Is.False, "same name, other kind");
            Assert.That(tracker.TracksExactly([new HealthInput("chk", true, -10)]), Is.True);
            Assert.That(tracker.Current.PriorityAdjustment, Is.EqualTo(-30));
            Assert.That(applied, Is.Empty);
        }
    }
}

public class ScriptMonitorTests
{
    private sealed class ScriptedRunner(params ScriptOutcome[] outcomes) : IScriptRunner
    {
        private int _next;

        public List<IReadOnlyList<string>> Calls { get; } = [];

        public Task<ScriptOutcome> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Calls.Add(argv);
            return Task.FromResult(outcomes[Math.Min(_next++, outcomes.Length - 1)]);
        }
    }

    [Test]
    public async Task RunOnceAsync_FallTwo_ReportsUnhealthyAfterSecondFailureOrTimeout()
    {
        var changes = new List<(string, bool)>();
        var runner = new ScriptedRunner(ScriptOutcome.Failure, ScriptOutcome.TimedOut, ScriptOutcome.Success);
        var monitor = new ScriptMonitor(new VrrpScriptOptions { Name = "chk", Argv = ["/bin/chk"], Fall = 2 }, runner, new FakeTimeProvider(), (n, h) => changes.Add((n, h)));

        await monitor.RunOnceAsync(CancellationToken.None);
        await monitor.RunOnceAsync(CancellationToken.None);
        await monitor.RunOnceAsync(CancellationToken.None);

        Assert.That(changes, Is.EqualTo(new[] { ("chk", false), ("chk", true) }));
    }

    [Test]
    public async Task RunAsync_FakeClock_RunsOncePerInterval()
    {
        var clock = new FakeTimeProvider();
        var runner = new ScriptedRunner(ScriptOutcome.Success);
        var monitor = new ScriptMonitor(new VrrpScriptOptions { Name = "chk", Argv = ["/bin/chk"], Interval = TimeSpan.FromSeconds(2) }, runner, clock, (_, _) => { });
        using var cancel = new CancellationTokenSource();

        var loop = monitor.RunAsync(cancel.Token);
        for (var i = 0; i < 3; i++)
        {
            // Runs is counted before the loop arms its interval timer; advancing in between would be lost.
            await WaitForAsync(() => monitor.Runs == i + 1 && clock.ArmedTimers == 1);
            clock.Advance(TimeSpan.FromSeconds(2));
        }

        await WaitForAsync(() => monitor.Runs == 4);
        await cancel.CancelAsync();
        Assert.That(async () => await loop, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(runner.Calls, Has.Count.EqualTo(4));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.That(condition(), Is.True);
    }
}

public class ProcessScriptRunnerTests
{
    [Test]
    public async Task RunAsync_True_IsSuccess()
    {
        var outcome = await new ProcessScriptRunner().RunAsync(["/bin/true"], TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(ScriptOutcome.Success));
    }

    [Test]
    public async Task RunAsync_False_IsFailure()
    {
        var outcome = await new ProcessScriptRunner().RunAsync(["/bin/false"], TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(ScriptOutcome.Failure));
    }

    [Test]
    public async Task RunAsync_ArgumentWithSpacesAndShellCharacters_ReachesProgramVerbatimWithoutShell()
    {
        // test(1) returns 0 only if the single argument arrives exactly as given: no shell split or expansion.
        var outcome = await new ProcessScriptRunner().RunAsync(["/usr/bin/test", "a b; $HOME *", "=", "a b; $HOME *"], TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(ScriptOutcome.Success));
    }

    [Test]
    public async Task RunAsync_SleepBeyondTimeout_IsTimedOutAndKilled()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();

        var outcome = await new ProcessScriptRunner().RunAsync(["/bin/sleep", "30"], TimeSpan.FromMilliseconds(300), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome, Is.EqualTo(ScriptOutcome.TimedOut));
            Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        }
    }
}
