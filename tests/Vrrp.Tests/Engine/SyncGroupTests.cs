using System.Net;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.Engine;

public class SyncGroupTests
{
    private sealed class Group
    {
        public FakeTimeProvider Clock { get; } = new();
        public Queue<Action> Pending { get; } = new();
        public RecordingNotifyPort Notify { get; } = new();
        public VrrpInstance A { get; }
        public VrrpInstance B { get; }
        public SyncGroup Sync { get; }

        public Group()
        {
            A = NewInstance("VI_A", 1);
            B = NewInstance("VI_B", 2);
            Sync = new SyncGroup("VG", [new SyncGroupMember(A, Pending.Enqueue), new SyncGroupMember(B, Pending.Enqueue)], Notify);
            A.Start();
            B.Start();
            Drain();
        }

        private VrrpInstance NewInstance(string name, byte vrid)
        {
            var instance = new VrrpInstance(new VrrpInstanceOptions
            {
                Name = name,
                Interface = "eth0",
                VirtualRouterId = vrid,
                VirtualAddresses = [VirtualAddress.Host(IPAddress.Parse($"10.0.{vrid}.100"))],
            }, Clock, new RecordingAddressPort());
            instance.Bind(new CountingWire(), IPAddress.Parse("10.0.0.1"));
            return instance;
        }

        /// <summary>Runs posted orders the way the interface threads would, until none are left.</summary>
        public void Drain()
        {
            while (Pending.TryDequeue(out var action))
            {
                action();
            }
        }

        /// <summary>Advances the clock and fires A's timers only (B has its master-down timer too: keep it pending).</summary>
        public void FireA(TimeSpan by)
        {
            Clock.Advance(by);
            A.OnTimer();
            Drain();
        }
    }

    [Test]
    public void OneMemberBecomesMaster_BackupMemberFollowsAtOnce()
    {
        var group = new Group();

        group.FireA(TimeSpan.FromSeconds(4)); // only A's master-down timer is fired

        using (Assert.EnterMultipleScope())
        {
            Assert.That(group.A.State, Is.EqualTo(VrrpState.Master));
            Assert.That(group.B.State, Is.EqualTo(VrrpState.Master));
            Assert.That(group.Notify.Notifications.Where(n => n.Kind == "GROUP").Select(n => n.StateWord), Does.Contain("MASTER"));
        }
    }

    [Test]
    public void OneMasterMemberYields_OtherMasterFollowsToBackup()
    {
        var group = new Group();
        group.FireA(TimeSpan.FromSeconds(4));

        group.A.Router.OnAdvertisement(new VrrpAdvertInfo(200, TimeSpan.FromSeconds(1), UInt128.MaxValue));
        group.Drain();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(group.A.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(group.B.State, Is.EqualTo(VrrpState.Backup));
        }
    }

    [Test]
    public void OneMemberFaults_AllGoFaultAndRecoverTogether()
    {
        var group = new Group();
        group.FireA(TimeSpan.FromSeconds(4));

        group.A.SetFault(true);
        group.Drain();
        var faulted = (group.A.State, group.B.State);
        group.A.SetFault(false);
        group.Drain();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(faulted, Is.EqualTo((VrrpState.Fault, VrrpState.Fault)));
            Assert.That(group.A.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(group.B.State, Is.EqualTo(VrrpState.Backup));
            Assert.That(group.Notify.Notifications.Where(n => n.Kind == "GROUP").Select(n => n.StateWord), Is.EqualTo(new[] { "BACKUP", "MASTER", "FAULT", "BACKUP" }));
        }
    }

