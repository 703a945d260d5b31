using Kad.Testing;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.StateMachine;

/// <summary>
/// Several routers on one simulated LAN sharing a fake clock: adverts are delivered (after the sender's step, never
/// re-entrantly) to every other router. Checks the protocol-level outcomes: exactly one master, failover, preemption.
/// </summary>
public class ElectionSimulationTests
{
    private sealed class Lan
    {
        public FakeTimeProvider Clock { get; } = new();
        public List<Node> Nodes { get; } = [];
        private readonly Queue<(Node From, byte Priority)> _wire = new();

        public Node Add(byte priority, uint address, bool preempt = true)
        {
            var node = new Node(this, address);
            node.Router = new VrrpRouter(new VrrpRouterOptions { Priority = priority, PrimaryAddress = address, Preempt = preempt }, Clock, node);
            Nodes.Add(node);
            return node;
        }

        public void Send(Node from, byte priority) => _wire.Enqueue((from, priority));

        public void Deliver()
        {
            while (_wire.TryDequeue(out var packet))
            {
                foreach (var node in Nodes.Where(n => n != packet.From && n.Connected && packet.From.Connected))
                {
                    node.Router.OnAdvertisement(new VrrpAdvertInfo(packet.Priority, TimeSpan.FromSeconds(1), packet.From.Address));
                }
            }
        }

        public void Run(TimeSpan by)
        {
            var end = Clock.GetTimestamp() + by.Ticks;
            while (true)
            {
                var next = Nodes.Where(n => n.Running).Select(n => n.Router.NextDeadline).Where(d => d is not null).Min();
                if (next is null || next > end)
                {
                    break;
                }

                Clock.Advance(TimeSpan.FromTicks(Math.Max(0, next.Value - Clock.GetTimestamp())));
                foreach (var node in Nodes.Where(n => n.Running && n.Router.NextDeadline <= Clock.GetTimestamp()))
                {
                    node.Router.OnTimer();
                }

                Deliver();
            }

            Clock.Advance(TimeSpan.FromTicks(Math.Max(0, end - Clock.GetTimestamp())));
        }

        public IEnumerable<Node> Masters => Nodes.Where(n => n.Running && n.Router.State == VrrpState.Master);
    }

    private sealed class Node(Lan lan, uint address) : IVrrpRouterSink
    {
        public VrrpRouter Router { get; set; } = null!;
        public UInt128 Address { get; } = address;
        public bool Connected { get; set; } = true;
        public bool Running { get; set; } = true;

        public void SendAdvertisement(byte priority) => lan.Send(this, priority);

        public void StateChanged(VrrpStateChange change)
        {
        }
    }

    [Test]
    public void TwoRouters_EqualPriority_HigherAddressIsTheOnlyMaster()
    {
        var lan = new Lan();
        var low = lan.Add(100, 0x0A000001);
        var high = lan.Add(100, 0x0A000002);
        low.Router.Start();
        high.Router.Start();

        lan.Run(TimeSpan.FromSeconds(20));

        Assert.That(lan.Masters, Is.EqualTo(new[] { high }));
    }

    [Test]
    public void ThreeRouters_DifferentPriorities_HighestIsTheOnlyMaster()
    {
        var lan = new Lan();
        var nodes = new[] { lan.Add(90, 0x0A000003), lan.Add(150, 0x0A000001), lan.Add(120, 0x0A000002) };
        foreach (var node in nodes)
        {
            node.Router.Start();
        }

        lan.Run(TimeSpan.FromSeconds(20));

        Assert.That(lan.Masters, Is.EqualTo(new[] { nodes[1] }));
    }

    [Test]
    public void MasterVanishes_BackupTakesOverWithinMasterDownInterval()
    {
        var lan = new Lan();
        var master = lan.Add(150, 0x0A000001);
        var backup = lan.Add(100, 0x0A000002);
        master.Router.Start();
        backup.Router.Start();
        lan.Run(TimeSpan.FromSeconds(10));
        Assert.That(lan.Masters, Is.EqualTo(new[] { master }));

        // SIGKILL: no priority 0, the backup must wait out Master_Down_Interval (≤ 3.61 s after the last advert).
        master.Running = false;
        master.Connected = false;
        lan.Run(backup.Router.MasterDownInterval);

        Assert.That(lan.Masters, Is.EqualTo(new[] { backup }));
    }

    [Test]
    public void MasterStops_BackupTakesOverAfterSkewTimeOnly()
    {
        var lan = new Lan();
        var master = lan.Add(150, 0x0A000001);
        var backup = lan.Add(100, 0x0A000002);
        master.Router.Start();
        backup.Router.Start();
        lan.Run(TimeSpan.FromSeconds(10));

        master.Router.Stop(); // sends priority 0
        master.Running = false;
        lan.Deliver();
        lan.Run(backup.Router.SkewTime);

        Assert.That(lan.Masters, Is.EqualTo(new[] { backup }));
    }

    [TestCase(true, ExpectedResult = "old")]
    [TestCase(false, ExpectedResult = "new")]
    public string OldMasterReturns_PreemptsBackOnlyWithPreempt(bool preempt)
    {
        var lan = new Lan();
        var old = lan.Add(150, 0x0A000001, preempt);
        var fresh = lan.Add(100, 0x0A000002, preempt);
        old.Router.Start();
        fresh.Router.Start();
        lan.Run(TimeSpan.FromSeconds(10));
        old.Router.Stop();
        lan.Deliver();
        lan.Run(TimeSpan.FromSeconds(5));
        Assert.That(lan.Masters, Is.EqualTo(new[] { fresh }), "precondition: failover");

        old.Router = new VrrpRouter(old.Router.Options, lan.Clock, old);
        old.Router.Start();
        lan.Run(TimeSpan.FromSeconds(20));

        Assert.That(lan.Masters.Count(), Is.EqualTo(1));
        return lan.Masters.Single() == old ? "old" : "new";
    }

    [Test]
    public void SplitThenHeal_TwoMastersConvergeToOne()
    {
        var lan = new Lan();
        var a = lan.Add(100, 0x0A000001);
        var b = lan.Add(100, 0x0A000002);
        a.Connected = false;
        a.Router.Start();
        b.Router.Start();
        lan.Run(TimeSpan.FromSeconds(10));
        Assert.That(lan.Masters.Count(), Is.EqualTo(2), "precondition: split brain");

        a.Connected = true;
        lan.Run(TimeSpan.FromSeconds(5));

        Assert.That(lan.Masters, Is.EqualTo(new[] { b }));
    }
}
