using System.Net.Sockets;
using Kad.Config;
using Kad.Daemon.Vrrp;
using Kad.Vrrp.Engine;

namespace Kad.Daemon.Tests.Vrrp;

/// <summary>use_vmac from the parsed configuration to the engine's options, and what a reload does with it.</summary>
[TestFixture]
public class VirtualMacMapperTests
{
    private static string Config(string vmacLines, string vip = "10.0.0.100", string extra = "") => $$"""
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            {{vmacLines}}
            {{extra}}
            virtual_ipaddress {
                {{vip}}
            }
        }
        """;

    private static IReadOnlyList<VrrpUnit> Units(string text)
    {
        var result = KeepalivedConfigLoader.LoadText(text);
        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        return VrrpOptionsMapper.Units(result.Config);
    }

    private static VrrpInstanceOptions Instance(string text) => Units(text)[0].Options.Instances[0].Instance;

    [Test]
    public void UseVmac_Bare_DefaultNameAndRfcMacOfTheFamily()
    {
        var v4 = Instance(Config("use_vmac")).VirtualMac!;
        var v6 = Instance(Config("use_vmac", "fd00::100")).VirtualMac!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((v4.InterfaceName, v4.MacAddress.ToColonString(), v4.TransmitOnBase), Is.EqualTo(("vrrp.51", "00:00:5e:00:01:33", false)));
            Assert.That((v6.InterfaceName, v6.MacAddress.ToColonString()), Is.EqualTo(("vrrp.51", "00:00:5e:00:02:33")));
        }
    }

    [Test]
    public void UseVmac_NameFiveOctetMacAndXmitBase_Mapped()
    {
        var vmac = Instance(Config("use_vmac vip51 02:aa:bb:cc:dd\n    vmac_xmit_base")).VirtualMac!;

        Assert.That((vmac.InterfaceName, vmac.MacAddress.ToColonString(), vmac.TransmitOnBase), Is.EqualTo(("vip51", "02:aa:bb:cc:dd:33", true)));
    }

    [Test]
    public void UseVmac_Unicast_SendsFromTheBase()
    {
        var options = Instance(Config("use_vmac", extra: "unicast_peer {\n        10.0.0.2\n    }"));

        Assert.That((options.VirtualMac!.TransmitOnBase, options.AdvertInterface, options.AddressInterface), Is.EqualTo((true, "eth0", "vrrp.51")));
    }

    [Test]
    public void NoUseVmac_NoVirtualMac()
    {
        Assert.That(Instance(Config("")).VirtualMac, Is.Null);
    }

    [Test]
    public void Reload_UnchangedUseVmac_Kept_ChangedUseVmac_Restarted()
    {
        var running = Units(Config("use_vmac"));

        var same = VrrpReloadPlan.Compute(running, Units(Config("use_vmac")));
        var vipOnly = VrrpReloadPlan.Compute(running, Units(Config("use_vmac", "10.0.0.101")));
        var renamed = VrrpReloadPlan.Compute(running, Units(Config("use_vmac vip51")));
        var removed = VrrpReloadPlan.Compute(running, Units(Config("")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(same.Kept, Is.EqualTo(new[] { "instance VI_1" }));
            Assert.That(vipOnly.Changed, Is.Empty, "a VIP change stays in place");
            Assert.That(renamed.Changed, Is.EqualTo(new[] { "instance VI_1" }));
            Assert.That(removed.Changed, Is.EqualTo(new[] { "instance VI_1" }));
        }
    }

    [Test]
    public void VmacPrefix_NamesUnnamedVmacs_AndRestartsOnlyTheirUnits()
    {
        const string Plain = "vrrp_instance VI_2 {\n    interface eth0\n    virtual_router_id 52\n    virtual_ipaddress {\n        10.0.0.200\n    }\n}\n";
        var running = Units(Config("use_vmac") + Plain);
        var prefixed = Units("global_defs {\n    vmac_prefix kv\n}\n" + Config("use_vmac") + Plain);

        var plan = VrrpReloadPlan.Compute(running, prefixed);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(prefixed[0].Options.Instances[0].Instance.VirtualMac!.InterfaceName, Is.EqualTo("kv.51"));
            Assert.That(plan.Changed, Is.EqualTo(new[] { "instance VI_1" }));
            Assert.That(plan.Kept, Is.EqualTo(new[] { "instance VI_2" }), "an instance without use_vmac is not restarted");
        }
    }

    [Test]
    public void Options_AddressFamilyIsTheVips()
    {
        Assert.That(Instance(Config("use_vmac", "fd00::100")).Family, Is.EqualTo(AddressFamily.InterNetworkV6));
    }
}
