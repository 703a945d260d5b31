using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.Engine;

/// <summary>use_vmac's pure parts: the RFC MAC, names, where addresses go, what is set, and reload equality.</summary>
public class VirtualMacTests
{
    private static VrrpInstanceOptions Options(VirtualMacOptions? vmac) => new()
    {
        Name = "VI_1",
        Interface = "eth0",
        VirtualRouterId = 51,
        VirtualAddresses = [VirtualAddress.Host(IPAddress.Parse("10.0.0.100")), new VirtualAddress(IPAddress.Parse("10.0.0.101"), 32, Device: "eth0")],
        ExcludedAddresses = [new VirtualAddress(IPAddress.Parse("10.9.0.1"), 24, Device: "eth1")],
        VirtualMac = vmac,
    };

    private static VirtualMacOptions Vmac(bool transmitOnBase = false) => new()
    {
        InterfaceName = "vrrp.51",
        MacAddress = VirtualMac.Address(51, AddressFamily.InterNetwork),
        TransmitOnBase = transmitOnBase,
    };

    [TestCase((byte)51, AddressFamily.InterNetwork, "00:00:5e:00:01:33")]
    [TestCase((byte)1, AddressFamily.InterNetwork, "00:00:5e:00:01:01")]
    [TestCase((byte)255, AddressFamily.InterNetworkV6, "00:00:5e:00:02:ff")]
    public void Address_VridAndFamily_IsRfc5798VirtualRouterMac(byte vrid, AddressFamily family, string expected)
    {
        Assert.That(VirtualMac.Address(vrid, family).ToColonString(), Is.EqualTo(expected));
    }

