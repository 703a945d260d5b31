using System.Net;
using System.Threading.Channels;
using Kad.Checkers;
using Kad.Config.Model;
using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;
using Kad.Testing;

namespace Kad.Daemon.Tests.Lvs;

public sealed class LvsServiceTests
{
    private static readonly IpvsService Web = new(IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.1"), 80), "rr");
    private static readonly IpvsService Foreign = new(IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.2"), 80), "wlc");
    private static readonly ManagedRealServer Rs1 = Rs(1);
    private static readonly ManagedRealServer Rs2 = Rs(2);

    [Test]
    public async Task StartAsync_KernelHasMatchingEntries_OnlyMissingOnesAddedAndNothingFlushed()
    {
        var table = new InMemoryIpvsTable(IpvsDiffTests.Table(
            (Web, [new ActualDestination(Rs1.Destination, 5, 9)]),
            (Foreign, [new ActualDestination(new IpvsDestination(IPAddress.Parse("10.0.9.9"), 80))])));
        await using var service = Service(table, new FakeHealth(), new FakeTimeProvider());

        await service.StartAsync(Model(), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(table.Applied, Is.EqualTo(new IpvsOperation[] { new IpvsOperation.AddDestination(Web.Key, Rs2.Destination) }));
            Assert.That(table.Flushes, Is.Zero);
            Assert.That(table.Current.Services[Web.Key].Destinations[Rs1.Key].ActiveConnections, Is.EqualTo(5u));
            Assert.That(table.Current.Services.ContainsKey(Foreign.Key), Is.True);
        });
    }

    [Test]
    public async Task Resync_DriftMadeByHand_RepairedOnNextInterval()
    {
        var table = new InMemoryIpvsTable();
        var time = new FakeTimeProvider();
        await using var service = new LvsService(table, new LvsServiceOptions { ResyncInterval = TimeSpan.FromSeconds(10) }, time, scripts: new NoScripts(), healthFactory: _ => new FakeHealth());
        await service.StartAsync(Model(), CancellationToken.None);
        table.Tamper(t => t with { Services = t.Services.SetItem(Web.Key, t.Services[Web.Key] with { Destinations = t.Services[Web.Key].Destinations.Remove(Rs2.Key) }) });
        var passes = service.Passes;

        time.Advance(TimeSpan.FromSeconds(10));
        await WaitFor(() => service.Passes > passes);

        Assert.That(table.Current.Services[Web.Key].Destinations.ContainsKey(Rs2.Key), Is.True);
    }

    [Test]
    public async Task HealthEvent_ServerDown_DestinationRemoved()
    {
        var table = new InMemoryIpvsTable();
        var health = new FakeHealth();
        await using var service = Service(table, health, new FakeTimeProvider());
        await service.StartAsync(Model(), CancellationToken.None);

        health.Set(Rs2.HealthKey, Health.Down);
        await WaitFor(() => !table.Current.Services[Web.Key].Destinations.ContainsKey(Rs2.Key));

        Assert.That(table.Applied.Last(), Is.EqualTo(new IpvsOperation.DeleteDestination(Web.Key, Rs2.Key.Address, Rs2.Key.Port)));
    }

    [Test]
    public async Task StartAsync_FirstPass_AppliedBeforeCheckersStart()
    {
        var table = new InMemoryIpvsTable();
        var health = new FakeHealth();
        var destinationsWhenCheckersStarted = -1;
        health.OnStart = () => destinationsWhenCheckersStarted = table.Current.Services.Values.Sum(s => s.Destinations.Count);
        await using var service = Service(table, health, new FakeTimeProvider());

        await service.StartAsync(Model(), CancellationToken.None);

        Assert.That(destinationsWhenCheckersStarted, Is.EqualTo(2));
    }

    [Test]
    public async Task HealthEvent_UnknownToUp_WakesNoPassButDownDoes()
    {
        var table = new InMemoryIpvsTable();
        var health = new FakeHealth();
        await using var service = Service(table, health, new FakeTimeProvider());
        await service.StartAsync(Model(), CancellationToken.None);
        var passes = service.Passes;
        var reads = table.Reads;

        // A first successful check: the server was in service (unknown) and stays so; nothing to re-plan.
        health.Set(Rs1.HealthKey, Health.Up, previous: Health.Unknown);
        await WaitFor(() => health.Pending == 0); // taken by the service (a wake, had there been one, comes now)
        health.Set(Rs2.HealthKey, Health.Down);
        await WaitFor(() => !table.Current.Services[Web.Key].Destinations.ContainsKey(Rs2.Key) && service.Passes > passes);

        Assert.Multiple(() =>
        {
            Assert.That(service.Passes, Is.EqualTo(passes + 1));
            Assert.That(table.Reads, Is.EqualTo(reads), "a health pass plans from the table the last pass left: no dump");
            Assert.That(table.ServiceReads, Is.Empty, "nor a read of its service");
        });
    }

    [Test]
    public async Task HealthEvent_RecordedOnTheCheckersThread_DestinationRemovedBeforeTheRecorderReturns()
    {
        var table = new InMemoryIpvsTable();
        var health = new FakeHealth { RecordsInline = true };
        await using var service = Service(table, health, new FakeTimeProvider());
        await service.StartAsync(Model(), CancellationToken.None);
        var reads = table.Reads;

        health.Set(Rs2.HealthKey, Health.Down);

        Assert.Multiple(() =>
        {
            Assert.That(table.Current.Services[Web.Key].Destinations.ContainsKey(Rs2.Key), Is.False, "no other thread involved");
            Assert.That(table.Applied.Last(), Is.EqualTo(new IpvsOperation.DeleteDestination(Web.Key, Rs2.Key.Address, Rs2.Key.Port)));
            Assert.That(table.Reads, Is.EqualTo(reads));
        });
    }

    [Test]
    public async Task HealthEvent_KernelChangedByHand_RefusedOperationWakesAFullPassThatRepairs()
    {
        var table = new InMemoryIpvsTable();
        var health = new FakeHealth();
        await using var service = Service(table, health, new FakeTimeProvider());
        await service.StartAsync(Model(), CancellationToken.None);
        var reads = table.Reads;
        // Both destinations deleted by hand: the health pass's DEL_DEST for Rs2 is refused (ENOENT).
        table.Tamper(t => t with { Services = t.Services.SetItem(Web.Key, t.Services[Web.Key] with { Destinations = t.Services[Web.Key].Destinations.Clear() }) });

        health.Set(Rs2.HealthKey, Health.Down);
        await WaitFor(() => table.Current.Services[Web.Key].Destinations.ContainsKey(Rs1.Key));

        Assert.Multiple(() =>
        {
            Assert.That(table.Reads, Is.EqualTo(reads + 1), "one full pass after the refusal");
            Assert.That(table.Current.Services[Web.Key].Destinations.ContainsKey(Rs2.Key), Is.False);
        });
    }

    [Test]
    public async Task HealthEvent_DrainTimeout_ReadsLiveConnectionCountsAndDrains()
    {
        var table = new InMemoryIpvsTable();
        var health = new FakeHealth();
        await using var service = Service(table, health, new FakeTimeProvider());
        await service.StartAsync(new LvsModel([new ManagedVirtualServer("web", [Web], [Rs1, Rs2]) { DrainTimeout = TimeSpan.FromSeconds(30) }]), CancellationToken.None);
        // Connections opened after the last pass read the table: only a fresh read knows them.
        table.SetConnections(Web.Key, Rs2.Key, 3);

        health.Set(Rs2.HealthKey, Health.Down);
        await WaitFor(() => table.Current.Services[Web.Key].Destinations[Rs2.Key].Settings.Weight == 0);

        Assert.Multiple(() =>
        {
            Assert.That(table.ServiceReads, Is.EqualTo(new[] { Web.Key }));
            Assert.That(table.Current.Services[Web.Key].Destinations.ContainsKey(Rs2.Key), Is.True, "draining at weight 0, not deleted");
        });
    }

    [Test]
    public async Task ReloadAsync_UnchangedServers_NoOperationTouchesThem()
    {
        var table = new InMemoryIpvsTable();
        await using var service = Service(table, new FakeHealth(), new FakeTimeProvider());
        await service.StartAsync(Model(), CancellationToken.None);
        table.Applied.Clear();
        var rs3 = Rs(3);

        await service.ReloadAsync(new LvsModel([new ManagedVirtualServer("web", [Web], [Rs1, rs3])]), CancellationToken.None);

        Assert.That(table.Applied, Is.EquivalentTo(new IpvsOperation[]
        {
            new IpvsOperation.DeleteDestination(Web.Key, Rs2.Key.Address, Rs2.Key.Port),
            new IpvsOperation.AddDestination(Web.Key, rs3.Destination),
        }));
    }

    [Test]
    public async Task ReloadAsync_OneOfManyVirtualServersChanged_ReadsAndTouchesOnlyItsService()
    {
        var table = new InMemoryIpvsTable();
        await using var service = Service(table, new FakeHealth(), new FakeTimeProvider());
        await service.StartAsync(Many(changedThreshold: 0), CancellationToken.None);
        table.Applied.Clear();
        var reads = table.Reads;

        var pass = await service.ReloadAsync(Many(changedThreshold: 100), CancellationToken.None);

        var changed = Many(changedThreshold: 100).VirtualServers[2];
        Assert.Multiple(() =>
        {
            Assert.That(table.Reads, Is.EqualTo(reads), "no dump of the whole table");
            Assert.That(table.ServiceReads, Is.EqualTo(new[] { changed.Services[0].Key }));
            Assert.That(table.Applied, Is.EqualTo(new IpvsOperation[] { new IpvsOperation.UpdateDestination(changed.Services[0].Key, changed.RealServers[1].Destination) }));
            Assert.That(pass, Has.Property(nameof(LvsPassTimings.Partial)).True.And.Property(nameof(LvsPassTimings.Operations)).EqualTo(1));
        });
    }

    [Test]
    public async Task ReloadAsync_DriftOnAnUnchangedVirtualServer_RepairedByTheNextResyncNotTheReload()
    {
        var table = new InMemoryIpvsTable();
        var time = new FakeTimeProvider();
        await using var service = new LvsService(table, new LvsServiceOptions { ResyncInterval = TimeSpan.FromSeconds(10) }, time, scripts: new NoScripts(), healthFactory: _ => new FakeHealth());
        await service.StartAsync(Many(changedThreshold: 0), CancellationToken.None);
        var untouched = Many(changedThreshold: 0).VirtualServers[0];
        var key = untouched.Services[0].Key;
        table.Tamper(t => t with { Services = t.Services.SetItem(key, t.Services[key] with { Destinations = t.Services[key].Destinations.Remove(untouched.RealServers[0].Key) }) });

        await service.ReloadAsync(Many(changedThreshold: 100), CancellationToken.None);
        var afterReload = table.Current.Services[key].Destinations.ContainsKey(untouched.RealServers[0].Key);
        var passes = service.Passes;
        time.Advance(TimeSpan.FromSeconds(10));
        await WaitFor(() => service.Passes > passes);

        Assert.Multiple(() =>
        {
            Assert.That(afterReload, Is.False, "the reload reads and plans only what it changed");
            Assert.That(table.Current.Services[key].Destinations.ContainsKey(untouched.RealServers[0].Key), Is.True, "the resync dumps and repairs");
        });
    }

    [Test]
    public async Task StopAsync_Default_DeletesConfiguredServicesOnly()
    {
        var table = new InMemoryIpvsTable(IpvsDiffTests.Table((Foreign, [])));
        await using var service = Service(table, new FakeHealth(), new FakeTimeProvider());
        await service.StartAsync(Model(), CancellationToken.None);

        await service.StopAsync(CancellationToken.None);

        Assert.That(table.Current.Services.Keys, Is.EqualTo(new[] { Foreign.Key }));
    }

    [Test]
    public async Task StopAsync_FlushOnStop_FlushesTable()
    {
        var table = new InMemoryIpvsTable(IpvsDiffTests.Table((Foreign, [])));
        await using var service = Service(table, new FakeHealth(), new FakeTimeProvider());
        await service.StartAsync(Model() with { FlushOnStop = LvsFlushOnStop.All }, CancellationToken.None);

        await service.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(table.Flushes, Is.EqualTo(1));
            Assert.That(table.Current.Services, Is.Empty);
        });
    }

    [Test]
    public async Task SetVrrpState_AddressNotHeld_HaSuspendVirtualServerSuspended()
    {
        var health = new FakeHealth();
        await using var service = Service(new InMemoryIpvsTable(), health, new FakeTimeProvider());
        var vs = new ManagedVirtualServer("web", [Web], [Rs1]) { HaSuspend = true, VirtualAddresses = [IPAddress.Parse("10.0.0.1")] };
        await service.StartAsync(new LvsModel([vs]), CancellationToken.None);

        service.SetVrrpState([]);
        var suspended = health.Suspended.Contains("web");
        service.SetVrrpState([IPAddress.Parse("10.0.0.1")]);

        Assert.Multiple(() =>
        {
            Assert.That(suspended, Is.True);
            Assert.That(health.Suspended, Does.Not.Contain("web"));
        });
    }

    [Test]
    public async Task StartAndReload_LvsTimeouts_WrittenAtStartAndWhenChanged()
    {
        var table = new InMemoryIpvsTable();
        await using var service = Service(table, new FakeHealth(), new FakeTimeProvider());
        var first = new IpvsTimeouts(TimeSpan.FromSeconds(7200), TimeSpan.Zero, TimeSpan.FromSeconds(60));
        var second = first with { Udp = TimeSpan.FromSeconds(30) };

        await service.StartAsync(Model() with { Timeouts = first }, CancellationToken.None);
        var atStart = table.Timeouts;
        await service.ReloadAsync(Model() with { Timeouts = second }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(atStart, Is.EqualTo(first));
            Assert.That(table.Timeouts, Is.EqualTo(second));
        });
    }

    [Test]
    public async Task GetStatus_AfterStart_ShowsKernelWeights()
    {
        await using var service = Service(new InMemoryIpvsTable(), new FakeHealth(), new FakeTimeProvider());
        await service.StartAsync(Model(), CancellationToken.None);

        var status = service.GetStatus();

        Assert.Multiple(() =>
        {
            Assert.That(status.VirtualServers.Single().RealServers.Select(r => r.KernelWeight), Is.EqualTo(new long?[] { 1, 1 }));
            Assert.That(status.VirtualServers.Single().QuorumUp, Is.True);
            Assert.That(status.TotalOperations, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task ReloadAsync_OnlyServersWithoutCheckersChanged_CheckersLeftAlone()
    {
        var withoutCheckers = new ManagedVirtualServer("plain", [Foreign], [Rs(3) with { Checkers = [] }]);
        var health = new FakeHealth();
        await using var service = Service(new InMemoryIpvsTable(), health, new FakeTimeProvider());
        var model = Model();
        await service.StartAsync(model with { VirtualServers = [model.VirtualServers[0], withoutCheckers] }, CancellationToken.None);

        var edited = withoutCheckers with { RealServers = [Rs(3) with { Checkers = [], Destination = Rs(3).Destination with { Weight = 5 } }] };
        await service.ReloadAsync(model with { VirtualServers = [model.VirtualServers[0], edited] }, CancellationToken.None);

        Assert.That(health.Updates, Is.Empty);
    }

    [Test]
    public async Task ReloadAsync_ServerWithCheckersChanged_CheckersGetTheNewList()
    {
        var health = new FakeHealth();
        await using var service = Service(new InMemoryIpvsTable(), health, new FakeTimeProvider());
        await service.StartAsync(Model(), CancellationToken.None);

        var heavier = Rs2 with { Destination = Rs2.Destination with { Weight = 7 } };
        await service.ReloadAsync(new LvsModel([new ManagedVirtualServer("web", [Web], [Rs1, heavier])]), CancellationToken.None);

        Assert.That(health.Updates.Single().Select(c => (c.Server, c.Weight)), Is.EqualTo(new[] { (Rs1.HealthKey, 1), (Rs2.HealthKey, 7) }));
    }

    private static LvsService Service(InMemoryIpvsTable table, FakeHealth health, FakeTimeProvider time) =>
        new(table, timeProvider: time, scripts: new NoScripts(), healthFactory: _ => health);

    private static LvsModel Model() => new([new ManagedVirtualServer("web", [Web], [Rs1, Rs2])]);

    /// <summary>
    /// Five virtual servers of two real servers each; the third one's second real server has the upper threshold
    /// <paramref name="changedThreshold"/> (not the weight: <see cref="FakeHealth"/> reports every weight as 1).
    /// </summary>
    private static LvsModel Many(uint changedThreshold) => new([.. Enumerable.Range(1, 5).Select(n =>
    {
        var name = $"vs{n}";
        var service = new IpvsService(IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse($"10.0.2.{n}"), 80), "rr");
        ManagedRealServer Server(int host, uint threshold) => new(
            new RealServerKey(name, IPAddress.Parse($"10.0.1.{host}"), 80),
            new IpvsDestination(IPAddress.Parse($"10.0.1.{host}"), 80) { ForwardingMethod = IpvsForwardingMethod.Masquerade, Weight = 1, UpperThreshold = threshold },
            false,
            null,
            null,
            []);
        return new ManagedVirtualServer(name, [service], [Server(1, 0), Server(2, n == 3 ? changedThreshold : 0)]);
    })]);

    private static ManagedRealServer Rs(int host) => new(
        new RealServerKey("web", IPAddress.Parse($"10.0.1.{host}"), 80),
        new IpvsDestination(IPAddress.Parse($"10.0.1.{host}"), 80) { ForwardingMethod = IpvsForwardingMethod.Masquerade },
        false,
        null,
        null,
        [new TcpCheckOptions()]);

    private static async Task WaitFor(Func<bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(until), "condition not met within 10 s");
            await Task.Delay(10);
        }
    }

    private sealed class NoScripts : ILvsScriptRunner
    {
        public void Run(ScriptCommand script, string reason)
        {
        }
    }

    /// <summary>Health driven by the test: servers are up unless set otherwise; Set publishes a transition.</summary>
    [Test]
    public void RealServerStatus_WithLatestCheck_TakesTheMostRecentChecker()
    {
        var at = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        var status = new LvsRealServerStatus("10.0.0.1:80", Health.Down, 1, 0, 0, false, false).WithLatestCheck(
        [
            new CheckerSnapshot("TCP_CHECK#0", "10.0.0.1:80", Health.Up, ProbeResult.Up("connected"), TimeSpan.FromMilliseconds(2), at),
            new CheckerSnapshot("HTTP_GET#1", "10.0.0.1:80", Health.Down, ProbeResult.Down("status", "got 503"), TimeSpan.FromMilliseconds(7), at.AddSeconds(1)),
            new CheckerSnapshot("MISC_CHECK#2", "10.0.0.1:80", Health.Unknown),
        ]);

        Assert.That((status.LastResult, status.LastLatency, status.LastCheck), Is.EqualTo(("HTTP_GET#1 down at status: got 503", (TimeSpan?)TimeSpan.FromMilliseconds(7), (DateTimeOffset?)at.AddSeconds(1))));
        Assert.That(new LvsRealServerStatus("10.0.0.1:80", Health.Up, 1, 1, 0, false, false).WithLatestCheck([]).LastResult, Is.Null);
    }

    private sealed class FakeHealth : IHealthSource
    {
        private readonly Channel<HealthEvent> _events = Channel.CreateUnbounded<HealthEvent>();
        private readonly Dictionary<RealServerKey, Health> _health = [];

        public HashSet<string> Suspended { get; } = [];

        public ChannelReader<HealthEvent> Events => _events.Reader;

        public Action? OnStart { get; set; }

        /// <summary>Events published and not yet read by the service.</summary>
        public int Pending => _events.Reader.Count;

        public void Set(RealServerKey server, Health health, Health previous = Health.Up)
        {
            lock (_health)
            {
                _health[server] = health;
            }

            var change = new HealthEvent(server, "TCP_CHECK#0", previous, health, health, 1, null, "test", TimeSpan.Zero, DateTimeOffset.UnixEpoch);
            _events.Writer.TryWrite(change);
            if (RecordsInline)
            {
                TransitionRecorded?.Invoke(change);
            }
        }

        /// <summary>Whether <see cref="Set"/> also hands the transition to <see cref="TransitionRecorded"/>, as the checkers' thread does.</summary>
        public bool RecordsInline { get; set; }

        public Action<HealthEvent>? TransitionRecorded { get; set; }

        public void Start() => OnStart?.Invoke();

        public (Health Health, int Weight)? Get(RealServerKey server)
        {
            lock (_health)
            {
                return (_health.GetValueOrDefault(server, Health.Up), 1);
            }
        }

        /// <summary>Each checker list handed over by a reload.</summary>
        public List<IReadOnlyList<RealServerChecks>> Updates { get; } = [];

        public Task UpdateAsync(IReadOnlyList<RealServerChecks> servers)
        {
            Updates.Add(servers);
            return Task.CompletedTask;
        }

        public void SetSuspended(string virtualServer, bool suspended)
        {
            if (suspended)
            {
                Suspended.Add(virtualServer);
            }
            else
            {
                Suspended.Remove(virtualServer);
            }
        }

        public IReadOnlyList<ServerSnapshot> Snapshot() => [];

        public Task StopAsync()
        {
            _events.Writer.TryComplete();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
