using System.Net;
using Kad.Config;
using Kad.Daemon.Vrrp;
using Kad.Netlink.Route;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;

namespace Kad.Daemon.Tests.Vrrp;

[TestFixture]
public class VrrpOptionsMapperTests
{
    private const string TwoInstances = """
        global_defs {
            vrrp_garp_master_repeat 3
        }
        vrrp_instance VI_1 {
            state MASTER
            interface eth0
            virtual_router_id 51
            priority 150
            advert_int 2
            authentication {
                auth_type PASS
                auth_pass secret
            }
            virtual_ipaddress {
                10.0.0.100/24 dev eth1 label eth1:vip scope link
                10.0.0.101
            }
        }
        vrrp_instance VI_2 {
            interface eth0
            virtual_router_id 52
            nopreempt
            virtual_ipaddress {
                10.0.0.200
            }
        }
        """;

    private static Kad.Config.Model.KeepalivedConfig Load(string text)
    {
        var result = KeepalivedConfigLoader.LoadText(text);
        Assert.That(result.Errors, Is.Empty);
        return result.Config;
    }

    [Test]
    public void Units_InstancesWithoutGroups_OneUnitEach()
    {
        var units = VrrpOptionsMapper.Units(Load(TwoInstances));

        Assert.That(units.Select(u => u.Key), Is.EqualTo(new[] { "instance VI_1", "instance VI_2" }));
    }

