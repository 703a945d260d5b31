using Kad.Config;
using Kad.Daemon.Lvs;

namespace Kad.Daemon.Tests.Lvs;

public sealed class LvsModelMapperTests
{
    private const string File = "/etc/keepalived/keepalived.conf";

    private static string Config(int changedWeight = 1, string global = "", string extra = "") =>
        $"global_defs {{\n  router_id a\n{global}}}\n" +
        string.Concat(Enumerable.Range(1, 4).Select(n =>
            $"virtual_server 10.0.0.{n} 80 {{\n  lb_algo rr\n  ops\n  real_server 10.0.1.{n} 80 {{\n    weight {(n == 3 ? changedWeight : 1)}\n    MISC_CHECK {{\n      misc_path /bin/true\n    }}\n  }}\n}}\n")) +
        extra;

    [Test]
    public void Map_OneBlockReadAgain_ResolvesOnlyItAndKeepsTheOthersAsTheSameObjects()
    {
        var loader = new IncrementalConfigLoader();
        var mapper = new LvsModelMapper();
        var before = mapper.Map(loader.LoadText(Config(), File).Config);

        var after = mapper.Map(loader.LoadText(Config(changedWeight: 5), File).Config);

        Assert.Multiple(() =>
        {
            Assert.That(loader.LastWasIncremental, Is.True);
            Assert.That(mapper.LastMapped, Is.EqualTo(1));
            Assert.That(Enumerable.Range(0, 4).Select(i => ReferenceEquals(before.VirtualServers[i], after.VirtualServers[i])), Is.EqualTo(new[] { true, true, false, true }));
            Assert.That(after.VirtualServers[2].RealServers[0].Destination.Weight, Is.EqualTo(5u));
        });
    }

    [Test]
    public void Map_AfterAReload_EqualsAFreshMappingWithTheSameWarnings()
    {
        var mapper = new LvsModelMapper();
        mapper.Map(KeepalivedConfigLoader.LoadText(Config(), File).Config);
        var next = KeepalivedConfigLoader.LoadText(Config(changedWeight: 5, extra: "SSL {\n  ssl_key /k\n}\n"), File).Config;

        var reused = mapper.Map(next);
        var fresh = LvsConfigMapper.Map(next);

        Assert.Multiple(() =>
        {
            Assert.That(reused.VirtualServers, Is.EqualTo(fresh.VirtualServers));
            Assert.That(reused.Warnings, Is.EqualTo(fresh.Warnings));
            Assert.That(reused.Warnings, Is.Not.Empty);
        });
    }

    [Test]
    public void Map_AnEqualConfigurationFromAFullLoad_ResolvesNothingAgain()
    {
        var mapper = new LvsModelMapper();
        var before = mapper.Map(KeepalivedConfigLoader.LoadText(Config(), File).Config);

        var after = mapper.Map(KeepalivedConfigLoader.LoadText(Config(), File).Config);

        Assert.That(mapper.LastMapped, Is.Zero);
        Assert.That(after.VirtualServers.Zip(before.VirtualServers).All(p => ReferenceEquals(p.First, p.Second)), Is.True);
    }

    [Test]
    public void Map_GlobalSettingTheMappingReadsChanged_ResolvesEverythingAgain()
    {
        var mapper = new LvsModelMapper();
        mapper.Map(KeepalivedConfigLoader.LoadText(Config(), File).Config);

        var after = mapper.Map(KeepalivedConfigLoader.LoadText(Config(global: "  script_user nobody\n"), File).Config);

        Assert.That(mapper.LastMapped, Is.EqualTo(4));
        Assert.That(after.VirtualServers.SelectMany(v => v.RealServers).Select(r => ((Kad.Checkers.MiscCheckOptions)r.Checkers[0]).User), Is.All.EqualTo("nobody"));
    }

    [Test]
    public void Map_EntriesInAnotherOrder_KeepsEachResolutionByReference()
    {
        var mapper = new LvsModelMapper();
        var config = KeepalivedConfigLoader.LoadText(Config(), File).Config;
        var before = mapper.Map(config);

        var after = mapper.Map(config with { VirtualServers = [.. config.VirtualServers.Reverse()] });

        Assert.That(mapper.LastMapped, Is.Zero);
        Assert.That(after.VirtualServers, Is.EqualTo(before.VirtualServers.Reverse()).Using<ManagedVirtualServer>(ReferenceEquals));
    }

    [Test]
    public void SameChecks_OnlyServersWithoutCheckersDiffer_True()
    {
        var mapper = new LvsModelMapper();
        var text = Config() + "virtual_server 10.0.0.9 80 {\n  real_server 10.0.1.9 80 {\n    weight 1\n  }\n}\n";
        var loader = new IncrementalConfigLoader();
        var before = mapper.Map(loader.LoadText(text, File).Config);
        var withoutCheckers = mapper.Map(loader.LoadText(text.Replace("10.0.1.9 80 {\n    weight 1", "10.0.1.9 80 {\n    weight 4", StringComparison.Ordinal), File).Config);
        var withCheckers = mapper.Map(loader.LoadText(Config(changedWeight: 2) + "virtual_server 10.0.0.9 80 {\n  real_server 10.0.1.9 80 {\n    weight 4\n  }\n}\n", File).Config);

        Assert.Multiple(() =>
        {
            Assert.That(LvsConfigMapper.SameChecks(before, withoutCheckers), Is.True);
            Assert.That(LvsConfigMapper.SameChecks(withoutCheckers, withCheckers), Is.False);
            Assert.That(LvsConfigMapper.SameChecks(before, before with { VirtualServers = [.. before.VirtualServers.Skip(1)] }), Is.False);
        });
    }
}
