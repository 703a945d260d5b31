using System.Net;
using System.Net.Sockets;
using Kad.Config.Model;

namespace Kad.Config.Tests.Binding;

using static ConfigHarness;

public class BinderTests
{
    private const string Director = """
        ! A two-director LVS-DR setup, written the way keepalived users write it.
        global_defs {
            router_id lvs1
            vrrp_mcast_group4 224.0.0.19
            vrrp_version 3
            vrrp_garp_master_delay 2
            vrrp_garp_master_refresh 60
            vrrp_garp_interval 0.001
            script_user keepalived_script keepalived
            enable_script_security
            lvs_sync_daemon eth1 VI_WEB id 51 maxlen 1400 port 8849 ttl 2 group 224.0.0.82
            lvs_timeouts tcp 900 tcpfin 120 udp 300
            lvs_flush_on_stop VS
            checker_log_all_failures
        }

        vrrp_script chk_haproxy {
            script "/usr/bin/killall -0 'ha proxy'"
            interval 2.5
            timeout 3
            weight -20 reverse
            rise 2
            fall 3
            user nobody nogroup
            init_fail
        }

        vrrp_sync_group SG {
            group {
                VI_WEB VI_DB
            }
            notify "/etc/keepalived/notify.sh sg"
            track_script {
                chk_haproxy weight 10 noreverse
            }
        }

        vrrp_instance VI_WEB {
            state BACKUP
            interface eth0
            virtual_router_id 51
            priority 150
            advert_int 0.5
            nopreempt
            preempt_delay 4.5
            unicast_src_ip 192.0.2.1
            unicast_peer {
                192.0.2.2 min_ttl 250 max_ttl 255
                192.0.2.3
            }
            unicast_ttl 255
            virtual_ipaddress {
                198.51.100.10/24 dev eth0 label eth0:web
                198.51.100.11 brd + scope global no_track
            }
            virtual_ipaddress_excluded {
                2001:db8::10/64 dev eth0 -nodad preferred_lft forever
            }
            track_interface {
                eth1 weight -30
                eth2 weight 5 reverse
            }
            track_script {
                chk_haproxy
            }
            notify_master "/etc/keepalived/notify.sh master" root
            notify_backup /etc/keepalived/backup.sh
            notify_deleted
            garp_master_repeat 3
            lower_prio_no_advert off
            strict_mode no
        }

        vrrp_instance VI_DB {
            interface eth0
            virtual_router_id 52
            version 2
            no_accept
            authentication {
                auth_type PASS
                auth_pass secret
            }
            virtual_ipaddress {
                198.51.100.20
            }
        }

        virtual_server_group WEB {
            198.51.100.10 80
            198.51.100.30-33 80
            198.51.100.64/30 443
            fwmark 7 inet
        }

        virtual_server 198.51.100.10 80 {
            delay_loop 6
            lb_algo wlc
            sh-port
            lb_kind DR
            persistence_timeout
            persistence_granularity 255.255.255.0
            protocol TCP
            quorum 2
            hysteresis 1
            quorum_up "/etc/keepalived/quorum.sh up"
            sorry_server 192.0.2.99 8080
            sorry_server_lvs_method NAT
            alpha
            retry 3
            virtualhost www.example.com

            real_server 192.0.2.11 80 {
                weight 3
                inhibit_on_failure
                notify_down "/etc/keepalived/rs.sh down" nobody
                HTTP_GET {
                    url {
                        path /health
                        status_code 200-299 301
                        digest 9B3A0C85A887A256D6939DA88AABD8CD
                    }
                    connect_timeout 2.5
                    nb_get_retry 4
                    delay_before_retry 1
                    connect_port 8080
                    bindto 192.0.2.1
                }
                TCP_CHECK {
                    connect_timeout 3
                }
            }
            real_server 192.0.2.12 80 {
                lvs_method TUN type gue port 6080 csum
                MISC_CHECK {
                    misc_path "/usr/local/bin/check.sh 192.0.2.12 'two words'"
                    misc_timeout 5
                    misc_dynamic
                    user nobody
                }
                DNS_CHECK {
                    type aaaa
                    name example.com
                }
                UDP_CHECK {
                    payload Ab12f 3
                    require_reply 01xX
                    max_reply_length 64
                }
                SMTP_CHECK {
                    helo_name "kad.example"
                }
                PING_CHECK {
                }
            }
        }

        virtual_server fwmark 7 {
            lvs_sched rr
            persistence_timeout 600
        }

        virtual_server group WEB {
            lvs_sched rr
        }

        SSL {
            certificate /etc/keepalived/client.pem
            key /etc/keepalived/client.key
        }
        """;