    [Test]
    public void Instance_WrittenSettings_AreCarriedOver()
    {
        var options = VrrpOptionsMapper.Units(Load(TwoInstances))[0].Options.Instances[0].Instance;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Name, Is.EqualTo("VI_1"));
            Assert.That(options.Interface, Is.EqualTo("eth0"));
            Assert.That(options.VirtualRouterId, Is.EqualTo(51));
            Assert.That(options.Priority, Is.EqualTo(150));
            Assert.That(options.AdvertisementInterval, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(options.InitialState, Is.EqualTo(VrrpState.Master));
            Assert.That(options.AuthType, Is.EqualTo(VrrpAuthType.SimplePassword));
            Assert.That(options.AuthPassword, Is.EqualTo("secret"));
            Assert.That(options.Garp.MasterRepeat, Is.EqualTo(3), "global vrrp_garp_master_repeat applies");
            Assert.That(options.VirtualAddresses, Is.EqualTo(new[]
            {
                new VirtualAddress(IPAddress.Parse("10.0.0.100"), 24, "eth1", "eth1:vip", "link"),
                new VirtualAddress(IPAddress.Parse("10.0.0.101"), 32),
            }));
        }
    }

    [Test]
    public void Instance_NothingWritten_UsesKeepalivedDefaults()
    {
        var options = VrrpOptionsMapper.Units(Load(TwoInstances))[1].Options.Instances[0].Instance;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Priority, Is.EqualTo(100));
            Assert.That(options.Version, Is.EqualTo(VrrpVersion.V2));
            Assert.That(options.AdvertisementInterval, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(options.InitialState, Is.EqualTo(VrrpState.Backup));
            Assert.That(options.Preempt, Is.False, "nopreempt");
            Assert.That(options.AuthType, Is.EqualTo(VrrpAuthType.None));
            Assert.That(options.DownTimerAdverts, Is.EqualTo(3));
            Assert.That(options.Garp.MasterDelay, Is.EqualTo(TimeSpan.FromSeconds(5)));
        }
    }

    [Test]
    public void Instance_Ipv6Addresses_AlwaysVersion3WithoutAuthentication()
    {
        var config = Load("""
            vrrp_instance V6 {
                interface eth0
                virtual_router_id 60
                version 2
                virtual_ipaddress {
                    fd00::100/64
                }
            }
            """);

        var options = VrrpOptionsMapper.Units(config)[0].Options.Instances[0].Instance;

        Assert.That(options.Version, Is.EqualTo(VrrpVersion.V3));
        Assert.That(options.VirtualAddresses[0].PrefixLength, Is.EqualTo(64));
    }

    [Test]
    public void Units_SyncGroup_MembersShareOneUnit()
    {
        var config = Load(TwoInstances + """

            vrrp_sync_group G1 {
                group {
                    VI_1
                    VI_2
                }
            }
            """);

        var units = VrrpOptionsMapper.Units(config);

        Assert.That(units, Has.Count.EqualTo(1));
        Assert.That(units[0].Key, Is.EqualTo("group G1"));
        Assert.That(units[0].Options.SyncGroups["G1"], Is.EqualTo(new[] { "VI_1", "VI_2" }));
        Assert.That(units[0].Notify.Keys, Is.EquivalentTo(new[] { "VI_1", "VI_2", "G1" }));
    }

    [Test]
    public void ReloadPlan_SameText_ChangesNothing()
    {
        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(TwoInstances)));

        Assert.That(plan.IsEmpty, Is.True);
        Assert.That(plan.Kept, Has.Count.EqualTo(2));
    }

    [Test]
    public void ReloadPlan_CommentsAndBlankLinesMoved_ChangesNothing()
    {
        var moved = "# a comment\n\n" + TwoInstances.Replace("priority 150", "priority 150   # same", StringComparison.Ordinal);

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(moved)));

        Assert.That(plan.IsEmpty, Is.True, string.Join("; ", plan.Describe()));
    }

    [Test]
    public void ReloadPlan_OneVipChanged_OnlyThatInstanceUpdatedInPlace()
    {
        var changed = TwoInstances.Replace("10.0.0.101", "10.0.0.102", StringComparison.Ordinal);

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(changed)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.Updated, Is.EqualTo(new[] { "instance VI_1" }));
            Assert.That(plan.Changed, Is.Empty);
            Assert.That(plan.Describe(), Is.EqualTo(new[] { "vrrp: instance VI_1 changed (applied in place, state kept)" }));
            Assert.That(plan.Kept, Is.EqualTo(new[] { "instance VI_2" }));
            Assert.That(plan.Added, Is.Empty);
            Assert.That(plan.Removed, Is.Empty);
        }
    }

    [Test]
    public void ReloadPlan_InstanceRemovedAndAdded_Reported()
    {
        var next = TwoInstances.Replace("VI_2", "VI_3", StringComparison.Ordinal);

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(next)));

        Assert.That(plan.Added, Is.EqualTo(new[] { "instance VI_3" }));
        Assert.That(plan.Removed, Is.EqualTo(new[] { "instance VI_2" }));
        Assert.That(plan.Describe(), Is.EquivalentTo(new[] { "vrrp: instance VI_3 added", "vrrp: instance VI_2 removed" }));
    }

    [Test]
    public void ReloadPlan_GlobalElectionDefaultChanged_EveryInstanceRestarted()
    {
        var next = TwoInstances.Replace("vrrp_garp_master_repeat 3", "vrrp_garp_master_repeat 3\n    vrrp_version 3", StringComparison.Ordinal);

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(next)));

        Assert.That(plan.Changed, Has.Count.EqualTo(2));
    }

    [Test]
    public void ReloadPlan_GlobalGarpDefaultChanged_EveryInstanceUpdatedInPlace()
    {
        var next = TwoInstances.Replace("vrrp_garp_master_repeat 3", "vrrp_garp_master_repeat 4", StringComparison.Ordinal);

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(next)));

        Assert.That(plan.Updated, Has.Count.EqualTo(2));
        Assert.That(plan.Changed, Is.Empty);
    }

    [TestCase("priority 150", "priority 160", TestName = "ReloadPlan_PriorityChanged_Restarted")]
    [TestCase("virtual_router_id 51", "virtual_router_id 53", TestName = "ReloadPlan_VridChanged_Restarted")]
    [TestCase("interface eth0\n    virtual_router_id 51", "interface eth1\n    virtual_router_id 51", TestName = "ReloadPlan_InterfaceChanged_Restarted")]
    public void ReloadPlan_ElectionRelevantChange_Restarted(string from, string to)
    {
        var next = TwoInstances.Replace(from, to, StringComparison.Ordinal);
        Assert.That(next, Is.Not.EqualTo(TwoInstances), "the replacement applies");

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(next)));

        Assert.That(plan.Changed, Is.EqualTo(new[] { "instance VI_1" }));
        Assert.That(plan.Updated, Is.Empty);
    }

    [Test]
    public void ReloadPlan_AddressFamilyChanged_Restarted()
    {
        var next = TwoInstances.Replace("10.0.0.200", "fd00::200", StringComparison.Ordinal);

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(next)));

        Assert.That(plan.Changed, Is.EqualTo(new[] { "instance VI_2" }));
        Assert.That(plan.Updated, Is.Empty);
    }

    [Test]
    public void ReloadPlan_NotifyScriptAdded_UpdatedInPlace()
    {
        var next = TwoInstances.Replace("advert_int 2", "advert_int 2\n    notify_master /bin/true", StringComparison.Ordinal);

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(TwoInstances)), VrrpOptionsMapper.Units(Load(next)));

        Assert.That(plan.Updated, Is.EqualTo(new[] { "instance VI_1" }));
    }

    private const string Tracked = """
        vrrp_script chk {
            script "/bin/true"
            interval 2
            weight -20
        }
        track_file prio {
            file /run/prio
            weight 1
        }
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            priority 150
            track_interface {
                eth1 weight 10
            }
            track_script {
                chk
            }
            track_file {
                prio
            }
            virtual_ipaddress {
                10.0.0.100
            }
        }
        """;

    [TestCase("weight -20", "weight -40", TestName = "ReloadPlan_ScriptWeightChanged_UpdatedInPlace")]
    [TestCase("weight -20", "weight 20 reverse", TestName = "ReloadPlan_ScriptWeightReversed_UpdatedInPlace")]
    [TestCase("        chk\n", "        chk weight -5\n", TestName = "ReloadPlan_TrackScriptLineWeightAdded_UpdatedInPlace")]
    [TestCase("eth1 weight 10", "eth1 weight 30", TestName = "ReloadPlan_TrackInterfaceWeightChanged_UpdatedInPlace")]
    [TestCase("weight 1\n", "weight 5\n", TestName = "ReloadPlan_TrackFileWeightChanged_UpdatedInPlace")]
    public void ReloadPlan_TrackingWeightOnly_UpdatedInPlace(string from, string to)
    {
        var next = Tracked.Replace(from, to, StringComparison.Ordinal);
        Assert.That(next, Is.Not.EqualTo(Tracked), "the replacement applies");

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(Tracked)), VrrpOptionsMapper.Units(Load(next)));

        Assert.That(plan.Updated, Is.EqualTo(new[] { "instance VI_1" }));
        Assert.That(plan.Changed, Is.Empty);
    }

    [TestCase("interval 2", "interval 3", TestName = "ReloadPlan_ScriptIntervalChanged_Restarted")]
    [TestCase("/bin/true", "/bin/false", TestName = "ReloadPlan_ScriptCommandChanged_Restarted")]
    [TestCase("eth1 weight 10", "eth2 weight 10", TestName = "ReloadPlan_OtherInterfaceTracked_Restarted")]
    [TestCase("file /run/prio", "file /run/prio2", TestName = "ReloadPlan_TrackFilePathChanged_Restarted")]
    public void ReloadPlan_TrackedObjectsChanged_Restarted(string from, string to)
    {
        var next = Tracked.Replace(from, to, StringComparison.Ordinal);
        Assert.That(next, Is.Not.EqualTo(Tracked), "the replacement applies");

        var plan = VrrpReloadPlan.Compute(VrrpOptionsMapper.Units(Load(Tracked)), VrrpOptionsMapper.Units(Load(next)));

        Assert.That(plan.Changed, Is.EqualTo(new[] { "instance VI_1" }));
        Assert.That(plan.Updated, Is.Empty);
    }

    [TestCase(null, AddressScope.Universe)]
    [TestCase("global", AddressScope.Universe)]
    [TestCase("site", AddressScope.Site)]
    [TestCase("link", AddressScope.Link)]
    [TestCase("host", AddressScope.Host)]
    [TestCase("nowhere", AddressScope.Nowhere)]
    [TestCase("100", (AddressScope)100)]
    public void Scope_IpAddressNames_MapToRtScope(string? written, AddressScope expected) =>
        Assert.That(RtnetlinkAddressPort.Scope(written), Is.EqualTo(expected));

    [Test]
    public void Build_Ipv4WithLabel_KeepsPrefixLabelScope()
    {
        var kernel = RtnetlinkAddressPort.Build(new VirtualAddress(IPAddress.Parse("10.1.2.3"), 24, "eth1", "eth1:1", "site"), 7);

        Assert.That(kernel, Is.EqualTo(new InterfaceAddress(7, IPAddress.Parse("10.1.2.3"), 24) { Label = "eth1:1", Scope = AddressScope.Site }));
    }

    [Test]
    public void Build_Ipv6_NoDadAndNoLabel()
    {
        var kernel = RtnetlinkAddressPort.Build(new VirtualAddress(IPAddress.Parse("fd00::1"), 64, Label: "x"), 3);

        Assert.That(kernel.Flags, Is.EqualTo(AddressFlags.NoDad));
        Assert.That(kernel.Label, Is.Null);
    }
}
