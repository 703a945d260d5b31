using System.Text;

namespace Kad.Control.Tests;

/// <summary>The plan part of the protocol: its wire form, and ipvsadm's wording for each kind of IPVS change.</summary>
public sealed class PlanMessagesTests
{
    [Test]
    public async Task WriteAsync_PlanRequest_CarriesTheFile()
    {
        using var stream = new MemoryStream();

        await ControlFraming.WriteAsync(stream, new ControlRequest(1, ControlCommand.Plan, "/etc/keepalived/next.conf"), ControlJsonContext.Default.ControlRequest, CancellationToken.None);

        Assert.That(Encoding.UTF8.GetString(stream.ToArray()), Is.EqualTo("{\"version\":1,\"command\":\"Plan\",\"configFile\":\"/etc/keepalived/next.conf\"}\n"));
    }

    [Test]
    public async Task ReadAsync_PlanResponse_RoundTrips()
    {
        var plan = new PlanResult("/x.conf", "ab", true, ["w"], [new VrrpChange(VrrpChangeKind.Add, "instance VI_2", "VI_2", "eth0", 52, ["10.0.0.2/32"], [], [])],
            [new IpvsChange(IpvsChangeKind.EditServer, "udp", "10.0.0.1:53", RealServer: "10.1.0.1:53", Forwarding: "-g", Weight: 0, Was: "-g -w 1")], ["n"]);
        using var stream = new MemoryStream();
        await ControlFraming.WriteAsync(stream, new ControlResponse(1, true, Plan: plan), ControlJsonContext.Default.ControlResponse, CancellationToken.None);
        stream.Position = 0;

        var read = await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlResponse, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(read!.Plan!.Ipvs, Is.EqualTo(plan.Ipvs));
            Assert.That(read.Plan.Vrrp.Single().AddedAddresses, Is.EqualTo(new[] { "10.0.0.2/32" }));
            Assert.That(read.Plan.Notes, Is.EqualTo(new[] { "n" }));
        });
    }

    [Test]
    public async Task ReadAsync_RequestWithoutConfigFile_StillReads()
    {
        using var stream = new MemoryStream("{\"version\":1,\"command\":\"Status\"}\n"u8.ToArray());

        var read = await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlRequest, CancellationToken.None);

        Assert.That(read, Is.EqualTo(new ControlRequest(1, ControlCommand.Status)));
    }

    [TestCase(IpvsChangeKind.AddService, "tcp", "10.0.0.1:80", "-A -t 10.0.0.1:80 -s wlc -p 60 -M 255.255.255.0 -o")]
    [TestCase(IpvsChangeKind.EditService, "udp", "[2001:db8::1]:53", "-E -u [2001:db8::1]:53 -s wlc -p 60 -M 255.255.255.0 -o")]
    [TestCase(IpvsChangeKind.DeleteService, "sctp", "10.0.0.1:9", "-D --sctp-service 10.0.0.1:9")]
    public void ToIpvsadm_Service_InIpvsadmWording(IpvsChangeKind kind, string protocol, string service, string expected)
    {
        var change = new IpvsChange(kind, protocol, service, Scheduler: "wlc", PersistenceSeconds: 60, PersistenceMask: "255.255.255.0", OnePacket: true);

        Assert.That(change.ToIpvsadm(), Is.EqualTo(expected));
    }

    [TestCase(IpvsChangeKind.AddServer, "-a -f 7 -6 -r [2001:db8::2]:0 -i -w 2 -x 100 -y 10")]
    [TestCase(IpvsChangeKind.EditServer, "-e -f 7 -6 -r [2001:db8::2]:0 -i -w 2 -x 100 -y 10")]
    [TestCase(IpvsChangeKind.DeleteServer, "-d -f 7 -6 -r [2001:db8::2]:0")]
    public void ToIpvsadm_RealServer_InIpvsadmWording(IpvsChangeKind kind, string expected)
    {
        var change = new IpvsChange(kind, "fwm", "7", Ipv6FirewallMark: true, RealServer: "[2001:db8::2]:0", Forwarding: "-i", Weight: 2, UpperThreshold: 100, LowerThreshold: 10);

        Assert.That(change.ToIpvsadm(), Is.EqualTo(expected));
    }

    [Test]
    public void ToString_VrrpChangeInASyncGroup_NamesTheGroup()
    {
        var change = new VrrpChange(VrrpChangeKind.Restart, "group G1", "VI_1", "eth0", 51, [], [], ["priority 100 -> 90"]);

        Assert.That(change.ToString(), Is.EqualTo("restart instance VI_1 (eth0 vrid 51, group G1): priority 100 -> 90"));
    }
}
