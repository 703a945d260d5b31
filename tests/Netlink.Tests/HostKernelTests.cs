using System.Net.Sockets;
using Kad.Netlink.Ipvs;
using Kad.Netlink.Protocol;
using Kad.Netlink.Route;
using Kad.Testing;

namespace Kad.Netlink.Tests;

/// <summary>
/// The real socket layer against the host kernel, read-only (no root needed, nothing changed): rtnetlink dumps
/// agree with /sys/class/net, and a missing IPVS family surfaces as a typed ENOENT.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
public sealed class HostKernelTests
{
    [Test]
    public void GetLinks_HostKernel_MatchesSysClassNet()
    {
        LabPolicy.Require(Directory.Exists("/sys/class/net"), "no /sys/class/net");
        using var client = RtnetlinkClient.Open();

        var links = client.GetLinks();

        var expected = Directory.GetDirectories("/sys/class/net")
            .Select(d => (int.Parse(File.ReadAllText(Path.Combine(d, "ifindex")).Trim(), System.Globalization.CultureInfo.InvariantCulture), Path.GetFileName(d)))
            .OrderBy(l => l.Item1);
        Assert.That(links.Select(l => (l.Index, l.Name)).OrderBy(l => l.Index), Is.EqualTo(expected));
    }

    [Test]
    public void GetLinkAndAddresses_Loopback_IsUpWithLoopbackAddress()
    {
        using var client = RtnetlinkClient.Open();

        var lo = client.GetLink("lo");
        var addresses = client.GetAddresses(AddressFamily.InterNetwork);

        Assert.That(lo, Is.Not.Null);
        Assert.That(lo!.Flags.HasFlag(InterfaceFlags.Loopback) && lo.IsUsable, Is.True, lo.ToString());
        Assert.That(addresses.Any(a => a.InterfaceIndex == lo.Index && a.Address.Equals(System.Net.IPAddress.Loopback) && a.PrefixLength == 8), Is.True);
        Assert.That(client.GetLink("nosuchif0"), Is.Null);
    }

    [Test]
    public void IpvsOpen_NoIpvsInHostKernel_ThrowsTypedEnoent()
    {
        LabPolicy.Require(!File.Exists("/proc/net/ip_vs"), "this host has IPVS; the kernel lab covers it");

        var error = Assert.Throws<NetlinkException>(() => IpvsClient.Open().Dispose());

        Assert.That((error.ErrnoName, error.Operation, error.Subject), Is.EqualTo(("ENOENT", "CTRL_CMD_GETFAMILY", (object)"IPVS")));
    }
}
