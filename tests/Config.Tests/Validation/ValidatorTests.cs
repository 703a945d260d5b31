namespace Kad.Config.Tests.Validation;

using static ConfigHarness;

public class ValidatorTests
{
    private static string Instance(string name, int vrid, string body = "", string iface = "eth0", string vip = "10.0.0.1") =>
        $"vrrp_instance {name} {{\n interface {iface}\n virtual_router_id {vrid}\n virtual_ipaddress {{\n {vip}\n }}\n{body}}}\n";

    private static (string Code, DiagnosticSeverity Severity)[] Findings(string text) =>
        [.. Load(text).Diagnostics.Select(d => (d.Code, d.Severity))];

    [Test]
    public void ValidConfiguration_HasNoFindings()
    {
        Assert.That(Findings(Instance("A", 1) + Instance("B", 2)), Is.Empty);
    }

    [Test]
    public void DuplicateInstanceName_IsAnErrorPointingAtTheFirst()
    {
        var r = Load(Instance("A", 1) + Instance("A", 2));

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Duplicate, 8) }));
        Assert.That(r.Errors.Single().Message, Does.Contain(":1"));
    }

    [Test]
    public void MissingVirtualRouterId_IsAnError()
    {
        var r = Load("vrrp_instance A {\n interface eth0\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n");

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, 1) }));
    }

    [Test]
    public void MissingInterface_IsAnErrorUnlessUnicast()
    {
        var multicast = "vrrp_instance A {\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n";
        var unicast = "vrrp_instance A {\n virtual_router_id 1\n unicast_peer {\n 10.0.0.3\n }\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n";

        Assert.That(Findings(multicast), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Error) }));
        Assert.That(Findings(unicast), Is.Empty);
    }

    [Test]
    public void SameVridOnSameInterface_IsAnError_OnOtherInterfaceOrFamilyIsNot()
    {
        Assert.That(Findings(Instance("A", 1) + Instance("B", 1)), Is.EqualTo(new[] { (DiagnosticCodes.Duplicate, DiagnosticSeverity.Error) }));
        Assert.That(Findings(Instance("A", 1) + Instance("B", 1, iface: "eth1")), Is.Empty);
        Assert.That(Findings(Instance("A", 1) + Instance("B", 1, vip: "2001:db8::1")), Is.Empty);
    }

    [Test]
    public void SameVridWithDisjointUnicastPeers_IsAllowed()
    {
        var a = Instance("A", 1, " unicast_peer {\n 10.0.0.3\n }\n");
        var b = Instance("B", 1, " unicast_peer {\n 10.0.0.4\n }\n");
        var c = Instance("C", 1, " unicast_peer {\n 10.0.0.3\n }\n", iface: "eth0");

        Assert.That(Findings(a + b), Is.Empty);
        Assert.That(Findings(a + c), Is.EqualTo(new[] { (DiagnosticCodes.Duplicate, DiagnosticSeverity.Error) }));
    }

    [Test]
    public void MixedFamilyVips_AreAnError_ExcludedMayDiffer()
    {
        var mixed = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n 2001:db8::1\n }\n}\n";
        var excluded = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n virtual_ipaddress_excluded {\n 2001:db8::1\n }\n}\n";

        Assert.That(Load(mixed).ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, 6) }));
        Assert.That(Findings(excluded), Is.Empty);
    }

    [Test]
    public void NoVips_IsAWarning_ButAnErrorInStrictMode()
    {
        var none = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\n";

        Assert.That(Findings(none), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Warning) }));
        Assert.That(Findings("global_defs {\n vrrp_strict\n}\n" + none), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Error) }));
    }

    [TestCase(" unicast_peer {\n 10.0.0.3\n }\n")]
    [TestCase(" authentication {\n auth_type PASS\n auth_pass x\n }\n")]
    [TestCase(" state MASTER\n priority 200\n")]
    [TestCase(" preempt_delay 5\n")]
    [TestCase(" accept\n")]
    public void StrictMode_RejectsWhatRfcsForbid(string body)
    {
        var r = Load(Instance("A", 1, " strict_mode\n" + body));

        Assert.That(r.Errors.Select(d => d.Message), Has.Some.Contains("strict mode"), string.Join("\n", r.Diagnostics));
    }

    [Test]
    public void PeerOfAnotherFamily_IsAnError_DuplicatePeerAWarning()
    {
        var r = Load(Instance("A", 1, " unicast_peer {\n 2001:db8::3\n 10.0.0.3\n 10.0.0.3\n }\n"));

        Assert.That(r.Diagnostics.Select(d => (d.Code, d.Severity, d.Location?.Line)), Is.EqualTo(new[]
        {
            (DiagnosticCodes.Semantic, DiagnosticSeverity.Error, (int?)8),
            (DiagnosticCodes.Duplicate, DiagnosticSeverity.Warning, 10),
        }));
    }

    [Test]
    public void Ipv6WithVersion2_IsAWarning()
    {
        Assert.That(Findings(Instance("A", 1, " version 2\n", vip: "2001:db8::1")), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Warning) }));
    }

    [TestCase(" version 3\n advert_int 41\n", DiagnosticSeverity.Error)]
    [TestCase(" version 3\n advert_int 0.015\n", DiagnosticSeverity.Warning)]
    [TestCase(" version 2\n advert_int 1.5\n", DiagnosticSeverity.Warning)]
    [TestCase(" version 3\n authentication {\n auth_type PASS\n auth_pass x\n }\n", DiagnosticSeverity.Warning)]
    [TestCase(" authentication {\n auth_type PASS\n }\n", DiagnosticSeverity.Error)]
    [TestCase(" authentication {\n auth_pass x\n }\n", DiagnosticSeverity.Error)]
    [TestCase(" state MASTER\n nopreempt\n", DiagnosticSeverity.Warning)]
    public void VersionAndAdvertRules(string body, DiagnosticSeverity severity)
    {
        Assert.That(Findings(Instance("A", 1, body)), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, severity) }));
    }

    [TestCase(" version 3\n advert_int 0.01\n")]
    [TestCase(" version 3\n advert_int 40.95\n")]
    [TestCase(" advert_int 3\n")]
    public void AdvertIntervalsThatFitTheWire_AreFine(string body)
    {
        Assert.That(Findings(Instance("A", 1, body)), Is.Empty);
    }

    [Test]
    public void TrackScript_MustNameADefinedScript()
    {
        var r = Load("vrrp_script chk {\n script /bin/true\n}\n" + Instance("A", 1, " track_script {\n chk\n nope\n }\n"));

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Reference, 12) }));
    }

    [Test]
    public void TrackFile_MustNameADefinedTrackFile()
    {
        var r = Load("track_file tf {\n file /run/tf\n}\n" + Instance("A", 1, " track_file {\n tf\n nope\n }\n"));

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Reference, 12) }));
    }

    [Test]
    public void TrackFile_WithoutFile_IsAnError()
    {
        Assert.That(Findings("track_file tf {\n weight 2\n}\n"), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Error) }));
    }

    [Test]
    public void VrrpScript_WithoutScript_IsAnError()
    {
        Assert.That(Findings("vrrp_script chk {\n interval 2\n}\n"), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Error) }));
    }

    [Test]
    public void SyncGroup_UnknownMemberAndMemberOfTwoGroups_AreErrors_SingleMemberAWarning()
    {
        var text = Instance("A", 1) + Instance("B", 2)
            + "vrrp_sync_group G1 {\n group {\n A\n B\n }\n}\n"
            + "vrrp_sync_group G2 {\n group {\n A\n NOPE\n }\n}\n"
            + "vrrp_sync_group G3 {\n group {\n B\n }\n}\n";

        var r = Load(text);

        Assert.That(r.Diagnostics.Select(d => (d.Code, d.Severity, d.Location?.Line)), Is.EqualTo(new[]
        {
            (DiagnosticCodes.Duplicate, DiagnosticSeverity.Error, (int?)23),
            (DiagnosticCodes.Reference, DiagnosticSeverity.Error, 24),
            (DiagnosticCodes.Duplicate, DiagnosticSeverity.Error, 29),
            (DiagnosticCodes.Semantic, DiagnosticSeverity.Warning, 27),
        }));
    }

    [Test]
    public void LvsSyncDaemon_MustNameADefinedInstance()
    {
        var r = Load("global_defs {\n lvs_sync_daemon eth1 inst NOPE\n}\n");

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Reference, 2) }));
    }

    [Test]
    public void VirtualServer_PortMayBeOmittedOnlyWhenPersistent()
    {
        Assert.That(Findings("virtual_server 10.0.0.1 {\n}\n"), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Error) }));
        Assert.That(Findings("virtual_server 10.0.0.1 {\n persistence_timeout 60\n}\n"), Is.Empty);
    }

    [Test]
    public void VirtualServer_DuplicateAndUnknownGroup_AreErrors()
    {
        var r = Load("virtual_server 10.0.0.1 80 {\n}\nvirtual_server 10.0.0.1 80 {\n}\nvirtual_server 10.0.0.1 80 {\n protocol UDP\n}\nvirtual_server group NOPE {\n}\n");

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Duplicate, 3), (DiagnosticCodes.Reference, 8) }));
    }

    [Test]
    public void RealServers_DuplicateAndOtherFamily_AreErrors_UnlessTunnelled()
    {
        var text = "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n }\n real_server 10.0.0.2 80 {\n }\n real_server 2001:db8::2 80 {\n }\n real_server 2001:db8::3 80 {\n  lvs_method TUN\n }\n}\n";

        Assert.That(Load(text).ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Duplicate, 4), (DiagnosticCodes.Semantic, 6) }));
    }

    [Test]
    public void Checkers_MiscWithoutPath_AndUdpLengthsBackwards_AreErrors()
    {
        var text = "virtual_server 10.0.0.1 53 {\n protocol UDP\n real_server 10.0.0.2 53 {\n  MISC_CHECK {\n  }\n  UDP_CHECK {\n   min_reply_length 10\n   max_reply_length 5\n  }\n }\n}\n";

        Assert.That(Load(text).ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, 4), (DiagnosticCodes.Semantic, 6) }));
    }

    [Test]
    public void Ops_OnTcp_IsAWarning()
    {
        Assert.That(Findings("virtual_server 10.0.0.1 80 {\n ops\n}\n"), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Warning) }));
    }

    [Test]
    public void Granularity_MustFitTheFamily()
    {
        Assert.That(Findings("virtual_server 2001:db8::1 80 {\n persistence_granularity 255.255.255.0\n}\n"), Is.EqualTo(new[] { (DiagnosticCodes.Semantic, DiagnosticSeverity.Error) }));
        Assert.That(Findings("virtual_server 2001:db8::1 80 {\n persistence_granularity 64\n}\n"), Is.Empty);
    }
}
