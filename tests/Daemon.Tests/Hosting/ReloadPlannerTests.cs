using System.Threading.Channels;
using Kad.Checkers;
using Kad.Config;
using Kad.Config.Model;
using Kad.Control;
using Kad.Daemon.Lvs;
using Kad.Daemon.Planning;
using Kad.Daemon.Tests.Lvs;
using Kad.Testing;

namespace Kad.Daemon.Tests.Hosting;

/// <summary>
/// dotnet-kad plan's engine: the IPVS operations it predicts are exactly those the reconciler's reload then applies
/// to the same (in-memory) table, rendered in ipvsadm's wording; VRRP instances are reported added, removed or
/// restarted with their address changes.
/// </summary>
public sealed class ReloadPlannerTests
{
    private const string Current = """
        virtual_server 10.0.0.1 80 {
            lb_algo rr
            lb_kind NAT
            protocol TCP
            real_server 10.1.0.1 80 {
                weight 1
            }
            real_server 10.1.0.2 80 {
                weight 1
            }
            real_server 10.1.0.3 80 {
                weight 1
            }
        }
        virtual_server 10.0.0.2 80 {
            lb_algo wlc
            lb_kind DR
            protocol TCP
            real_server 10.1.0.9 80 {
                weight 2
            }
        }
        """;

    private const string Next = """
        virtual_server 10.0.0.1 80 {
            lb_algo wlc
            lb_kind NAT
            protocol TCP
            real_server 10.1.0.1 80 {
                weight 5
            }
            real_server 10.1.0.2 80 {
                weight 1
            }
            real_server 10.1.0.4 80 {
                weight 1
            }
        }
        virtual_server 10.0.0.3 443 {
            lb_algo sh
            lb_kind TUN
            protocol TCP
            persistence_timeout 300
            persistence_granularity 255.255.255.0
            real_server 10.1.0.7 443 {
                weight 3
            }
        }
        """;

    [Test]
    public async Task Ipvs_ChangedConfig_EqualsWhatTheReloadApplies()
    {
        var table = new InMemoryIpvsTable();
        await using var service = new LvsService(table, timeProvider: new FakeTimeProvider(), scripts: new NoScripts(), healthFactory: _ => new NoCheckers());
        var before = Model(Current);
        var after = Model(Next);
        await service.StartAsync(before, CancellationToken.None);
        table.Applied.Clear();

        var planned = ReloadPlanner.Ipvs(before, after, _ => null, table.Current, DateTimeOffset.UnixEpoch);
        await service.ReloadAsync(after, CancellationToken.None);

        Assert.That(planned, Is.Not.Empty);
        Assert.That(planned, Is.EqualTo(table.Applied));
    }

    [Test]
    public void Describe_ChangedConfig_IpvsadmLinesWithWhatEditsReplace()
    {
        var actual = Applied(Model(Current));

        var lines = ReloadPlanner.Ipvs(Model(Current), Model(Next), _ => null, actual, DateTimeOffset.UnixEpoch)
            .Select(o => ReloadPlanner.Describe(o, actual))
            .Select(c => c.Was is null ? c.ToIpvsadm() : $"{c.ToIpvsadm()} (was {c.Was})")
            .ToList();

        Assert.That(lines, Is.EqualTo(new[]
        {
            "-d -t 10.0.0.1:80 -r 10.1.0.3:80",
            "-D -t 10.0.0.2:80",
            "-E -t 10.0.0.1:80 -s wlc (was -s rr)",
            "-A -t 10.0.0.3:443 -s sh -p 300 -M 255.255.255.0",
            "-e -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 5 (was -m -w 1)",
            "-a -t 10.0.0.1:80 -r 10.1.0.4:80 -m -w 1",
            "-a -t 10.0.0.3:443 -r 10.1.0.7:443 -i -w 3",
        }));
    }

    [Test]
    public void Ipvs_SameConfig_NoOperations()
    {
        var actual = Applied(Model(Current));

        Assert.That(ReloadPlanner.Ipvs(Model(Current), Model(Current), _ => null, actual, DateTimeOffset.UnixEpoch), Is.Empty);
    }

    [Test]
    public void Ipvs_ServerDownByItsUnchangedChecker_StaysOutWhenItsWeightChanges()
    {
        var current = Model(WithChecker(weight: 1));
        var next = Model(WithChecker(weight: 4));
        var status = new[] { Status(Model(WithChecker(weight: 1)).VirtualServers[0].Name, "10.1.0.1:80", "Down", 1) };
        var health = ReloadPlanner.PredictHealth(current, next, status);
        var actual = Applied(current, health);

        var operations = ReloadPlanner.Ipvs(current, next, health, actual, DateTimeOffset.UnixEpoch);

        Assert.That(actual.Services.Single().Value.Destinations, Is.Empty, "down before the reload");
        Assert.That(operations, Is.Empty);
    }

    [Test]
    public void PredictHealth_UnchangedCheckerWithDynamicWeight_KeepsHealthAndOffsetOverNewWeight()
    {
        var status = new[] { Status(Model(WithChecker(weight: 1)).VirtualServers[0].Name, "10.1.0.1:80", "Up", 3) };

        var health = ReloadPlanner.PredictHealth(Model(WithChecker(weight: 1)), Model(WithChecker(weight: 10)), status);

        Assert.That(health(Model(WithChecker(weight: 10)).VirtualServers[0].RealServers[0].HealthKey), Is.EqualTo(((Health, int)?)(Health.Up, 12)));
    }

