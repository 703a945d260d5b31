using Kad.Config;
using Kad.Config.Model;
using Kad.Daemon.Hosting;
using Kad.Daemon.Lvs;
using Kad.Daemon.Planning;
using Kad.Daemon.Systemd;
using Kad.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Daemon.Tests.Hosting;

/// <summary>
/// The controller's reloads with a file on disk and a recording half: what the halves are handed after one-block
/// edits, a refused edit and its fix is what a full load of the file gives, with unchanged entries kept as the same objects.
/// </summary>
public sealed class DaemonControllerReloadTests
{
    private string _directory = "";

    private string ConfigFile => Path.Combine(_directory, "keepalived.conf");

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("kad-reload-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private static string Config(int secondWeight = 1, string thirdWeight = "1") =>
        string.Concat(Enumerable.Range(1, 3).Select(n =>
            $"virtual_server 10.0.0.{n} 80 {{\n  lb_algo rr\n  real_server 10.0.1.{n} 80 {{\n    weight {(n == 2 ? secondWeight.ToString(System.Globalization.CultureInfo.InvariantCulture) : n == 3 ? thirdWeight : "1")}\n  }}\n}}\n"));

    [Test]
    public async Task ReloadAsync_OneBlockEditedThenABadEditThenItsFix_HalvesGetWhatAFullLoadGives()
    {
        File.WriteAllText(ConfigFile, Config());
        var half = new RecordingHalf();
        using var controller = new DaemonController(
            new KadArguments(ConfigFile, true, false, false, false, false, null, Path.Combine(_directory, "kad.sock")),
            [half],
            new SilentNotifier(),
            new NoKernel(),
            new FakeTimeProvider(),
            NullLogger<DaemonController>.Instance);
        await controller.StartAsync(CancellationToken.None);
        var started = half.Configs.Single();

        File.WriteAllText(ConfigFile, Config(secondWeight: 4));
        var edited = await controller.ReloadAsync(CancellationToken.None);
        File.WriteAllText(ConfigFile, Config(secondWeight: 4, thirdWeight: "x"));
        var refused = await controller.ReloadAsync(CancellationToken.None);
        File.WriteAllText(ConfigFile, Config(secondWeight: 4, thirdWeight: "6"));
        var fixedUp = await controller.ReloadAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That((edited.Applied, refused.Applied, fixedUp.Applied), Is.EqualTo((true, false, true)));
            Assert.That(refused.Diagnostics, Has.Some.Contains("keepalived.conf:16"));
            Assert.That(half.Configs, Has.Count.EqualTo(3), "the refused configuration is not handed over");
            Assert.That(half.Configs[1], Is.EqualTo(FullLoad(Config(secondWeight: 4))));
            Assert.That(half.Configs[2], Is.EqualTo(FullLoad(Config(secondWeight: 4, thirdWeight: "6"))));
            Assert.That(half.Configs[2].VirtualServers[0], Is.SameAs(started.VirtualServers[0]), "an entry no reload touched");
            Assert.That(half.Configs[2].VirtualServers[1], Is.SameAs(half.Configs[1].VirtualServers[1]));
            Assert.That(half.Configs[2].VirtualServers[2].RealServers[0].Weight, Is.EqualTo(6));
        });
    }

    private const string Instance = "vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n}\n";

    [TestCase("", false, TestName = "ReloadAsync_OnlyAVirtualServerEdited_VrrpHalfIsLeftOut")]
    [TestCase("vrrp_track_file tf {\n  file /tmp/kad-tf\n  init_file 5\n}\n", true, TestName = "ReloadAsync_VirtualServerEditedWithAnInitFile_VrrpHalfStillReloads")]
    [TestCase("global_defs {\n  vrrp_startup_delay 5\n}\n", true, TestName = "ReloadAsync_VirtualServerEditedWithAStartupDelay_VrrpHalfStillReloads")]
    public async Task ReloadAsync_VirtualServerEdited_VrrpHalfOnlyWhenItsReloadDoesMore(string extra, bool vrrpReloads)
    {
        File.WriteAllText(ConfigFile, extra + Instance + Config());
        var vrrp = new RecordingHalf("vrrp");
        var lvs = new RecordingHalf("lvs");
        using var controller = NewController(vrrp, lvs);
        await controller.StartAsync(CancellationToken.None);

        File.WriteAllText(ConfigFile, extra + Instance + Config(secondWeight: 4));
        var result = await controller.ReloadAsync(CancellationToken.None);

        Assert.That(result.Applied, Is.True);
        Assert.That((vrrp.Configs.Count, lvs.Configs.Count), Is.EqualTo((vrrpReloads ? 2 : 1, 2)));
    }

    [Test]
    public async Task ReloadAsync_VrrpInstanceEdited_BothHalvesReload()
    {
        File.WriteAllText(ConfigFile, Instance + Config());
        var vrrp = new RecordingHalf("vrrp");
        var lvs = new RecordingHalf("lvs");
        using var controller = NewController(vrrp, lvs);
        await controller.StartAsync(CancellationToken.None);

        File.WriteAllText(ConfigFile, Instance.Replace("priority 100", "priority 101", StringComparison.Ordinal) + Config());
        await controller.ReloadAsync(CancellationToken.None);

        Assert.That((vrrp.Configs.Count, lvs.Configs.Count), Is.EqualTo((2, 2)));
        Assert.That(vrrp.Configs[1].VrrpInstances[0].Priority, Is.EqualTo(101));
    }

    [Test]
    public async Task ReloadAsync_AfterAReloadThatFailedWhileApplying_VrrpHalfIsAskedAgain()
    {
        File.WriteAllText(ConfigFile, Instance + Config());
        var vrrp = new RecordingHalf("vrrp") { FailNextApply = true };
        var lvs = new RecordingHalf("lvs");
        using var controller = NewController(vrrp, lvs);
        await controller.StartAsync(CancellationToken.None);

        File.WriteAllText(ConfigFile, Instance.Replace("priority 100", "priority 101", StringComparison.Ordinal) + Config());
        var failed = await controller.ReloadAsync(CancellationToken.None);
        File.WriteAllText(ConfigFile, Instance + Config(secondWeight: 2));
        var next = await controller.ReloadAsync(CancellationToken.None);

        Assert.That((failed.Applied, next.Applied), Is.EqualTo((false, true)));
        Assert.That(vrrp.Configs, Has.Count.EqualTo(3), "the half that may hold the failed configuration is handed the next one");
    }

    [Test]
    public void LeavesVrrpAlone_GlobalOrVrrpPartChanged_IsFalse()
    {
        var running = FullLoad(Instance + Config());
        var global = running with { Global = running.Global with { RouterId = "other" } };
        var instance = FullLoad(Instance.Replace("priority 100", "priority 99", StringComparison.Ordinal) + Config());
        var virtualServer = FullLoad(Instance + Config(secondWeight: 3));

        Assert.That(
            (ReloadScope.LeavesVrrpAlone(running, global), ReloadScope.LeavesVrrpAlone(running, instance), ReloadScope.LeavesVrrpAlone(running, virtualServer)),
            Is.EqualTo((false, false, true)));
    }

    private DaemonController NewController(params IDaemonHalf[] halves) => new(
        new KadArguments(ConfigFile, true, false, false, false, false, null, Path.Combine(_directory, "kad.sock")),
        halves,
        new SilentNotifier(),
        new NoKernel(),
        new FakeTimeProvider(),
        NullLogger<DaemonController>.Instance);

    private KeepalivedConfig FullLoad(string text) => KeepalivedConfigLoader.LoadText(text, ConfigFile, new ConfigLoadOptions()).Config;

    private sealed class RecordingHalf(string name = "lvs") : IDaemonHalf
    {
        public List<KeepalivedConfig> Configs { get; } = [];

        public string Name => name;

        public Task StartAsync(KeepalivedConfig config, CancellationToken cancellationToken)
        {
            Configs.Add(config);
            return Task.CompletedTask;
        }

        public bool FailNextApply { get; set; }

        public Task<IReadOnlyList<string>> ApplyAsync(KeepalivedConfig config, CancellationToken cancellationToken)
        {
            Configs.Add(config);
            if (FailNextApply)
            {
                FailNextApply = false;
                throw new InvalidOperationException("apply failed (test)");
            }

            return Task.FromResult<IReadOnlyList<string>>(["applied"]);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void AddStatus(StatusParts parts)
        {
        }
    }

    private sealed class SilentNotifier : ISystemdNotifier
    {
        public bool IsEnabled => false;

        public void Notify(string state)
        {
        }
    }

    private sealed class NoKernel : IKernelTableSource
    {
        public ActualTable Read() => ActualTable.Empty;
    }
}
