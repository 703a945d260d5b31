using System.Net;
using Kad.Config;
using Kad.Daemon.Vrrp;

namespace Kad.Daemon.Tests.Vrrp;

/// <summary>The VRRP keywords the model binds either reach the engine's options or produce a warning at load.</summary>
[TestFixture]
public class VrrpKeywordActionTests
{
    private static Kad.Config.Model.KeepalivedConfig Load(string text)
    {
        var result = KeepalivedConfigLoader.LoadText(text);
        Assert.That(result.Errors, Is.Empty);
        return result.Config;
    }

    private static Kad.Vrrp.Engine.VrrpInstanceOptions First(string text) =>
        VrrpOptionsMapper.Units(Load(text))[0].Options.Instances[0].Instance;

    [Test]
    public void Instance_UnicastTtlAndMcastDstIp_ReachTheEngine()
    {
        var options = First("""
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                unicast_ttl 64
                mcast_dst_ip 224.0.0.99
                virtual_ipaddress {
                    10.0.0.100
                }
            }
            """);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.UnicastTtl, Is.EqualTo(64));
            Assert.That(options.MulticastGroup, Is.EqualTo(IPAddress.Parse("224.0.0.99")));
            Assert.That(options.EffectiveMulticastGroup, Is.EqualTo(IPAddress.Parse("224.0.0.99")));
        }
    }

    [Test]
    public void Instance_NoGroupWritten_GlobalMcastGroupOfItsFamily()
    {
        var config = """
            global_defs {
                vrrp_mcast_group4 224.0.0.77
                vrrp_mcast_group6 ff02::77
            }
            vrrp_instance V4 {
                interface eth0
                virtual_router_id 51
                virtual_ipaddress {
                    10.0.0.100
                }
            }
            vrrp_instance V6 {
                interface eth0
                virtual_router_id 52
                virtual_ipaddress {
                    fd00::100
                }
            }
            """;
        var units = VrrpOptionsMapper.Units(Load(config));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(units[0].Options.Instances[0].Instance.EffectiveMulticastGroup, Is.EqualTo(IPAddress.Parse("224.0.0.77")));
            Assert.That(units[1].Options.Instances[0].Instance.EffectiveMulticastGroup, Is.EqualTo(IPAddress.Parse("ff02::77")));
        }
    }

    [Test]
    public void Instance_NothingWritten_DefaultGroupAndTtl255()
    {
        var options = First("""
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                virtual_ipaddress {
                    10.0.0.100
                }
            }
            """);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.UnicastTtl, Is.EqualTo(255));
            Assert.That(options.MulticastGroup, Is.Null);
            Assert.That(options.EffectiveMulticastGroup, Is.EqualTo(IPAddress.Parse("224.0.0.18")));
            Assert.That(options.Garp.ArpSpacing, Is.EqualTo(TimeSpan.Zero));
        }
    }

    [Test]
    public void Garp_GlobalIntervalsAndMinGarp_MappedWithKeepalivedMeaning()
    {
        var options = First("""
            global_defs {
                vrrp_garp_interval 0.05
                vrrp_gna_interval 0.1
                vrrp_min_garp
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                virtual_ipaddress {
                    10.0.0.100
                }
            }
            """);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Garp.ArpSpacing, Is.EqualTo(TimeSpan.FromMilliseconds(50)));
            Assert.That(options.Garp.NaSpacing, Is.EqualTo(TimeSpan.FromMilliseconds(100)));
            Assert.That(options.Garp.MasterRepeat, Is.EqualTo(1), "vrrp_min_garp: one frame per address");
            Assert.That(options.Garp.MasterDelay, Is.EqualTo(TimeSpan.Zero), "vrrp_min_garp: no second burst");
        }
    }

    [Test]
    public void Notify_MasterRxLowerPri_CarriedAsArgv()
    {
        var unit = VrrpOptionsMapper.Units(Load("""
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                notify_master_rx_lower_pri "/usr/local/bin/lower 'a b'"
                virtual_ipaddress {
                    10.0.0.100
                }
            }
            """))[0];

        Assert.That(unit.Notify["VI_1"].MasterRxLowerPriority, Is.EqualTo(new[] { "/usr/local/bin/lower", "a b" }));
    }

    [Test]
    public void Warnings_UnsupportedSettingsWritten_OneWarningEachWithLocation()
    {
        var warnings = VrrpConfigWarnings.Collect(Load("""
            global_defs {
                vrrp_strict
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                no_accept
                track_src_ip
                notify_deleted
                virtual_ipaddress {
                    10.0.0.100
                }
            }
            """));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(warnings, Has.Some.Contains("vrrp_strict"));
            Assert.That(warnings, Has.Some.Contains("no_accept").And.Contains("VI_1"));
            Assert.That(warnings, Has.Some.Contains("track_src_ip"));
            Assert.That(warnings, Has.Some.Contains("notify_deleted"));
            Assert.That(warnings, Has.All.Matches<string>(w => System.Text.RegularExpressions.Regex.IsMatch(w, @"^[^:]+:\d+: ")), "each names file:line");
        }
    }

    [Test]
    public void Warnings_OnlySupportedSettings_None()
    {
        var warnings = VrrpConfigWarnings.Collect(Load("""
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                accept
                unicast_ttl 64
                virtual_ipaddress {
                    10.0.0.100/24 dev eth0 label eth0:1
                }
            }
            """));

        Assert.That(warnings, Is.Empty);
    }

    [Test]
    public void Warnings_SyncGroupMemberTracksWithWeight_SaysKadAppliesIt()
    {
        var config = """
            vrrp_sync_group VG {
                group {
                    VI_1
                }
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                track_interface {
                    eth1 weight -20
                }
                virtual_ipaddress {
                    10.0.0.100
                }
            }
            """;

        var warnings = VrrpConfigWarnings.Collect(Load(config));
        var withOption = VrrpConfigWarnings.Collect(Load(config.Replace("group {", "sync_group_tracking_weight\n    group {", StringComparison.Ordinal)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(warnings, Has.One.Contains("sync_group_tracking_weight"));
            Assert.That(withOption, Is.Empty);
        }
    }

    [Test]
    public void TrackFile_InstanceAndGroupLines_ReachTheEngineWithKeepalivedWeights()
    {
        var units = VrrpOptionsMapper.Units(Load("""
            track_file tf1 {
                file /run/kad/tf1
                weight -5 reverse
            }
            track_file tf2 {
                file /run/kad/tf2
            }
            track_file unused {
                file /run/kad/unused
            }
            vrrp_sync_group G {
                group {
                    VI_1
                }
                track_file {
                    tf2 weight 0
                }
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                virtual_ipaddress {
                    10.0.0.100
                }
                track_file {
                    tf1
                    tf2 weight 3 noreverse
                }
            }
            """));

        var files = units.Single().Options.Instances[0].Tracking!.Files;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(files, Is.EqualTo(new[]
            {
                new Kad.Vrrp.Engine.TrackedFileOptions("tf1", "/run/kad/tf1", -5, true),
                new Kad.Vrrp.Engine.TrackedFileOptions("tf2", "/run/kad/tf2", 3, false),
                new Kad.Vrrp.Engine.TrackedFileOptions("tf2", "/run/kad/tf2", 0, false),
            }));
            Assert.That(units.Single().Source.TrackFiles.Select(f => f.Name), Is.EqualTo(new[] { "tf1", "tf2" }), "only the files the unit tracks are part of its source");
        }
    }

    [Test]
    public void TrackFile_ChangedPath_IsNotAppliedInPlace()
    {
        const string Text = """
            track_file tf1 {
                file /run/kad/tf1
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                virtual_ipaddress {
                    10.0.0.100
                }
                track_file {
                    tf1
                }
            }
            """;
        var before = VrrpOptionsMapper.Units(Load(Text)).Single();
        var after = VrrpOptionsMapper.Units(Load(Text.Replace("/run/kad/tf1", "/run/kad/other", StringComparison.Ordinal))).Single();

        Assert.That(before.Source.CanApplyInPlace(after.Source), Is.False);
    }

    [Test]
    public void TrackFile_InitFile_CreatesAtStartOverwritesOnlyAtStart()
    {
        var dir = Directory.CreateTempSubdirectory("kad-tf-");
        try
        {
            var created = Path.Combine(dir.FullName, "created");
            var kept = Path.Combine(dir.FullName, "kept");
            var overwritten = Path.Combine(dir.FullName, "overwritten");
            File.WriteAllText(kept, "3\n");
            File.WriteAllText(overwritten, "3\n");
            var config = Load($$"""
                track_file a {
                    file {{created}}
                    init_file 4
                }
                track_file b {
                    file {{kept}}
                    init_file 4
                }
                track_file c {
                    file {{overwritten}}
                    init_file -2 overwrite
                }
                """);
            using var half = new VrrpHalf(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System);

            half.InitTrackFiles(config, atStart: true);
            var atStart = (File.ReadAllText(created), File.ReadAllText(kept), File.ReadAllText(overwritten));
            File.WriteAllText(overwritten, "9\n");
            half.InitTrackFiles(config, atStart: false);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(atStart, Is.EqualTo(("4\n", "3\n", "-2\n")));
                Assert.That(File.ReadAllText(overwritten), Is.EqualTo("9\n"), "a reload does not overwrite what was written since");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
