using System.Collections.Immutable;
using System.Net;
using Kad.Checkers;
using Kad.Config.Model;
using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Tests.Lvs;

public sealed class LvsPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IpvsService Web = new(IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.1"), 80), "rr");
    private static readonly ScriptCommand UpScript = Script("/bin/up");
    private static readonly ScriptCommand DownScript = Script("/bin/down");

    private readonly Dictionary<RealServerKey, (Health, int)> _health = [];

    // NUnit shares one fixture instance between tests.
    [SetUp]
    public void ClearHealth() => _health.Clear();

    [Test]
    public void Plan_FailedServer_RemovedFromService()
    {
        var (planner, vs) = Planner(Vs(Rs(1), Rs(2)));
        Fail(vs.RealServers[0]);

        var plan = planner.Plan(Health, ActualTable.Empty, Now);

        var service = plan.Desired.Services[Web.Key];
        Assert.Multiple(() =>
        {
            Assert.That(service.Present.Keys, Is.EquivalentTo(new[] { vs.RealServers[1].Key }));
            Assert.That(service.Absent, Does.Contain(vs.RealServers[0].Key));
        });
    }

    [Test]
    public void Plan_FailedServerWithInhibitOnFailure_KeptAtWeightZero()
    {
        var (planner, vs) = Planner(Vs(Rs(1) with { InhibitOnFailure = true }, Rs(2)));
        Fail(vs.RealServers[0]);

        var plan = planner.Plan(Health, ActualTable.Empty, Now);

        Assert.That(plan.Desired.Services[Web.Key].Present[vs.RealServers[0].Key].Weight, Is.Zero);
    }

    [Test]
    public void Plan_UnknownHealth_InServiceAsKeepalived()
    {
        var (planner, vs) = Planner(Vs(Rs(1)));
        _health[vs.RealServers[0].HealthKey] = (Checkers.Health.Unknown, 1);

        var plan = planner.Plan(Health, ActualTable.Empty, Now);

        Assert.That(plan.Desired.Services[Web.Key].Present.ContainsKey(vs.RealServers[0].Key), Is.True);
    }

    [Test]
    public void Plan_DynamicWeight_UsedForDestination()
    {
        var (planner, vs) = Planner(Vs(Rs(1)));
        _health[vs.RealServers[0].HealthKey] = (Checkers.Health.Up, 17);

        var plan = planner.Plan(Health, ActualTable.Empty, Now);

        Assert.That(plan.Desired.Services[Web.Key].Present[vs.RealServers[0].Key].Weight, Is.EqualTo(17u));
    }

    [Test]
    public void Plan_AllServersDown_SorryServerAddedAndRemovedWhenOneReturns()
    {
        var sorry = Dest(99);
        var (planner, vs) = Planner(Vs(Rs(1), Rs(2)) with { SorryServer = sorry });
        Assert.That(planner.Plan(Health, ActualTable.Empty, Now).Desired.Services[Web.Key].Absent, Does.Contain(DestinationKey.Of(sorry)));

        Fail(vs.RealServers[0]);
        Fail(vs.RealServers[1]);
        var down = planner.Plan(Health, ActualTable.Empty, Now).Desired.Services[Web.Key];
        Up(vs.RealServers[1]);
        var back = planner.Plan(Health, ActualTable.Empty, Now).Desired.Services[Web.Key];

        Assert.Multiple(() =>
        {
            Assert.That(down.Present.Keys, Is.EquivalentTo(new[] { DestinationKey.Of(sorry) }));
            Assert.That(back.Present.Keys, Is.EquivalentTo(new[] { vs.RealServers[1].Key }));
            Assert.That(back.Absent, Does.Contain(DestinationKey.Of(sorry)));
        });
    }

    [Test]
    public void Plan_SorryServerInhibit_KeptAtWeightZeroWhileUnused()
    {
        var sorry = Dest(99);
        var (planner, _) = Planner(Vs(Rs(1)) with { SorryServer = sorry, SorryServerInhibit = true });

        var plan = planner.Plan(Health, ActualTable.Empty, Now);

        Assert.That(plan.Desired.Services[Web.Key].Present[DestinationKey.Of(sorry)].Weight, Is.Zero);
    }

    [Test]
    public void Plan_QuorumLostWithSorryServer_LiveServersTakenOutToo()
    {
        var sorry = Dest(99);
        var (planner, vs) = Planner(Vs(Rs(1, weight: 2), Rs(2, weight: 2)) with { SorryServer = sorry, Quorum = 3 });
        planner.Plan(Health, ActualTable.Empty, Now);
        Fail(vs.RealServers[0]);

        var plan = planner.Plan(Health, ActualTable.Empty, Now).Desired.Services[Web.Key];

        Assert.Multiple(() =>
        {
            Assert.That(plan.Present.Keys, Is.EquivalentTo(new[] { DestinationKey.Of(sorry) }));
            Assert.That(plan.Absent, Does.Contain(vs.RealServers[1].Key));
            Assert.That(planner.HasQuorum(vs.Name), Is.False);
        });
    }

    [Test]
    public void Plan_Hysteresis_QuorumNeedsQuorumPlusHysteresisToReturn()
    {
        // quorum 3, hysteresis 1: lost below 2, regained at 4.
        var (planner, vs) = Planner(Vs(Rs(1, weight: 1), Rs(2, weight: 1), Rs(3, weight: 2)) with { Quorum = 3, Hysteresis = 1, QuorumUp = UpScript, QuorumDown = DownScript });
        planner.Plan(Health, ActualTable.Empty, Now);
        var states = new List<bool?>();
        var scripts = new List<string>();
        void Step(Action change)
        {
            change();
            scripts.AddRange(planner.Plan(Health, ActualTable.Empty, Now).Notifications.Select(n => n.Script.Command));
            states.Add(planner.HasQuorum(vs.Name));
        }

        Step(() => Fail(vs.RealServers[2]));   // live 2: not below 2, keeps quorum
        Step(() => Fail(vs.RealServers[1]));   // live 1: lost
        Step(() => Up(vs.RealServers[1]));     // live 2: not yet back (needs 4)
        Step(() => Up(vs.RealServers[2]));     // live 4: back

        Assert.Multiple(() =>
        {
            Assert.That(states, Is.EqualTo(new bool?[] { true, false, false, true }));
            Assert.That(scripts, Is.EqualTo(new[] { "/bin/down", "/bin/up" }));
        });
    }

    [Test]
    public void Plan_ServerTransitions_RunNotifyScriptsOncePerChange()
    {
        var (planner, vs) = Planner(Vs(Rs(1) with { NotifyUp = UpScript, NotifyDown = DownScript }, Rs(2)));
        var first = planner.Plan(Health, ActualTable.Empty, Now).Notifications;
        Fail(vs.RealServers[0]);
        var down = planner.Plan(Health, ActualTable.Empty, Now).Notifications;
        var again = planner.Plan(Health, ActualTable.Empty, Now).Notifications;
        Up(vs.RealServers[0]);
        var up = planner.Plan(Health, ActualTable.Empty, Now).Notifications;

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.Empty);
            Assert.That(down.Select(n => n.Script), Is.EqualTo(new[] { DownScript }));
            Assert.That(again, Is.Empty);
            Assert.That(up.Select(n => n.Script), Is.EqualTo(new[] { UpScript }));
        });
    }

    [Test]
    public void Plan_DrainOnFailure_WeightZeroUntilConnectionsEnd()
    {
        var (planner, vs) = Planner(Vs(Rs(1), Rs(2)) with { DrainTimeout = TimeSpan.FromMinutes(5) });
        var busy = Actual(vs, active: 3);
        Fail(vs.RealServers[0]);

        var draining = planner.Plan(Health, busy, Now);
        var stillBusy = planner.Plan(Health, busy, Now + TimeSpan.FromMinutes(1));
        var idle = planner.Plan(Health, Actual(vs, active: 0), Now + TimeSpan.FromMinutes(2));

        Assert.Multiple(() =>
        {
            Assert.That(draining.Desired.Services[Web.Key].Present[vs.RealServers[0].Key].Weight, Is.Zero);
            Assert.That(draining.NextDrainDeadline, Is.EqualTo(Now + TimeSpan.FromMinutes(5)));
            Assert.That(stillBusy.Desired.Services[Web.Key].Present[vs.RealServers[0].Key].Weight, Is.Zero);
            Assert.That(idle.Desired.Services[Web.Key].Absent, Does.Contain(vs.RealServers[0].Key));
            Assert.That(idle.Desired.Services[Web.Key].Present.ContainsKey(vs.RealServers[0].Key), Is.False);
        });
    }

    [Test]
    public void Plan_DrainTimeoutPassed_RemovedDespiteConnections()
    {
        var (planner, vs) = Planner(Vs(Rs(1), Rs(2)) with { DrainTimeout = TimeSpan.FromSeconds(30) });
        var busy = Actual(vs, active: 3);
        Fail(vs.RealServers[0]);
        planner.Plan(Health, busy, Now);

        var late = planner.Plan(Health, busy, Now + TimeSpan.FromSeconds(30));

        Assert.That(late.Desired.Services[Web.Key].Absent, Does.Contain(vs.RealServers[0].Key));
    }

    [Test]
    public void Plan_RealServerDrainTimeout_OverridesVirtualServers()
    {
        var (planner, vs) = Planner(Vs(Rs(1) with { DrainTimeout = TimeSpan.FromMinutes(5) }, Rs(2)));
        var busy = Actual(vs, active: 3);
        Fail(vs.RealServers[0]);
        Fail(vs.RealServers[1]);

        var plan = planner.Plan(Health, busy, Now);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Desired.Services[Web.Key].Present[vs.RealServers[0].Key].Weight, Is.Zero, "drains with its own timeout");
            Assert.That(plan.Desired.Services[Web.Key].Absent, Does.Contain(vs.RealServers[1].Key), "no timeout anywhere: removed at once");
        });
    }

    [Test]
    public void SetModel_RemovedRealServerWithDrainTimeout_DrainedBeforeDeletion()
    {
        var (planner, vs) = Planner(Vs(Rs(1) with { DrainTimeout = TimeSpan.FromSeconds(30) }, Rs(2)));
        var busy = Actual(vs, active: 2);
        planner.Plan(Health, busy, Now);

        planner.SetModel(new LvsModel([Vs(Rs(2))]));
        var draining = planner.Plan(Health, busy, Now);
        var late = planner.Plan(Health, busy, Now + TimeSpan.FromSeconds(31));

        Assert.Multiple(() =>
        {
            Assert.That(draining.Desired.Services[Web.Key].Present[vs.RealServers[0].Key].Weight, Is.Zero);
            Assert.That(late.Desired.Services[Web.Key].Absent, Does.Contain(vs.RealServers[0].Key));
        });
    }

    [Test]
    public void SetModel_RealServerRemovedByReload_RetiredAndDeleted()
    {
        var (planner, vs) = Planner(Vs(Rs(1), Rs(2)));
        var actual = Actual(vs, active: 0);
        planner.Plan(Health, actual, Now);

        planner.SetModel(new LvsModel([Vs(Rs(2))]));
        var plan = planner.Plan(Health, actual, Now);

        Assert.That(IpvsDiff.Compute(plan.Desired, actual), Is.EqualTo(new IpvsOperation[] { new IpvsOperation.DeleteDestination(Web.Key, vs.RealServers[0].Key.Address, vs.RealServers[0].Key.Port) }));
    }

    [Test]
    public void SetModel_OneOfSeveralChanged_ReturnsOnlyItsNameAndPlanTouchesOnlyIt()
    {
        var planner = new LvsPlanner();
        var before = new LvsModel([Named("a", 1, Rs(1)), Named("b", 2, Rs(2)), Named("c", 3, Rs(3))]);
        Assert.That(planner.SetModel(before), Is.EquivalentTo(new[] { "a", "b", "c" }), "everything is new at start");
        var actual = new ActualTable(ImmutableDictionary<IpvsServiceKey, ActualService>.Empty);
        actual = actual.With(IpvsDiff.Compute(planner.Plan(Health, actual, Now).Desired, actual));

        var changed = planner.SetModel(new LvsModel([Named("a", 1, Rs(1)), Named("b", 2, Rs(2, weight: 5)), Named("c", 3, Rs(3))]));
        var plan = planner.Plan(Health, actual, Now, changed);

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.EquivalentTo(new[] { "b" }));
            Assert.That(plan.Desired.Services.Keys, Is.EquivalentTo(new[] { Service(2).Key }));
            Assert.That(IpvsDiff.Compute(plan.Desired, actual), Is.EqualTo(new IpvsOperation[] { new IpvsOperation.UpdateDestination(Service(2).Key, Dest(2) with { Weight = 5 }) }));
            Assert.That(planner.PartialScope(changed, tableServices: 3), Is.EquivalentTo(new[] { Service(2).Key }));
            Assert.That(planner.PartialScope(changed, tableServices: 1), Is.Null, "more than half the table changed: one dump instead");
        });
    }

    [Test]
    public void SetModel_FewServersEditedInPlace_SameOutcomeAsComparingEveryServer()
    {
        // Two planners see the same models; the second gets a copy of every virtual server each time (never the
        // same objects), so it compares them all; the first sees one place edited per reload and switches in place.
        var random = new Random(3);
        var inPlace = new LvsPlanner();
        var everything = new LvsPlanner();
        ManagedVirtualServer Server(int n, int variant) => variant switch
        {
            0 => Named($"vs{n}", n, Rs(n), Rs(n + 100)),
            1 => Named($"vs{n}", n, Rs(n, weight: 3), Rs(n + 100)),
            2 => Named($"vs{n}", n, Rs(n)),
            3 => Named($"vs{n}", n, Rs(n), Rs(n + 100), Rs(n + 200) with { NotifyDown = DownScript, NotifyUp = UpScript }) with { QuorumDown = DownScript, Quorum = 2 },
            _ => Named($"vs{n}", n, Rs(n + 100)) with { DrainTimeout = TimeSpan.FromSeconds(30) },
        };
        var servers = Enumerable.Range(1, 4).Select(n => Server(n, 0)).ToArray();
        var actual = ActualTable.Empty;
        var switchedInPlace = 0;
        for (var step = 0; step < 600; step++)
        {
            var at = random.Next(servers.Length);
            servers[at] = Server(at + 1, random.Next(5));
            // Any server of the place, configured now or not (a removed one may come back with other health).
            var health = Rs(at + 1 + (100 * random.Next(3)));
            if (random.Next(3) == 0)
            {
                Fail(health);
            }
            else
            {
                Up(health);
            }

            var changed = inPlace.SetModel(new LvsModel([.. servers]));
            switchedInPlace += inPlace.LastSwitchWasInPlace ? 1 : 0;
            var expected = everything.SetModel(new LvsModel([.. servers.Select(v => v with { })]));
            var plan = inPlace.Plan(Health, actual, Now, changed);
            var expectedPlan = everything.Plan(Health, actual, Now, expected);
            var operations = IpvsDiff.Compute(plan.Desired, actual);

            Assert.Multiple(() =>
            {
                Assert.That(changed, Is.EquivalentTo(expected), $"step {step}: changed");
                Assert.That(inPlace.PartialScope(changed, 1000), Is.EquivalentTo(everything.PartialScope(expected, 1000)!), $"step {step}: scope");
                Assert.That(operations, Is.EqualTo(IpvsDiff.Compute(expectedPlan.Desired, actual)), $"step {step}: operations");
                Assert.That(plan.Notifications, Is.EqualTo(expectedPlan.Notifications), $"step {step}: scripts");
            });
            actual = actual.With(operations);
        }

        Assert.That(switchedInPlace, Is.GreaterThan(450), "reloads that edit one place switch in place");
    }

    [Test]
    public void SetModel_VirtualServerRemoved_ItsServiceInTheScopeAndDeleted()
    {
        var planner = new LvsPlanner();
        planner.SetModel(new LvsModel([Named("a", 1, Rs(1)), Named("b", 2, Rs(2))]));
        var actual = new ActualTable(ImmutableDictionary<IpvsServiceKey, ActualService>.Empty);
        actual = actual.With(IpvsDiff.Compute(planner.Plan(Health, actual, Now).Desired, actual));

        var changed = planner.SetModel(new LvsModel([Named("a", 1, Rs(1))]));
        var plan = planner.Plan(Health, actual, Now, changed);

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.Empty);
            Assert.That(planner.PartialScope(changed, tableServices: 2), Is.EquivalentTo(new[] { Service(2).Key }));
            Assert.That(IpvsDiff.Compute(plan.Desired, actual), Is.EqualTo(new IpvsOperation[] { new IpvsOperation.DeleteService(Service(2).Key) }));
        });
    }

    [Test]
    public void SetModel_VirtualServerRemovedByReload_ServiceDeleted()
    {
        var (planner, vs) = Planner(Vs(Rs(1)));
        var actual = Actual(vs, active: 0);

        planner.SetModel(LvsModel.Empty);
        var plan = planner.Plan(Health, actual, Now);

        Assert.That(IpvsDiff.Compute(plan.Desired, actual), Is.EqualTo(new IpvsOperation[] { new IpvsOperation.DeleteService(Web.Key) }));
    }

    [Test]
    public void PlanShutdown_Omega_RunsNotifyDownAndQuorumDown()
    {
        var (planner, vs) = Planner(Vs(Rs(1) with { NotifyDown = DownScript }) with { Omega = true, QuorumDown = Script("/bin/quorum-down") });
        planner.Plan(Health, ActualTable.Empty, Now);

        var plan = planner.PlanShutdown(Actual(vs, active: 0));

        Assert.Multiple(() =>
        {
            Assert.That(plan.Notifications.Select(n => n.Script.Command), Is.EqualTo(new[] { "/bin/down", "/bin/quorum-down" }));
            Assert.That(plan.Desired.Removed, Does.Contain(Web.Key));
        });
    }

    [Test]
    public void PlanShutdown_WithoutOmega_RunsNoScripts()
    {
        var (planner, vs) = Planner(Vs(Rs(1) with { NotifyDown = DownScript }) with { QuorumDown = DownScript });
        planner.Plan(Health, ActualTable.Empty, Now);

        Assert.That(planner.PlanShutdown(Actual(vs, active: 0)).Notifications, Is.Empty);
    }

    private (Health Health, int Weight)? Health(RealServerKey key) => _health.TryGetValue(key, out var h) ? h : null;

    private void Fail(ManagedRealServer rs) => _health[rs.HealthKey] = (Checkers.Health.Down, (int)rs.Destination.Weight);

    private void Up(ManagedRealServer rs) => _health[rs.HealthKey] = (Checkers.Health.Up, (int)rs.Destination.Weight);

    private static (LvsPlanner, ManagedVirtualServer) Planner(ManagedVirtualServer vs)
    {
        var planner = new LvsPlanner();
        planner.SetModel(new LvsModel([vs]));
        return (planner, vs);
    }

    private static ManagedVirtualServer Vs(params ManagedRealServer[] servers) => new("web", [Web], servers);

    private static IpvsService Service(int n) => new(IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse($"10.0.0.{n}"), 80), "rr");

    /// <summary>A virtual server of its own service; its real servers keep the "web" health keys (unique per host).</summary>
    private static ManagedVirtualServer Named(string name, int service, params ManagedRealServer[] servers) => new(name, [Service(service)], servers);

    private static ManagedRealServer Rs(int host, uint weight = 1) =>
        new(new RealServerKey("web", IPAddress.Parse($"10.0.1.{host}"), 80), Dest(host) with { Weight = weight }, false, null, null, [new TcpCheckOptions()]);

    private static IpvsDestination Dest(int host) => new(IPAddress.Parse($"10.0.1.{host}"), 80) { ForwardingMethod = IpvsForwardingMethod.Masquerade };

    private static ActualTable Actual(ManagedVirtualServer vs, uint active) =>
        new(ImmutableDictionary<IpvsServiceKey, ActualService>.Empty.Add(Web.Key, new ActualService(
            Web,
            vs.RealServers.ToImmutableDictionary(r => r.Key, r => new ActualDestination(r.Destination, active)))));

    private static ScriptCommand Script(string path) => new(path, [path], null, null);
}
