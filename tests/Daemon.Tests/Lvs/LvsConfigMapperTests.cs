using System.Net;
using Kad.Checkers;
using Kad.Config;
using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Tests.Lvs;

public sealed class LvsConfigMapperTests
{
    [Test]
    public void Map_VirtualServer_ServiceAndDestinationsWithKeepalivedDefaults()
    {
        var model = Map("""
            virtual_server 10.0.0.1 80 {
              lb_algo rr
              real_server 10.0.1.1 8080 {
                TCP_CHECK {
                }
              }
              real_server 10.0.1.2 {
                weight 3
                lvs_method DR
              }
            }
            """);

        var vs = model.VirtualServers.Single();
        Assert.Multiple(() =>
        {
            Assert.That(vs.Services, Is.EqualTo(new[] { new IpvsService(IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.1"), 80), "rr") }));
            Assert.That(vs.RealServers[0].Destination, Is.EqualTo(new IpvsDestination(IPAddress.Parse("10.0.1.1"), 8080) { ForwardingMethod = IpvsForwardingMethod.Masquerade, Weight = 1 }));
            Assert.That(vs.RealServers[1].Destination, Is.EqualTo(new IpvsDestination(IPAddress.Parse("10.0.1.2"), 80) { ForwardingMethod = IpvsForwardingMethod.DirectRoute, Weight = 3 }));
            Assert.That(vs.Quorum, Is.EqualTo(1));
            Assert.That(LvsConfigMapper.Checks(model).Select(c => c.Server.Address), Is.EqualTo(new[] { IPAddress.Parse("10.0.1.1") }));
        });
    }

    [Test]
    public void Map_Persistence_FlagsTimeoutAndGranularity()
    {
        var model = Map("""
            virtual_server 10.0.0.1 443 {
              persistence_timeout 600
              persistence_granularity 255.255.255.0
              real_server 10.0.1.1 443 {
              }
            }
            """);

        var service = model.VirtualServers.Single().Services.Single();
        Assert.Multiple(() =>
        {
            Assert.That(service.Flags, Is.EqualTo(IpvsServiceFlags.Persistent));
            Assert.That(service.PersistenceTimeout, Is.EqualTo(600u));
            Assert.That(service.PersistencePrefixLength, Is.EqualTo(24));
            Assert.That(service.Scheduler, Is.EqualTo("wlc"));
        });
    }

    [Test]
    public void Map_FirewallMark_ServiceKeyedByMark()
    {
        var model = Map("""
            virtual_server fwmark 7 {
              real_server 10.0.1.1 80 {
              }
            }
            """);

        Assert.That(model.VirtualServers.Single().Services.Single().Key, Is.EqualTo(IpvsServiceKey.ForFirewallMark(7)));
    }

    [Test]
    public void Map_VirtualServerGroup_OneServicePerAddressAndMark()
    {
        var model = Map("""
            virtual_server_group g {
              10.0.0.1-3 80
              fwmark 9
            }
            virtual_server group g {
              real_server 10.0.1.1 80 {
              }
            }
            """);

        Assert.That(model.VirtualServers.Single().Services.Select(s => s.Key.ToString()), Is.EqualTo(new[] { "TCP 10.0.0.1:80", "TCP 10.0.0.2:80", "TCP 10.0.0.3:80", "FWM 9" }));
    }

    [Test]
    public void Map_InheritedSettings_RealServerAndCheckerOverride()
    {
        var model = Map("""
            virtual_server 10.0.0.1 80 {
              delay_loop 7
              inhibit_on_failure
              alpha
              weight 4
              sorry_server 10.0.9.9 80
              sorry_server_inhibit
              quorum 2
              hysteresis 1
              real_server 10.0.1.1 80 {
                connect_timeout 2
                HTTP_GET {
                  url {
                    path /health
                    status_code 200-204
                  }
                  retry 5
                }
              }
            }
            """);

        var vs = model.VirtualServers.Single();
        var rs = vs.RealServers.Single();
        var http = (HttpCheckOptions)rs.Checkers.Single();
        Assert.Multiple(() =>
        {
            Assert.That(rs.InhibitOnFailure, Is.True);
            Assert.That(rs.Destination.Weight, Is.EqualTo(4u));
            Assert.That(http.DelayLoop, Is.EqualTo(TimeSpan.FromSeconds(7)));
            Assert.That(http.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(http.Retry, Is.EqualTo(5));
            Assert.That(http.Alpha, Is.True);
            Assert.That(http.Urls.Single().Path, Is.EqualTo("/health"));
            Assert.That(http.Urls.Single().StatusCodes!.Contains(204) && !http.Urls.Single().StatusCodes!.Contains(205), Is.True);
            Assert.That(vs.SorryServer?.Address, Is.EqualTo(IPAddress.Parse("10.0.9.9")));
            Assert.That(vs.SorryServerInhibit, Is.True);
            Assert.That((vs.Quorum, vs.Hysteresis), Is.EqualTo((2, 1)));
        });
    }

    [Test]
    public void Map_KadDrainTimeout_VirtualServerDefaultRealServerOverride()
    {
        var model = Map("""
            virtual_server 10.0.0.1 80 {
              kad_drain_timeout 30
              real_server 10.0.1.1 80 {
              }
              real_server 10.0.1.2 80 {
                kad_drain_timeout 2.5
              }
            }
            virtual_server 10.0.0.2 80 {
              real_server 10.0.1.1 80 {
              }
            }
            """);

        Assert.Multiple(() =>
        {
            Assert.That(model.VirtualServers[0].DrainTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(model.VirtualServers[0].RealServers[0].DrainTimeout, Is.Null);
            Assert.That(model.VirtualServers[0].RealServers[1].DrainTimeout, Is.EqualTo(TimeSpan.FromSeconds(2.5)));
            Assert.That(model.VirtualServers[1].DrainTimeout, Is.Null);
        });
    }

    [Test]
    public void Map_KadDrainTimeoutNegative_ConfigError()
    {
        var loaded = KeepalivedConfigLoader.LoadText("virtual_server 10.0.0.1 80 {\n  kad_drain_timeout -1\n}\n");

        Assert.That(loaded.Errors.Select(e => e.Message), Has.Some.Contains("kad_drain_timeout"));
    }

    [Test]
    public void Map_BoundButNotActedOn_EachWarned()
    {
        var model = Map("""
            global_defs {
              lvs_sync_daemon eth0
            }
            SSL {
              certificate /etc/kad/client.pem
            }
            virtual_server 10.0.0.1 80 {
              real_server 10.0.1.1 80 {
                HTTP_GET {
                  url {
                    path /
                  }
                  fast_recovery
                }
              }
            }
            """);

        Assert.Multiple(() =>
        {
            Assert.That(model.Warnings, Has.Some.Contains("lvs_sync_daemon"));
            Assert.That(model.Warnings, Has.Some.Contains("SSL block"));
            Assert.That(model.Warnings, Has.Some.Contains("fast_recovery"));
        });
    }

    [Test]
    public void Map_LvsTimeouts_UnsetFieldsZero()
    {
        var model = Map("""
            global_defs {
              lvs_timeouts tcp 7200 udp 60
            }
            """);

        Assert.That(model.Timeouts, Is.EqualTo(new IpvsTimeouts(TimeSpan.FromSeconds(7200), TimeSpan.Zero, TimeSpan.FromSeconds(60))));
    }

    [Test]
    public void Map_ScriptUser_DefaultForScriptsNamingNone()
    {
        var model = Map("""
            global_defs {
              script_user nobody nogroup
            }
            virtual_server 10.0.0.1 80 {
              quorum_up /bin/up
              real_server 10.0.1.1 80 {
                notify_down "/bin/down" root
                MISC_CHECK {
                  misc_path /bin/check
                }
              }
            }
            """);

        var vs = model.VirtualServers.Single();
        var misc = (MiscCheckOptions)vs.RealServers[0].Checkers.Single();
        Assert.Multiple(() =>
        {
            Assert.That((vs.QuorumUp?.User, vs.QuorumUp?.Group), Is.EqualTo(("nobody", "nogroup")));
            Assert.That(vs.RealServers[0].NotifyDown?.User, Is.EqualTo("root"));
            Assert.That((misc.User, misc.Group), Is.EqualTo(("nobody", "nogroup")));
        });
    }

    [Test]
    public void Map_DirectRoutingRealServerOnOtherPort_ResetToServicePortWithWarning()
    {
        var model = Map("""
            virtual_server 10.0.0.1 80 {
              lb_kind DR
              real_server 10.0.1.1 8080 {
                TCP_CHECK {
                }
              }
              real_server 10.0.1.2 8080 {
                lvs_method NAT
              }
            }
            """);

        var vs = model.VirtualServers.Single();
        Assert.Multiple(() =>
        {
            Assert.That(vs.RealServers[0].Destination.Port, Is.EqualTo((ushort)80));
            Assert.That(vs.RealServers[0].HealthKey.Port, Is.EqualTo(80), "the checker follows the reset port");
            Assert.That(vs.RealServers[1].Destination.Port, Is.EqualTo((ushort)8080), "NAT keeps its port");
            Assert.That(model.Warnings, Has.One.Contains("10.0.1.1:8080"));
        });
    }

    private static LvsModel Map(string text)
    {
        var loaded = KeepalivedConfigLoader.LoadText(text);
        Assert.That(loaded.Errors, Is.Empty);
        return LvsConfigMapper.Map(loaded.Config);
    }
}
