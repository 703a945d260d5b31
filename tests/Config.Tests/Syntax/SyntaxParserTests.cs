namespace Kad.Config.Tests.Syntax;

using static ConfigHarness;

public class SyntaxParserTests
{
    [Test]
    public void Blocks_BraceOnSameLineNextLineOrWithContent_BuildTheSameTree()
    {
        var a = Load("global_defs {\n router_id a\n}\n");
        var b = Load("global_defs\n{\n router_id a\n}\n");
        var c = Load("global_defs { router_id a }\n");

        Assert.Multiple(() =>
        {
            foreach (var r in new[] { a, b, c })
            {
                Assert.That(r.Diagnostics, Is.Empty);
                Assert.That(r.Config.Global.RouterId, Is.EqualTo("a"));
                Assert.That(r.Document.Nodes.Single().Children.Single().Words, Is.EqualTo(new[] { "router_id", "a" }));
            }
        });
    }

    [Test]
    public void ValueBlocks_KeepFreeFormLines()
    {
        var r = Load("vrrp_instance VI { interface eth0\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.1/24 dev eth1\n 10.0.0.2 }\n}\n");

        var vips = r.Document.Nodes.Single().Children.Single(n => n.Keyword == "virtual_ipaddress").Children;
        Assert.That(vips.Select(v => v.Text), Is.EqualTo(new[] { "10.0.0.1/24 dev eth1", "10.0.0.2" }));
        Assert.That(r.Diagnostics, Is.Empty);
    }

    [Test]
    public void UnknownKeyword_IsAnErrorNamingTheBlock_AndItsBlockIsSkipped()
    {
        var r = Load("global_defs {\n bogus 1\n bogus_block {\n router_id inner\n }\n router_id outer\n}\nnot_a_keyword\n");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.UnknownKeyword, 2), (DiagnosticCodes.UnknownKeyword, 3), (DiagnosticCodes.UnknownKeyword, 8) }));
        Assert.That(r.HasErrors, Is.True);
        Assert.That(r.Diagnostics[0].Message, Does.Contain("in 'global_defs'"));
        Assert.That(r.Diagnostics[2].Message, Does.Contain("at the top level"));
        Assert.That(r.Config.Global.RouterId, Is.EqualTo("outer"));
    }

    [Test]
    public void KeywordFromAnotherBlock_IsUnknownHere()
    {
        var r = Load("global_defs {\n priority 100\n}\n");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.UnknownKeyword, 2) }));
    }

    [Test]
    public void IgnoredKeyword_IsAWarningWithTheReason()
    {
        var r = Load("global_defs {\n enable_snmp_vrrp\n notification_email {\n a@b.c\n }\n}\n");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.Unsupported, 2), (DiagnosticCodes.Unsupported, 3) }));
        Assert.That(r.Diagnostics.All(d => d.Severity == DiagnosticSeverity.Warning));
        Assert.That((r.HasErrors, r.Warnings.Count()), Is.EqualTo((false, 2)));
        Assert.That(r.Diagnostics[0].Message, Does.Contain("SNMP"));
        Assert.That(r.Diagnostics[0].Keyword, Is.EqualTo("enable_snmp_vrrp"));
    }

    [Test]
    public void IgnoredBlock_WarnsOnceButStillRejectsUnknownKeywordsInside()
    {
        var r = Load("bfd_instance B {\n neighbor_ip 10.0.0.1\n min_rx 10\n no_such_bfd_keyword\n}\n");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.Unsupported, 1), (DiagnosticCodes.UnknownKeyword, 4) }));
    }

    [Test]
    public void Alias_BindsAsTheKeywordItStandsFor()
    {
        var r = Load("virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind DR\n}\n");

        Assert.That(r.Diagnostics, Is.Empty);
        var vs = r.Config.VirtualServers.Single();
        Assert.That((vs.Scheduler, vs.Forwarding?.Kind), Is.EqualTo(("rr", Model.LvsForwardingKind.DirectRouting)));
        Assert.That(r.Document.Nodes.Single().Children[0].WrittenKeyword, Is.EqualTo("lb_algo"));
    }

    [Test]
    public void MissingOpenBrace_IsAnErrorButTheBlockIsReadAsKeepalivedDoes()
    {
        var r = Load("global_defs\n router_id a\n}\n");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.Syntax, 1) }));
        Assert.That(r.Config.Global.RouterId, Is.EqualTo("a"));
    }

    [Test]
    public void MissingCloseBrace_IsAnErrorAtTheOpeningLine()
    {
        var r = Load("global_defs {\n router_id a\n");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.Syntax, 1) }));
    }

    [Test]
    public void ExtraCloseBrace_IsAnError()
    {
        var r = Load("global_defs {\n router_id a\n}\n}\n");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.Syntax, 4) }));
    }

    [Test]
    public void LeafFollowedByABlock_IsAnErrorAndTheBlockIsSkipped()
    {
        var r = Load("global_defs {\n router_id a {\n b\n }\n default_interface eth1\n}\n");

        Assert.That(r.Findings(), Is.EqualTo(new[] { (DiagnosticCodes.Syntax, 2) }));
        Assert.That(r.Config.Global.DefaultInterface, Is.EqualTo("eth1"));
    }

    [Test]
    public void NestedBraceInsideAValueBlock_IsAnError()
    {
        var r = Load("vrrp_instance VI {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n {\n 10.0.0.2\n }\n }\n}\n");

        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Syntax, 6) }));
        Assert.That(r.Config.VrrpInstances.Single().VirtualAddresses.Select(v => v.Address.ToString()), Is.EqualTo(new[] { "10.0.0.1" }));
    }

    [Test]
    public void UnmatchedQuote_IsReported()
    {
        var r = Load("global_defs {\n router_id \"a\\\"b\"\n}\n");

        Assert.That(r.Errors.Select(d => d.Code), Has.Member(DiagnosticCodes.Syntax));
    }

    [Test]
    public void ConditionalBlocks_SelectWholeInstancesPerHost()
    {
        const string text = """
            vrrp_instance VI {
              interface eth0
              virtual_router_id 7
            @main  priority 200
            @backup priority 100
              virtual_ipaddress {
                10.0.0.1
              }
            }
            """;

        Assert.That(Load(text, "main").Config.VrrpInstances.Single().Priority, Is.EqualTo(200));
        Assert.That(Load(text, "backup").Config.VrrpInstances.Single().Priority, Is.EqualTo(100));
        Assert.That(Load(text, "other").Config.VrrpInstances.Single().Priority, Is.Null);
    }

    [Test]
    public void Locations_PointIntoIncludedFiles()
    {
        var fs = new MemoryFileSystem().Add("/etc/keepalived/conf.d/vi.conf", "vrrp_instance VI {\n interface eth0\n virtual_router_id 1\n priority 999\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n");

        var r = Load("include conf.d/*.conf\n", fs: fs);

        Assert.That(r.Errors.Single().Location, Is.EqualTo(new SourceLocation("/etc/keepalived/conf.d/vi.conf", 4, 11)));
        Assert.That(r.Errors.Single().ToString(), Does.StartWith("/etc/keepalived/conf.d/vi.conf:4: error: 'priority': 999 is outside [1, 255]"));
        Assert.That(r.Document.Files, Is.EqualTo(new[] { MainFile, "/etc/keepalived/conf.d/vi.conf" }));
    }
}
