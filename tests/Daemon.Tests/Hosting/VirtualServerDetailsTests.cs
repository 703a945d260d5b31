using Kad.Config;
using Kad.Control;
using Kad.Daemon.Hosting;

namespace Kad.Daemon.Tests.Hosting;

public sealed class VirtualServerDetailsTests
{
    private const string Config = """
        virtual_server 10.0.0.1 443 {
            lb_algo sh
            lb_kind DR
            persistence_timeout 600
            protocol TCP
            real_server 10.1.0.1 443 {
                weight 1
            }
            real_server 10.1.0.2 443 {
                lvs_method NAT
            }
        }
        """;

    [Test]
    public void Complete_StatusFromTheHalf_GetsSchedulerMethodsPersistenceAndServices()
    {
        var config = KeepalivedConfigLoader.LoadText(Config).Config;
        var name = Kad.Daemon.Lvs.LvsConfigMapper.Map(config).VirtualServers.Single().Name;
        var fromHalf = new VirtualServerStatus(name, "-", "-", true, true, []);

        var completed = new VirtualServerDetails().Complete(config, [fromHalf]).Single();

        Assert.That(completed, Is.EqualTo(fromHalf with { Scheduler = "sh", ForwardingMethod = "DR/NAT", PersistenceSeconds = 600, Services = completed.Services }));
        Assert.That(completed.Services, Is.EqualTo(new[] { "TCP 10.0.0.1:443" }));
    }

    [Test]
    public void Complete_UnknownVirtualServer_LeftAsIs()
    {
        var config = KeepalivedConfigLoader.LoadText(Config).Config;
        var other = new VirtualServerStatus("elsewhere", "-", "-", false, true, []);

        Assert.That(new VirtualServerDetails().Complete(config, [other]).Single(), Is.SameAs(other));
    }
}
