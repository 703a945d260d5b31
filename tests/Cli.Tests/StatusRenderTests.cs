using Kad.Control;

namespace Kad.Cli.Tests;

/// <summary>dotnet-kad status's tables: daemon line with config hash and last reload, instances, virtual servers.</summary>
public sealed class StatusRenderTests
{
    private static DaemonStatus Sample() => new(
        new DaemonInfo("0.1.0", 42, DateTimeOffset.UnixEpoch, 3725, "/etc/keepalived/keepalived.conf", "0123456789abcdef0123",
            new ReloadResult(DateTimeOffset.UnixEpoch, false, "configuration has errors; the running configuration is kept", [], ["x"])),
        [new VrrpInstanceStatus("VI_1", "eth0", 51, 2, "BACKUP", 100, 90, "10.0.0.2", ["10.0.0.100/32"], 3, null, new Dictionary<string, long> { ["TtlNot255"] = 2 })],
        [new VirtualServerStatus("10.0.0.100:80 TCP", "wlc", "NAT", true, true,
            [new RealServerStatus("10.1.0.1:80", "Up", 2, 2, "connect ok", 1.25, DateTimeOffset.UnixEpoch, 7, 3, 0, 0, 0)], 300, ["TCP 10.0.0.100:80", "TCP 10.0.0.101:80"])]);

    [Test]
    public void Render_Status_ShowsConfigHashLastReloadMasterAndVirtualServerSettings()
    {
        var text = StatusCommand.Render(Sample());

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("kad 0.1.0, pid 42, up 1h2m5s"));
            Assert.That(text, Does.Contain("config /etc/keepalived/keepalived.conf (sha256 0123456789ab)"));
            Assert.That(text, Does.Contain("REFUSED, configuration has errors"));
            Assert.That(text, Does.Match(@"VI_1\s+eth0\s+51\s+v2\s+BACKUP\s+100\s+90\s+10\.0\.0\.2\s+10\.0\.0\.100/32\s+3\s+2"));
            Assert.That(text, Does.Contain("virtual server 10.0.0.100:80 TCP: wlc NAT, persistent 300 s, quorum up"));
            Assert.That(text, Does.Contain("services TCP 10.0.0.100:80, TCP 10.0.0.101:80"));
            Assert.That(text, Does.Match(@"10\.1\.0\.1:80\s+Up\s+2\s+2\s+connect ok\s+1\.2 ms\s+7\s+3"));
        });
    }
}