    [Test]
    public void FromWritten_FiveOctets_TakesVridAsSixth()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(VirtualMac.FromWritten([0x02, 0x11, 0x22, 0x33, 0x44], 51).ToColonString(), Is.EqualTo("02:11:22:33:44:33"));
            Assert.That(VirtualMac.FromWritten([0x02, 0x11, 0x22, 0x33, 0x44, 0x55], 51).ToColonString(), Is.EqualTo("02:11:22:33:44:55"));
            Assert.That(() => VirtualMac.FromWritten([0x02, 0x11], 51), Throws.ArgumentException);
        }
    }

    [Test]
    public void DefaultInterfaceName_IsVrrpDotVrid()
    {
        Assert.That(VirtualMac.DefaultInterfaceName(51), Is.EqualTo("vrrp.51"));
    }

    [Test]
    public void AdvertAndAddressInterface_FollowUseVmacAndXmitBase()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That((Options(null).AdvertInterface, Options(null).AddressInterface), Is.EqualTo(("eth0", "eth0")));
            Assert.That((Options(Vmac()).AdvertInterface, Options(Vmac()).AddressInterface), Is.EqualTo(("vrrp.51", "vrrp.51")));
            Assert.That((Options(Vmac(true)).AdvertInterface, Options(Vmac(true)).AddressInterface), Is.EqualTo(("eth0", "vrrp.51")));
        }
    }

    [Test]
    public void Placement_WithVmac_AddressesWithoutOtherDevGoOnTheVmac()
    {
        var options = Options(Vmac());
        var placed = options.VirtualAddresses.Concat(options.ExcludedAddresses).Select(a => VrrpInstance.Placement(a, options)).ToList();

        Assert.That(placed.Select(p => (p.Address.Address.ToString(), p.Address.Device, p.Device)), Is.EqualTo(new[]
        {
            ("10.0.0.100", (string?)null, "vrrp.51"),
            ("10.0.0.101", null, "vrrp.51"),
            ("10.9.0.1", "eth1", "eth1"),
        }));
    }

    [Test]
    public void BecomingMaster_WithVmac_InstallsOnTheVmac()
    {
        var clock = new FakeTimeProvider();
        var addresses = new RecordingAddressPort();
        var instance = new VrrpInstance(Options(Vmac()), clock, addresses);
        instance.Bind(new CountingWire(), IPAddress.Parse("10.0.0.1"));
        instance.Start();
        while (instance.State != VrrpState.Master && instance.NextDeadline is { } deadline)
        {
            clock.Advance(TimeSpan.FromTicks(Math.Max(0, deadline - clock.GetTimestamp())));
            instance.OnTimer();
        }

        instance.Stop();

        Assert.That(addresses.Calls, Is.EqualTo(new[]
        {
            "add 10.0.0.100 vrrp.51", "add 10.0.0.101 vrrp.51", "add 10.9.0.1 eth1",
            "del 10.0.0.100 vrrp.51", "del 10.0.0.101 vrrp.51", "del 10.9.0.1 eth1",
        }));
    }

    [Test]
    public void CanReconfigure_UseVmacChanged_RestartsTheInstance()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(VrrpInstance.CanReconfigure(Options(Vmac()), Options(Vmac())), Is.True, "equal VMAC options (MAC compared by value)");
            Assert.That(VrrpInstance.CanReconfigure(Options(null), Options(Vmac())), Is.False);
            Assert.That(VrrpInstance.CanReconfigure(Options(Vmac()), Options(Vmac(transmitOnBase: true))), Is.False);
            Assert.That(VrrpInstance.CanReconfigure(Options(Vmac()), Options(Vmac() with { InterfaceName = "vip51" })), Is.False);
        }
    }

    [Test]
    public void Settings_IPv4_MatchKeepalived227()
    {
        var vmac = new VirtualMacInterface("vrrp.51", "eth0", VirtualMac.Address(51, AddressFamily.InterNetwork), AddressFamily.InterNetwork);

        Assert.That(VirtualMac.Settings(vmac).Select(s => s.ToString()), Is.EqualTo(new[]
        {
            "net.ipv4.conf.eth0.arp_ignore=1",
            "net.ipv4.conf.eth0.arp_filter=1",
            "net.ipv4.conf.vrrp.51.arp_ignore=1",
            "net.ipv4.conf.vrrp.51.accept_local=1",
            "net.ipv4.conf.vrrp.51.rp_filter=0",
            "net.ipv4.conf.vrrp.51.promote_secondaries=1",
            "net.ipv6.conf.vrrp.51.disable_ipv6=1",
        }));
        Assert.That(VirtualMac.Settings(vmac)[2].Path, Is.EqualTo("net/ipv4/conf/vrrp.51/arp_ignore"), "the /proc/sys path keeps the dot of the name");
    }

    [Test]
    public void Settings_IPv6_OnlyStopsTheAutomaticLinkLocal()
    {
        var vmac = new VirtualMacInterface("vrrp.51", "eth0", VirtualMac.Address(51, AddressFamily.InterNetworkV6), AddressFamily.InterNetworkV6);

        Assert.That(VirtualMac.Settings(vmac).Select(s => s.ToString()), Is.EqualTo(new[] { "net.ipv6.conf.vrrp.51.addr_gen_mode=1" }));
    }

    [Test]
    public void ReversePathSettings_AllSet_RaisesOthersToAllAndClearsAll()
    {
        var current = new Dictionary<string, int> { ["all"] = 1, ["default"] = 0, ["eth0"] = 0, ["eth1"] = 2, ["lo"] = 1 };

        Assert.That(VirtualMac.ReversePathSettings(current).Select(s => s.ToString()), Is.EqualTo(new[]
        {
            "net.ipv4.conf.default.rp_filter=1",
            "net.ipv4.conf.eth0.rp_filter=1",
            "net.ipv4.conf.all.rp_filter=0",
        }));
    }

    [Test]
    public void ReversePathSettings_AllClear_ChangesNothing()
    {
        Assert.That(VirtualMac.ReversePathSettings(new Dictionary<string, int> { ["all"] = 0, ["eth0"] = 1 }), Is.Empty);
    }

    [Test]
    public void VirtualMacInterface_ToString_NamesInterfaceMacAndBase()
    {
        var vmac = new VirtualMacInterface("vrrp.51", "eth0", PhysicalAddress.Parse("00-00-5E-00-01-33"), AddressFamily.InterNetwork);

        Assert.That(vmac.ToString(), Is.EqualTo("vrrp.51 (00:00:5e:00:01:33 on eth0)"));
    }
}