    private static KeepalivedConfig Config()
    {
        var result = Load(Director);
        Assert.That(result.Diagnostics, Is.Empty, string.Join("\n", result.Diagnostics));
        return result.Config;
    }

    [Test]
    public void Global_AllModelledSettingsAreRead()
    {
        var g = Config().Global;

        Assert.Multiple(() =>
        {
            Assert.That(g.RouterId, Is.EqualTo("lvs1"));
            Assert.That(g.VrrpMulticastGroup4, Is.EqualTo(IPAddress.Parse("224.0.0.19")));
            Assert.That(g.VrrpVersion, Is.EqualTo(3));
            Assert.That(g.Garp.MasterDelay, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(g.Garp.MasterRefresh, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(g.GarpInterval, Is.EqualTo(TimeSpan.FromMilliseconds(1)));
            Assert.That((g.ScriptUser, g.ScriptGroup), Is.EqualTo(("keepalived_script", "keepalived")));
            Assert.That(g.EnableScriptSecurity, Is.True);
            Assert.That(g.LvsSyncDaemon, Is.EqualTo(new LvsSyncDaemon("eth1")
            {
                Instance = new NameReference("VI_WEB"),
                SyncId = 51,
                MaxLength = 1400,
                Port = 8849,
                Ttl = 2,
                Group = IPAddress.Parse("224.0.0.82"),
            }));
            Assert.That(g.LvsTimeouts, Is.EqualTo(new LvsTimeouts(TimeSpan.FromSeconds(900), TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300))));
            Assert.That(g.LvsFlushOnStop, Is.EqualTo(LvsFlushOnStop.VirtualServers));
            Assert.That(g.CheckerLogAllFailures, Is.True);
            Assert.That(g.Location.Line, Is.EqualTo(2));
        });
    }

    [Test]
    public void VrrpScript_AllSettingsAndTheCommandArgv()
    {
        var s = Config().VrrpScripts.Single();

        Assert.Multiple(() =>
        {
            Assert.That(s.Name, Is.EqualTo("chk_haproxy"));
            Assert.That(s.Script!.Arguments, Is.EqualTo(new[] { "/usr/bin/killall", "-0", "ha proxy" }));
            Assert.That(s.Script.Command, Is.EqualTo("/usr/bin/killall -0 'ha proxy'"));
            Assert.That(s.Interval, Is.EqualTo(TimeSpan.FromSeconds(2.5)));
            Assert.That(s.Timeout, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That((s.Weight, s.WeightReverse), Is.EqualTo((-20, true)));
            Assert.That((s.Rise, s.Fall), Is.EqualTo((2, 3)));
            Assert.That((s.User, s.Group), Is.EqualTo(("nobody", "nogroup")));
            Assert.That(s.InitFail, Is.True);
        });
    }

    [Test]
    public void SyncGroup_MembersTrackingAndNotify()
    {
        var g = Config().VrrpSyncGroups.Single();

        Assert.Multiple(() =>
        {
            Assert.That(g.Members.Select(m => m.Name), Is.EqualTo(new[] { "VI_WEB", "VI_DB" }));
            Assert.That(g.Notify.Any!.Arguments, Is.EqualTo(new[] { "/etc/keepalived/notify.sh", "sg" }));
            Assert.That(g.TrackScripts.Single(), Is.EqualTo(new TrackedScript("chk_haproxy") { Weight = 10, Reverse = false }));
        });
    }

    [Test]
    public void VrrpInstance_AllSettingsAreRead()
    {
        var v = Config().VrrpInstances[0];

        Assert.Multiple(() =>
        {
            Assert.That(v.Name, Is.EqualTo("VI_WEB"));
            Assert.That(v.State, Is.EqualTo(VrrpInitialState.Backup));
            Assert.That((v.Interface, v.VirtualRouterId, v.Priority), Is.EqualTo(("eth0", 51, 150)));
            Assert.That(v.AdvertInterval, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
            Assert.That(v.Preempt, Is.False);
            Assert.That(v.PreemptDelay, Is.EqualTo(TimeSpan.FromSeconds(4.5)));
            Assert.That(v.SourceAddress, Is.EqualTo(IPAddress.Parse("192.0.2.1")));
            Assert.That(v.UnicastPeers.Select(p => (p.Address.ToString(), p.MinTtl, p.MaxTtl)), Is.EqualTo(new[] { ("192.0.2.2", (int?)250, (int?)255), ("192.0.2.3", null, null) }));
            Assert.That(v.UnicastTtl, Is.EqualTo(255));
            Assert.That(v.Garp.MasterRepeat, Is.EqualTo(3));
            Assert.That(v.LowerPriorityNoAdvert, Is.False);
            Assert.That(v.StrictMode, Is.False);
            Assert.That(v.Notify.Master, Is.EqualTo(new ScriptCommand("/etc/keepalived/notify.sh master", ["/etc/keepalived/notify.sh", "master"], "root", null)));
            Assert.That(v.Notify.Backup!.Arguments, Is.EqualTo(new[] { "/etc/keepalived/backup.sh" }));
            Assert.That((v.Notify.ReportDeleted, v.Notify.Deleted), Is.EqualTo((true, (ScriptCommand?)null)));
            Assert.That(v.TrackInterfaces.Select(t => (t.Name, t.Weight, t.Reverse)), Is.EqualTo(new[] { ("eth1", (int?)-30, false), ("eth2", 5, true) }));
            Assert.That(v.TrackScripts.Single().Name, Is.EqualTo("chk_haproxy"));
            Assert.That(v.TrackScripts.Single().Weight, Is.Null);
        });
    }

    [Test]
    public void VirtualAddresses_AddressOptionsAreRead()
    {
        var v = Config().VrrpInstances[0];

        var first = v.VirtualAddresses[0];
        var second = v.VirtualAddresses[1];
        var excluded = v.ExcludedVirtualAddresses.Single();
        Assert.Multiple(() =>
        {
            Assert.That((first.Address.ToString(), first.PrefixLength, first.Device, first.Label), Is.EqualTo(("198.51.100.10", (int?)24, "eth0", "eth0:web")));
            Assert.That((second.PrefixLength, second.Broadcast, second.Scope, second.NoTrack), Is.EqualTo(((int?)null, "+", "global", true)));
            Assert.That((excluded.Address.AddressFamily, excluded.PrefixLength, excluded.NoDad, excluded.PreferredLifetime), Is.EqualTo((AddressFamily.InterNetworkV6, (int?)64, true, (uint?)uint.MaxValue)));
            Assert.That(first.Location.Line, Is.EqualTo(53));
        });
    }

    [Test]
    public void SecondInstance_AuthenticationAndNoAccept()
    {
        var v = Config().VrrpInstances[1];

        Assert.Multiple(() =>
        {
            Assert.That(v.Accept, Is.False);
            Assert.That((v.Authentication!.Type, v.Authentication.Password), Is.EqualTo(((VrrpAuthType?)VrrpAuthType.Password, "secret")));
            Assert.That(v.State, Is.Null);
            Assert.That(v.Priority, Is.Null);
        });
    }

    [Test]
    public void VirtualServerGroup_AddressesRangesPrefixesAndMarks()
    {
        var g = Config().VirtualServerGroups.Single();

        Assert.That(g.Entries, Has.Length.EqualTo(4));
        var ranges = g.Entries.OfType<VirtualServerGroupAddressRange>().Select(r => (r.First.ToString(), r.Last.ToString(), r.Port)).ToList();
        Assert.That(ranges, Is.EqualTo(new[]
        {
            ("198.51.100.10", "198.51.100.10", (int?)80),
            ("198.51.100.30", "198.51.100.33", 80),
            ("198.51.100.64", "198.51.100.67", 443),
        }));
        Assert.That(g.Entries.OfType<VirtualServerGroupFirewallMark>().Single(), Is.EqualTo(new VirtualServerGroupFirewallMark(7, AddressFamily.InterNetwork)));
    }

    [Test]
    public void VirtualServer_ServiceSettingsAreRead()
    {
        var vs = Config().VirtualServers[0];

        Assert.Multiple(() =>
        {
            Assert.That(vs.Target, Is.EqualTo(new VirtualServerAddress(IPAddress.Parse("198.51.100.10"), 80)));
            Assert.That((vs.Scheduler, vs.SchedulerFlags), Is.EqualTo(("wlc", IpvsSchedulerFlags.Flag2)));
            Assert.That(vs.Forwarding, Is.EqualTo(new LvsForwarding(LvsForwardingKind.DirectRouting)));
            Assert.That(vs.PersistenceTimeout, Is.EqualTo(TimeSpan.FromSeconds(360)));
            Assert.That(vs.PersistenceGranularity, Is.EqualTo("255.255.255.0"));
            Assert.That(vs.Protocol, Is.EqualTo(LvsProtocol.Tcp));
            Assert.That((vs.Quorum, vs.Hysteresis), Is.EqualTo((2, 1)));
            Assert.That(vs.QuorumUp!.Arguments, Is.EqualTo(new[] { "/etc/keepalived/quorum.sh", "up" }));
            Assert.That(vs.SorryServer, Is.EqualTo(new RealServerAddress(IPAddress.Parse("192.0.2.99"), 8080)));
            Assert.That(vs.SorryServerForwarding?.Kind, Is.EqualTo(LvsForwardingKind.Nat));
            Assert.That(vs.Alpha, Is.True);
            Assert.That(vs.Timing, Is.EqualTo(new CheckTiming { DelayLoop = TimeSpan.FromSeconds(6), Retry = 3 }));
            Assert.That(vs.Virtualhost, Is.EqualTo("www.example.com"));
        });
    }

    [Test]
    public void RealServer_HttpAndTcpCheckers()
    {
        var rs = Config().VirtualServers[0].RealServers[0];

        var http = (HttpCheck)rs.Checkers[0];
        var url = http.Urls.Single();
        Assert.Multiple(() =>
        {
            Assert.That((rs.Weight, rs.InhibitOnFailure), Is.EqualTo(((int?)3, (bool?)true)));
            Assert.That(rs.NotifyDown!.User, Is.EqualTo("nobody"));
            Assert.That(http.Kind, Is.EqualTo("HTTP_GET"));
            Assert.That(url.Path, Is.EqualTo("/health"));
            Assert.That(url.StatusCodes, Is.EqualTo(new[] { new StatusCodeRange(200, 299), new StatusCodeRange(301, 301) }));
            Assert.That(url.Digest, Is.EqualTo("9b3a0c85a887a256d6939da88aabd8cd"));
            Assert.That(http.Timing, Is.EqualTo(new CheckTiming { ConnectTimeout = TimeSpan.FromSeconds(2.5), Retry = 4, DelayBeforeRetry = TimeSpan.FromSeconds(1) }));
            Assert.That((http.Connection.ConnectPort, http.Connection.BindTo), Is.EqualTo(((int?)8080, IPAddress.Parse("192.0.2.1"))));
            Assert.That(rs.Checkers[1], Is.TypeOf<TcpCheck>());
        });
    }

    [Test]
    public void RealServer_TunnelAndTheOtherCheckers()
    {
        var rs = Config().VirtualServers[0].RealServers[1];

        var misc = rs.Checkers.OfType<MiscCheck>().Single();
        var dns = rs.Checkers.OfType<DnsCheck>().Single();
        var udp = rs.Checkers.OfType<UdpCheck>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(rs.Forwarding, Is.EqualTo(new LvsForwarding(LvsForwardingKind.Tunnel) { TunnelType = LvsTunnelType.Gue, TunnelPort = 6080, TunnelChecksum = LvsTunnelChecksum.Checksum }));
            Assert.That(misc.Path!.Arguments, Is.EqualTo(new[] { "/usr/local/bin/check.sh", "192.0.2.12", "two words" }));
            Assert.That((misc.Timeout, misc.Dynamic, misc.User), Is.EqualTo(((TimeSpan?)TimeSpan.FromSeconds(5), true, "nobody")));
            Assert.That((dns.Type, dns.Name), Is.EqualTo(("AAAA", "example.com")));
            Assert.That(udp.Payload, Is.EqualTo(new byte[] { 0xab, 0x12, 0x0f, 0x03 }));
            Assert.That((udp.RequireReply, udp.ReplyPattern, udp.MaxReplyLength), Is.EqualTo((true, "01XX", (int?)64)));
            Assert.That(rs.Checkers.OfType<SmtpCheck>().Single().HeloName, Is.EqualTo("kad.example"));
            Assert.That(rs.Checkers.OfType<PingCheck>(), Has.Exactly(1).Items);
        });
    }

    [Test]
    public void VirtualServer_FwmarkAndGroupTargets_AndSsl()
    {
        var config = Config();

        Assert.That(config.VirtualServers[1].Target, Is.EqualTo(new VirtualServerFirewallMark(7)));
        Assert.That(config.VirtualServers[1].PersistenceTimeout, Is.EqualTo(TimeSpan.FromSeconds(600)));
        Assert.That(config.VirtualServers[2].Target, Is.EqualTo(new VirtualServerGroupTarget("WEB")));
        Assert.That((config.Ssl!.Certificate, config.Ssl.Key), Is.EqualTo(("/etc/keepalived/client.pem", "/etc/keepalived/client.key")));
    }

    [TestCase("priority 0", "outside [1, 255]")]
    [TestCase("priority 256", "outside [1, 255]")]
    [TestCase("priority abc", "invalid number 'abc'")]
    [TestCase("priority \"1 2\"", "invalid number '1 2'")]
    [TestCase("priority", "needs a number")]
    [TestCase("virtual_router_id 0x10", "invalid number")]
    [TestCase("advert_int 0", "more than 0")]
    [TestCase("advert_int 1s", "invalid time")]
    [TestCase("advert_int nan", "invalid time")]
    [TestCase("state master", "unknown state 'master'")]
    [TestCase("version 4", "outside [2, 3]")]
    [TestCase("mcast_dst_ip 10.0.0.1", "not a multicast address")]
    [TestCase("unicast_src_ip 10.0.0", "not an IP address")]
    [TestCase("lower_prio_no_advert maybe", "not a boolean")]
    public void VrrpInstance_BadValue_IsAnErrorOnItsLine(string line, string message)
    {
        var r = Load($"vrrp_instance VI {{\n interface eth0\n virtual_router_id 1\n {line}\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n");

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.InvalidValue, 4) }), string.Join("\n", r.Diagnostics));
        Assert.That(r.Errors.Single().Message, Does.Contain(message));
    }

    [Test]
    public void Script_UnterminatedQuote_IsOneSyntaxError()
    {
        var r = Load("vrrp_instance VI {\n interface eth0\n virtual_router_id 1\n notify_master \"/bin/x\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n");

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Syntax, 4) }), string.Join("\n", r.Diagnostics));
    }

    [TestCase("priority 100 200")]
    [TestCase("notify_master /bin/a user group extra")]
    [TestCase("auth_type_placeholder")]
    public void ExtraWords_AreAWarning(string line)
    {
        if (line == "auth_type_placeholder")
        {
            line = "nopreempt yes";
        }

        var r = Load($"vrrp_instance VI {{\n interface eth0\n virtual_router_id 1\n {line}\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n");

        // (A notify script also draws the script-security warning, which is not what this test is about.)
        var findings = r.Diagnostics.Where(d => d.Code != DiagnosticCodes.Semantic).ToList();
        Assert.That(findings.Select(d => (d.Code, d.Location!.Value.Line)), Is.EqualTo(new[] { (DiagnosticCodes.InvalidValue, 4) }));
        Assert.That(findings.Single().Severity, Is.EqualTo(DiagnosticSeverity.Warning));
    }

    [TestCase("10.0.0.1/33", "outside [0, 32]")]
    [TestCase("10.0.0.1 dev", "needs a value after 'dev'")]
    [TestCase("10.0.0.1 scope galaxy", "not a scope")]
    [TestCase("10.0.0.1 frobnicate", "unknown address option 'frobnicate'")]
    [TestCase("10.0.0.1 peer 2001:db8::1", "not the same address family")]
    [TestCase("not-an-address", "not an IP address")]
    public void VirtualAddress_BadLine_IsAnErrorOnItsLine(string line, string message)
    {
        var r = Load($"vrrp_instance VI {{\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {{\n 10.0.0.2\n {line}\n }}\n}}\n");

        Assert.That(r.Errors.Select(d => d.Location?.Line), Is.EqualTo(new[] { 6 }), string.Join("\n", r.Diagnostics));
        Assert.That(r.Errors.Single().Message, Does.Contain(message));
    }

    [TestCase("lvs_method TUN type vxlan", "unknown tunnel type")]
    [TestCase("lvs_method TUN type gue", "needs 'port N'")]
    [TestCase("lvs_method TUN remcsum", "needs type gue or gre")]
    [TestCase("lvs_method TUN type gre remcsum", "not supported with type gre")]
    [TestCase("lvs_method FAST", "unknown forwarding method")]
    [TestCase("protocol ICMP", "unknown protocol")]
    [TestCase("persistence_granularity 255.0.255.0", "contiguous netmask")]
    [TestCase("quorum 0", "outside")]
    [TestCase("delay_loop 0", "outside")]
    public void VirtualServer_BadValue_IsAnError(string line, string message)
    {
        var r = Load($"virtual_server 10.0.0.1 80 {{\n {line}\n}}\n");

        Assert.That(r.Errors.Select(d => (d.Code, d.Location?.Line)), Is.EqualTo(new[] { (DiagnosticCodes.InvalidValue, (int?)2) }), string.Join("\n", r.Diagnostics));
        Assert.That(r.Errors.Single().Message, Does.Contain(message));
    }

    [TestCase("status_code 99", "outside [100, 999]")]
    [TestCase("status_code 300-200", "runs backwards")]
    [TestCase("digest xyz", "32 hex digits")]
    [TestCase("regex_options caseless bogus", "unknown option 'bogus'")]
    public void HttpUrl_BadValue_IsAnError(string line, string message)
    {
        var r = Load($"virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n  HTTP_GET {{\n   url {{\n    {line}\n   }}\n  }}\n }}\n}}\n");

        Assert.That(r.Errors.Select(d => d.Location?.Line), Is.EqualTo(new[] { 5 }), string.Join("\n", r.Diagnostics));
        Assert.That(r.Errors.Single().Message, Does.Contain(message));
    }

    [Test]
    public void UdpCheck_PayloadWithWildcard_IsAnError()
    {
        var r = Load("virtual_server 10.0.0.1 53 {\n protocol UDP\n real_server 10.0.0.2 53 {\n  UDP_CHECK {\n   payload 0X\n  }\n }\n}\n");

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.InvalidValue, 5) }));
    }

    [Test]
    public void VirtualServer_Ipv6Target_AndDefaultsLeftUnset()
    {
        var r = Load("virtual_server 2001:db8::1 443 {\n real_server 2001:db8::2 443 {\n }\n}\n");

        var vs = r.Config.VirtualServers.Single();
        Assert.Multiple(() =>
        {
            Assert.That(r.Diagnostics, Is.Empty);
            Assert.That(vs.Target.ToString(), Is.EqualTo("[2001:db8::1]:443"));
            Assert.That((vs.Scheduler, vs.Protocol, vs.Forwarding), Is.EqualTo(((string?)null, (LvsProtocol?)null, (LvsForwarding?)null)));
            Assert.That(vs.RealServers.Single().Weight, Is.Null);
        });
    }

    [Test]
    public void UnknownScheduler_IsAWarning()
    {
        var r = Load("virtual_server 10.0.0.1 80 {\n lvs_sched fancy\n}\n");

        Assert.That(r.Diagnostics.Single().Severity, Is.EqualTo(DiagnosticSeverity.Warning));
        Assert.That(r.Config.VirtualServers.Single().Scheduler, Is.EqualTo("fancy"));
    }

    [Test]
    public void RepeatedBlocks_Accumulate_RepeatedSettings_LastWins()
    {
        var r = Load("vrrp_instance VI {\n interface eth0\n virtual_router_id 1\n priority 10\n priority 20\n virtual_ipaddress {\n 10.0.0.1\n }\n virtual_ipaddress {\n 10.0.0.2\n }\n}\n");

        var v = r.Config.VrrpInstances.Single();
        Assert.That(v.Priority, Is.EqualTo(20));
        Assert.That(v.VirtualAddresses.Select(a => a.Address.ToString()), Is.EqualTo(new[] { "10.0.0.1", "10.0.0.2" }));
    }

    [Test]
    public void MultilineTemplate_FromTheManPage_BuildsTwoVirtualServersWithThreeRealServersEach()
    {
        const string text = """
            $RS= \
            real_server 192.168.${VS_NUM}.${RS_NUM} 80 { \
                weight 1 \
                inhibit_on_failure \
                MISC_CHECK { \
                    misc_path "${_PWD}/scripts/vs.sh RS_misc.${VS_NUM}.${RS_NUM}" \
                } \
            }

            $VS= \
            virtual_server 10.0.${VS_NUM}.4 80 { \
                quorum 2 \
                $RS_NUM=1 \
                $RS \
                $RS_NUM=2 \
                $RS \
                $RS_NUM=3 \
                $RS \
            }

            $VS_NUM=0
            $VS

            $VS_NUM=1
            $VS
            """;

        // Scripts without enable_script_security draw a warning (keepalived -t fails such a file); not this test's subject.
        var r = Load(text + "\nglobal_defs {\n    enable_script_security\n}\n");

        Assert.That(r.Diagnostics, Is.Empty, string.Join("\n", r.Diagnostics));
        Assert.That(r.Config.VirtualServers.Select(v => v.Target.ToString()), Is.EqualTo(new[] { "10.0.0.4:80", "10.0.1.4:80" }));
        Assert.That(r.Config.VirtualServers[1].RealServers.Select(s => s.Endpoint.ToString()), Is.EqualTo(new[] { "192.168.1.1:80", "192.168.1.2:80", "192.168.1.3:80" }));
        Assert.That(((MiscCheck)r.Config.VirtualServers[1].RealServers[2].Checkers[0]).Path!.Arguments, Is.EqualTo(new[] { "/etc/keepalived/scripts/vs.sh", "RS_misc.1.3" }));
    }

    /// <summary>The man page's ~SEQ example at half its size (32,512 instances): correct, and linear enough to finish
    /// in seconds (a quadratic append or pairwise check takes minutes here; keepalived -t itself takes over a minute).</summary>
    [Test]
    [MaxTime(60_000)]
    public void SeqTemplate_TensOfThousandsOfInstances_LoadCorrectly()
    {
        const string text = """
            $VI4= \
            vrrp_instance vrrp4.${IF}.${NUM}.${ID} { \
                interface bond${IF}.${NUM} \
                virtual_router_id ${ID} \
                priority 130 \
                virtual_ipaddress { \
                    10.${IF}.${NUM}.${ID}/24 \
                } \
            }

            ~SEQ(IF,0,3) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4
            """;

        var r = Load(text);

        Assert.That(r.Diagnostics, Is.Empty);
        Assert.That(r.Config.VrrpInstances, Has.Length.EqualTo(4 * 32 * 254));
        var last = r.Config.VrrpInstances[^1];
        Assert.That((last.Name, last.Interface, last.VirtualRouterId, last.VirtualAddresses[0].Address.ToString()), Is.EqualTo(("vrrp4.3.31.254", "bond3.31", (int?)254, "10.3.31.254")));
    }

    [Test]
    public void TrackFile_BlockAndReferences_BoundWithKeepalivedMeaning()
    {
        var r = Load("""
            vrrp_track_file tf1 {
                file "/run/kad/tf1"
                weight -5 reverse
                init_file 7 overwrite
            }
            track_file tf2 {
                file /run/kad/tf2
                init_file
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
                    10.0.0.1
                }
                track_file {
                    tf1
                    tf2 weight 254 noreverse
                }
            }
            """);

        Assert.That(r.Errors, Is.Empty);
        var config = r.Config;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(config.TrackFiles.Select(f => (f.Name, f.File, f.Weight, f.WeightReverse, f.InitValue, f.InitOverwrite)), Is.EqualTo(new[]
            {
                ("tf1", (string?)"/run/kad/tf1", (int?)-5, true, (long?)7, true),
                ("tf2", "/run/kad/tf2", null, false, 0, false),
            }));
            Assert.That(config.VrrpInstances[0].TrackFiles, Is.EqualTo(new[]
            {
                new TrackedFile("tf1") { Location = config.VrrpInstances[0].TrackFiles[0].Location },
                new TrackedFile("tf2") { Location = config.VrrpInstances[0].TrackFiles[1].Location, Weight = 254, Reverse = false },
            }));
            Assert.That(config.VrrpInstances[0].TrackFiles[1].Location.Line, Is.EqualTo(26));
            Assert.That(config.VrrpSyncGroups[0].TrackFiles.Single().Weight, Is.Zero);
        }
    }

    [Test]
    public void TrackFile_ReferenceWeightOutOfRange_IsAnError()
    {
        var r = Load("track_file tf {\n file /run/tf\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n track_file {\n tf weight 255\n }\n}\n");

        Assert.That(r.ErrorFindings().Select(f => f.Line), Is.EqualTo(new[] { 11 }));
    }
}