    [Test]
    public void PredictHealth_NewServerWithAlpha_StartsDown()
    {
        var next = Model(WithChecker(weight: 1, alpha: true));

        var health = ReloadPlanner.PredictHealth(LvsModel.Empty, next, []);

        Assert.That(health(next.VirtualServers[0].RealServers[0].HealthKey), Is.EqualTo(((Health, int)?)(Health.Down, 1)));
    }

    [Test]
    public void Vrrp_AddressPriorityAndInstancesChanged_OneEntryPerInstanceTouched()
    {
        var current = Config(Instance("VI_1", 51, 100, "10.0.0.100/24") + Instance("VI_2", 52, 100, "10.0.0.200/24") + Instance("VI_3", 53, 100, "10.0.0.30/24"));
        var next = Config(Instance("VI_1", 51, 150, "10.0.0.101/24") + Instance("VI_2", 52, 100, "10.0.0.200/24") + Instance("VI_4", 54, 100, "10.0.0.40/24"));

        var changes = ReloadPlanner.Vrrp(current, next).Select(c => c.ToString()).ToList();

        Assert.That(changes, Is.EquivalentTo(new[]
        {
            "restart instance VI_1 (eth0 vrid 51): +10.0.0.101/24; -10.0.0.100/24; priority 100 -> 150",
            "remove instance VI_3 (eth0 vrid 53): -10.0.0.30/24",
            "add instance VI_4 (eth0 vrid 54): +10.0.0.40/24",
        }));
    }

    [Test]
    public void Vrrp_OnlyAddressChanged_ReportedAsAnInPlaceUpdate()
    {
        var current = Config(Instance("VI_1", 51, 100, "10.0.0.100/24"));
        var next = Config(Instance("VI_1", 51, 100, "10.0.0.101/24"));

        var changes = ReloadPlanner.Vrrp(current, next);

        Assert.That(changes.Select(c => (c.Kind, c.ToString())), Is.EqualTo(new[]
        {
            (VrrpChangeKind.Update, "update instance VI_1 (eth0 vrid 51): +10.0.0.101/24; -10.0.0.100/24"),
        }));
    }

    [Test]
    public void Vrrp_UseVmacAdded_RestartNamesTheVmac()
    {
        var current = Config(Instance("VI_1", 51, 100, "10.0.0.100/24"));
        var next = Config(Instance("VI_1", 51, 100, "10.0.0.100/24").Replace("priority 100", "priority 100\n    use_vmac", StringComparison.Ordinal));

        var changes = ReloadPlanner.Vrrp(current, next).Select(c => c.ToString()).ToList();

        Assert.That(changes, Is.EqualTo(new[] { "restart instance VI_1 (eth0 vrid 51): use_vmac - -> vrrp.51 00:00:5e:00:01:33" }));
    }

    [Test]
    public void Vrrp_SameConfig_NoChanges()
    {
        var config = Config(Instance("VI_1", 51, 100, "10.0.0.100/24"));

        Assert.That(ReloadPlanner.Vrrp(config, Config(Instance("VI_1", 51, 100, "10.0.0.100/24"))), Is.Empty);
    }

    private static KeepalivedConfig Config(string text)
    {
        var result = KeepalivedConfigLoader.LoadText(text);
        Assert.That(result.HasErrors, Is.False, string.Join("\n", result.Diagnostics));
        return result.Config;
    }

    private static LvsModel Model(string text) => LvsConfigMapper.Map(Config(text));

    /// <summary>The table a start with <paramref name="model"/> leaves in an empty kernel.</summary>
    private static ActualTable Applied(LvsModel model, Func<RealServerKey, (Health Health, int Weight)?>? health = null)
    {
        var table = ActualTable.Empty;
        foreach (var operation in ReloadPlanner.Ipvs(LvsModel.Empty, model, health ?? (_ => null), table, DateTimeOffset.UnixEpoch))
        {
            Assert.That(InMemoryIpvsTable.Apply(ref table, operation), Is.Null);
        }

        return table;
    }

    private static string WithChecker(int weight, bool alpha = false) => $$"""
        virtual_server 10.0.0.1 80 {
            lb_algo rr
            lb_kind NAT
            protocol TCP
            real_server 10.1.0.1 80 {
                weight {{weight}}
                {{(alpha ? "alpha" : "")}}
                TCP_CHECK {
                    connect_timeout 3
                }
            }
        }
        """;

    private static VirtualServerStatus Status(string virtualServer, string realServer, string health, int weight) =>
        new(virtualServer, "rr", "NAT", true, true, [new RealServerStatus(realServer, health, weight, null, null, null, null, 0, 0, 0, 0, 0)]);

    private static string Instance(string name, int vrid, int priority, string address) => $$"""
        vrrp_instance {{name}} {
            state BACKUP
            interface eth0
            virtual_router_id {{vrid}}
            priority {{priority}}
            virtual_ipaddress {
                {{address}}
            }
        }

        """;

    private sealed class NoScripts : ILvsScriptRunner
    {
        public void Run(ScriptCommand script, string reason)
        {
        }
    }

    /// <summary>No real server has a checker: every one counts as up with its configured weight.</summary>
    private sealed class NoCheckers : IHealthSource
    {
        private readonly Channel<HealthEvent> _events = Channel.CreateUnbounded<HealthEvent>();

        public ChannelReader<HealthEvent> Events => _events.Reader;

        public void Start()
        {
        }

        public (Health Health, int Weight)? Get(RealServerKey server) => null;

        public Task UpdateAsync(IReadOnlyList<RealServerChecks> servers) => Task.CompletedTask;

        public void SetSuspended(string virtualServer, bool suspended)
        {
        }

        public IReadOnlyList<ServerSnapshot> Snapshot() => [];

        public Task StopAsync()
        {
            _events.Writer.TryComplete();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _events.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
