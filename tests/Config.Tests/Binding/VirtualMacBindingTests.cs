using Kad.Config.Model;

namespace Kad.Config.Tests.Binding;

using static ConfigHarness;

/// <summary><c>use_vmac [NAME] [MAC]</c> and <c>vmac_xmit_base</c> in a vrrp_instance.</summary>
public class VirtualMacBindingTests
{
    private static ConfigLoadResult Instance(params string[] lines) =>
        Load($"vrrp_instance VI {{\n interface eth0\n virtual_router_id 51\n {string.Join("\n ", lines)}\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n");

    private static VrrpInstance Only(ConfigLoadResult r) => r.Config.VrrpInstances.Single();

    [Test]
    public void UseVmac_Bare_ModelledWithoutNameOrMacAndNoFinding()
    {
        var r = Instance("use_vmac");

        Assert.That(r.Diagnostics, Is.Empty, string.Join("\n", r.Diagnostics));
        var vmac = Only(r).VirtualMac;
        Assert.That(vmac, Is.Not.Null);
        Assert.That((vmac!.InterfaceName, vmac.MacAddress, vmac.Location.Line), Is.EqualTo(((string?)null, (string?)null, 4)));
        Assert.That(Only(r).VirtualMacTransmitBase, Is.False);
    }

    [Test]
    public void UseVmac_NameAndXmitBase_BothModelled()
    {
        var r = Instance("use_vmac vip51", "vmac_xmit_base");

        Assert.That(r.Diagnostics, Is.Empty, string.Join("\n", r.Diagnostics));
        Assert.That((Only(r).VirtualMac!.InterfaceName, Only(r).VirtualMacTransmitBase), Is.EqualTo(((string?)"vip51", true)));
    }

    [TestCase("use_vmac vip51 00:00:5E:00:01", "vip51", "00:00:5e:00:01")]
    [TestCase("use_vmac 02:11:22:33:44:55", null, "02:11:22:33:44:55")]
    public void UseVmac_WithMac_MacNormalised(string line, string? name, string mac)
    {
        var r = Instance(line);

        Assert.That(r.Diagnostics, Is.Empty, string.Join("\n", r.Diagnostics));
        Assert.That((Only(r).VirtualMac!.InterfaceName, Only(r).VirtualMac!.MacAddress), Is.EqualTo((name, (string?)mac)));
    }

    [TestCase("use_vmac abcdefghijklmnop", "not a valid interface name")]
    [TestCase("use_vmac a/b", "not a valid interface name")]
    [TestCase("use_vmac vip51 zz:00", "not a MAC address")]
    [TestCase("use_vmac 00:00:5e:00:01 00:00:5e:00:02", "a second MAC address")]
    public void UseVmac_BadWord_IsAnErrorOnItsLine(string line, string message)
    {
        var r = Instance(line);

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.InvalidValue, 4) }), string.Join("\n", r.Diagnostics));
        Assert.That(r.Errors.Single().Message, Does.Contain(message));
    }

    [Test]
    public void UseVmac_SameNameAsInterface_IsAnError()
    {
        var r = Instance("use_vmac eth0");

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, 4) }), string.Join("\n", r.Diagnostics));
    }

    [Test]
    public void UseVmac_WithUnicastPeersWithoutXmitBase_IsAWarningOnTheUseVmacLine()
    {
        var r = Instance("use_vmac", "unicast_peer {", "10.0.0.2", "}");

        Assert.That(r.Errors, Is.Empty, string.Join("\n", r.Diagnostics));
        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, 4) }), string.Join("\n", r.Diagnostics));
        Assert.That(r.Diagnostics.Single().Message, Does.Contain("vmac_xmit_base"));
    }

    [Test]
    public void XmitBase_WithoutUseVmac_IsAWarning()
    {
        var r = Instance("vmac_xmit_base");

        Assert.That(r.Errors, Is.Empty);
        Assert.That(r.Diagnostics.Single().Message, Does.Contain("no effect without 'use_vmac'"));
    }

    [Test]
    public void UseVmacAddr_StillAnUnsupportedWarningOnItsLine()
    {
        var r = Instance("use_vmac", "use_vmac_addr");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.Unsupported, 5) }), string.Join("\n", r.Diagnostics));
    }

    [Test]
    public void VmacPrefix_Modelled_TooLongIsAnErrorOnItsLine()
    {
        var ok = Load("global_defs {\n vmac_prefix kv\n}\n");
        var bad = Load("global_defs {\n vmac_prefix abcdefghijkl\n}\n");

        Assert.That(ok.Diagnostics, Is.Empty);
        Assert.That(ok.Config.Global.VmacPrefix, Is.EqualTo("kv"));
        Assert.That(bad.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.InvalidValue, 2) }), string.Join("\n", bad.Diagnostics));
    }

    [Test]
    public void UseVmac_ChangedName_InstancesDiffer()
    {
        Assert.That(Only(Instance("use_vmac a")), Is.Not.EqualTo(Only(Instance("use_vmac b"))));
        var again = Only(Instance("use_vmac a"));
        Assert.That(Only(Instance("use_vmac a")), Is.EqualTo(again));
        Assert.That(Only(Instance("use_vmac")), Is.Not.EqualTo(Only(Instance(""))));
    }
}
