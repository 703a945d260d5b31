using static Kad.Config.Tests.ConfigHarness;

namespace Kad.Config.Tests.Syntax;

/// <summary>Findings carry the column of the word, brace or quote they are about, as the reader saw it in the file.</summary>
public class ColumnTests
{
    private static string Rendered(ConfigLoadResult result) =>
        DiagnosticFormatter.Format(result.Diagnostics.Single(), (_, _) => null);

    [Test]
    public void Column_OutOfRangeNumber_PointsAtTheNumber()
    {
        var r = Load("vrrp_instance VI {\n\tinterface eth0\n\tvirtual_router_id 51\n    priority   300\n    virtual_ipaddress {\n        10.0.0.1\n    }\n}\n");

        Assert.That(Rendered(r), Does.StartWith(MainFile + ":4:16: error: 'priority': 300 is outside [1, 255]"));
    }

    [Test]
    public void Column_UnknownKeyword_PointsAtTheKeyword()
    {
        var r = Load("global_defs {\n   router_id x\n      no_such_thing 1\n}\n");

        Assert.That(Rendered(r), Does.StartWith(MainFile + ":3:7: error: unknown keyword 'no_such_thing'"));
    }

    [Test]
    public void Column_KeywordAfterBraceOnTheSameLine_CountsFromTheLineStart()
    {
        var r = Load("global_defs { bogus 1 }\n");

        Assert.That(r.Diagnostics.Select(d => d.Location!.Value.Column), Is.EqualTo(new[] { 15 }));
    }

    [Test]
    public void Column_ExtraCloseBrace_PointsAtTheBrace()
    {
        var r = Load("global_defs {\n  router_id x\n}   }\n");

        Assert.That(Rendered(r), Is.EqualTo(MainFile + ":3:5: error: extra '}'"));
    }

    [Test]
    public void Column_UnmatchedQuote_PointsAtTheQuote()
    {
        var r = Load("global_defs {\n  router_id \"abc\n}\n");

        var unmatched = r.Errors.Single(e => e.Message.StartsWith("unmatched quote", StringComparison.Ordinal));
        Assert.That(DiagnosticFormatter.Format(unmatched), Does.StartWith(MainFile + ":2:13: error: unmatched quote"));
    }

    [Test]
    public void Column_BadRealServerAddress_PointsAtTheAddress()
    {
        var r = Load("virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.300 80 {\n  }\n}\n");

        Assert.That(r.Errors.First(e => e.Message.Contains("10.0.0.300", StringComparison.Ordinal)).Location!.Value.Column, Is.EqualTo(15));
    }

    [Test]
    public void Column_BadPrefixLength_PointsAtThePrefix()
    {
        var r = Load("vrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.1/40\n  }\n}\n");

        Assert.That(r.Errors.Single().Location!.Value.Column, Is.EqualTo(14));
    }

    [Test]
    public void Column_ExtraWordsWarning_PointsAtTheFirstExtraWord()
    {
        var r = Load("global_defs {\n  router_id x y\n}\n");

        Assert.That(r.Warnings.Single().Location!.Value.Column, Is.EqualTo(15));
    }

    [Test]
    public void Column_AfterConditionPrefix_CountsThePrefix()
    {
        var r = Load("global_defs {\n@main vrrp_version 4\n}\n", configId: "main");

        Assert.That(r.Errors.Single().Location!.Value.Column, Is.EqualTo(20));
    }

    [Test]
    public void Column_ExpandedLine_PointsAtTheLineThatUsesTheParameter()
    {
        var r = Load("$PRIO=300\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 1\n  priority $PRIO\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n");

        Assert.That(r.Errors.Single().Location, Is.EqualTo(new SourceLocation(MainFile, 5, 3)));
    }

    [Test]
    public void Write_FindingsWithColumns_DoNotReadTheFileBack()
    {
        var r = Load("global_defs {\n  bogus\n}\n");
        using var output = new StringWriter();

        DiagnosticFormatter.Write(r.Diagnostics, output, _ => throw new AssertionException("the file was read back"));

        Assert.That(output.ToString(), Does.StartWith(MainFile + ":2:3: error: unknown keyword 'bogus'"));
    }
}