    [Test]
    public void TwoMembersFault_FirstRecovers_GroupStaysFaultUntilBoth()
    {
        var group = new Group();
        group.A.SetFault(true);
        group.Drain();
        group.B.SetFault(true);
        group.Drain();

        group.A.SetFault(false);
        group.Drain();
        var afterFirst = (group.A.State, group.B.State);
        group.B.SetFault(false);
        group.Drain();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterFirst, Is.EqualTo((VrrpState.Fault, VrrpState.Fault)));
            Assert.That((group.A.State, group.B.State), Is.EqualTo((VrrpState.Backup, VrrpState.Backup)));
        }
    }

    [TestCase(VrrpState.Backup, VrrpState.Master, VrrpState.Backup, ExpectedResult = SyncOrder.FollowToMaster)]
    [TestCase(VrrpState.Backup, VrrpState.Master, VrrpState.Master, ExpectedResult = SyncOrder.None)]
    [TestCase(VrrpState.Backup, VrrpState.Master, VrrpState.Fault, ExpectedResult = SyncOrder.None)]
    [TestCase(VrrpState.Master, VrrpState.Backup, VrrpState.Master, ExpectedResult = SyncOrder.FollowToBackup)]
    [TestCase(VrrpState.Fault, VrrpState.Backup, VrrpState.Master, ExpectedResult = SyncOrder.None)]
    [TestCase(VrrpState.Master, VrrpState.Fault, VrrpState.Master, ExpectedResult = SyncOrder.None)]
    public SyncOrder Decide_Transition_TellsOtherMember(VrrpState from, VrrpState to, VrrpState other) =>
        SyncGroup.Decide(new VrrpStateChange(from, to, VrrpTransitionReason.Startup), other);
}

public class NotifyDispatcherTests
{
    private static readonly NotifyScripts Scripts = new()
    {
        Master = ["/etc/kad/master.sh", "arg"],
        Fault = ["/etc/kad/fault.sh"],
        Any = ["/etc/kad/notify.sh"],
    };

    [Test]
    public void CommandsFor_Master_RunsMasterScriptThenNotifyWithKeepalivedArguments()
    {
        var commands = NotifyDispatcher.CommandsFor(Scripts, new VrrpNotification("INSTANCE", "VI_1", VrrpState.Master, 150, VrrpTransitionReason.Startup));

        Assert.That(commands, Is.EqualTo(new[]
        {
            new[] { "/etc/kad/master.sh", "arg" },
            new[] { "/etc/kad/notify.sh", "INSTANCE", "VI_1", "MASTER", "150" },
        }));
    }

    [Test]
    public void CommandsFor_StopWithoutStopScript_RunsOnlyNotify()
    {
        var commands = NotifyDispatcher.CommandsFor(Scripts, new VrrpNotification("GROUP", "VG", VrrpState.Initialize, 0, VrrpTransitionReason.Shutdown));

        Assert.That(commands, Is.EqualTo(new[] { new[] { "/etc/kad/notify.sh", "GROUP", "VG", "STOP", "0" } }));
    }

    /// <summary>Reads <paramref name="length"/> bytes from a FIFO that still has a writer (so the read cannot hit EOF early).</summary>
    private static string ReadFifo(string path, int length)
    {
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read);
        var buffer = new byte[length];
        reader.ReadExactly(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer);
    }

    [Test]
    public void NotifyFifo_NoReader_OpensAtOnceAndDropsWhenFullInsteadOfBlocking()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kad-fifo-{Guid.NewGuid():N}");
        using (var fifo = NotifyFifo.Open(path))
        {
            var line = new string('x', 1023) + "\n";
            var written = 0;
            while (fifo.TryWrite(line) && written < 10_000)
            {
                written++;
            }

            using (Assert.EnterMultipleScope())
            {
                Assert.That(fifo.Created, Is.True);
                Assert.That(written, Is.InRange(1, 9_999), "the pipe fills (64 KiB by default) and further lines are dropped");
                Assert.That(fifo.Dropped, Is.EqualTo(1));
                Assert.That(ReadFifo(path, line.Length), Is.EqualTo(line), "what was written is there for a reader that comes later");
            }
        }

        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void NotifyFifo_ExistingFifo_KeptOnDispose()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kad-fifo-{Guid.NewGuid():N}");
        using (var first = NotifyFifo.Open(path))
        {
            using (var second = NotifyFifo.Open(path))
            {
                Assert.That(second.Created, Is.False);
                Assert.That(second.TryWrite("GROUP \"G\" MASTER 0\n"), Is.True);
            }

            Assert.That(File.Exists(path), Is.True, "a FIFO kad did not create is left where it was");
            Assert.That(ReadFifo(path, "GROUP \"G\" MASTER 0\n".Length), Is.EqualTo("GROUP \"G\" MASTER 0\n"));
        }

        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void FifoLine_Instance_IsKeepalivedFormat()
    {
        var line = NotifyDispatcher.FifoLine(new VrrpNotification("INSTANCE", "VI_1", VrrpState.Backup, 100, VrrpTransitionReason.Startup));

        Assert.That(line, Is.EqualTo("INSTANCE \"VI_1\" BACKUP 100\n"));
    }

    /// <summary>Scripts that do not finish until the test opens the gate; records what ran, in order.</summary>
    private sealed class RecordingGatedRunner : IScriptRunner
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Ran { get; } = [];

        public void Open() => _gate.TrySetResult();

        public async Task<ScriptOutcome> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken cancellationToken)
        {
            await _gate.Task.WaitAsync(cancellationToken);
            lock (Ran)
            {
                Ran.Add(string.Join(' ', argv));
            }

            return ScriptOutcome.Success;
        }
    }

    [Test]
    public async Task Notify_SlowScripts_ReturnsAtOnceAndRunsInOrder()
    {
        var runner = new RecordingGatedRunner();
        var fifo = Path.Combine(Path.GetTempPath(), $"kad-fifo-{Guid.NewGuid():N}");
        using var fifos = new NotifyFifoSet();
        fifos.Replace([NotifyFifo.Open(fifo)]);
        var dispatcher = new NotifyDispatcher(new Dictionary<string, NotifyScripts> { ["VI_1"] = Scripts }, runner, fifos: fifos);

        // The scripts cannot finish before the gate opens, so Notify returning at all proves it does not wait for them.
        dispatcher.Notify(new VrrpNotification("INSTANCE", "VI_1", VrrpState.Master, 150, VrrpTransitionReason.Startup));
        dispatcher.Notify(new VrrpNotification("INSTANCE", "VI_1", VrrpState.Fault, 150, VrrpTransitionReason.FaultRaised));
        dispatcher.Notify(new VrrpNotification("INSTANCE", "other", VrrpState.Fault, 150, VrrpTransitionReason.FaultRaised));
        int ranBeforeGate;
        lock (runner.Ran)
        {
            ranBeforeGate = runner.Ran.Count;
        }

        runner.Open();
        await dispatcher.DisposeAsync();

        try
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(ranBeforeGate, Is.Zero);
                Assert.That(runner.Ran, Is.EqualTo(new[]
                {
                    "/etc/kad/master.sh arg", "/etc/kad/notify.sh INSTANCE VI_1 MASTER 150",
                    "/etc/kad/fault.sh", "/etc/kad/notify.sh INSTANCE VI_1 FAULT 150",
                }));
                Assert.That(ReadFifo(fifo, "INSTANCE \"VI_1\" MASTER 150\nINSTANCE \"VI_1\" FAULT 150\n".Length),
                    Is.EqualTo("INSTANCE \"VI_1\" MASTER 150\nINSTANCE \"VI_1\" FAULT 150\n"));
            }
        }
        finally
        {
            fifos.Dispose();
        }

        Assert.That(File.Exists(fifo), Is.False, "the FIFO kad created is removed again");
    }

    private sealed class GatedRunner : IScriptRunner
    {
        public TaskCompletionSource FirstStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Runs { get; private set; }

        public async Task<ScriptOutcome> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Runs++;
            FirstStarted.TrySetResult();
            await Gate.Task;
            return ScriptOutcome.Success;
        }
    }

    [Test]
    public async Task MasterReceivedLowerPriority_BurstWhileOneRuns_CoalescedIntoOneMoreRun()
    {
        var runner = new GatedRunner();
        var dispatcher = new NotifyDispatcher(new Dictionary<string, NotifyScripts> { ["VI_1"] = new() { MasterRxLowerPriority = ["/etc/kad/lower.sh"] } }, runner);

        dispatcher.MasterReceivedLowerPriority("VI_1");
        await runner.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 5; i++)
        {
            dispatcher.MasterReceivedLowerPriority("VI_1");
        }

        dispatcher.MasterReceivedLowerPriority("no-such-instance");
        runner.Gate.SetResult();
        await dispatcher.DisposeAsync();

        Assert.That(runner.Runs, Is.EqualTo(2), "the running one, then one for the five that arrived meanwhile");
    }
}
