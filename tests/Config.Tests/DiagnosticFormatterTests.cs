namespace Kad.Config.Tests;

public class DiagnosticFormatterTests
{
    [Test]
    public void Format_KeywordOnLine_ColumnOfKeyword()
    {
        var diagnostic = new ConfigDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.InvalidValue, "bad", new SourceLocation("/k.conf", 3), "priority");

        var text = DiagnosticFormatter.Format(diagnostic, (_, _) => "    priority_x 1 priority 300");

        Assert.That(text, Is.EqualTo("/k.conf:3:18: error: bad"));
    }

    [Test]
    public void Format_NoKeyword_ColumnOfFirstWord()
    {
        var diagnostic = new ConfigDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.Semantic, "odd", new SourceLocation("/k.conf", 1));

        var text = DiagnosticFormatter.Format(diagnostic, (_, _) => "\t  vrrp_instance X {");

        Assert.That(text, Is.EqualTo("/k.conf:1:4: warning: odd"));
    }

    [Test]
    public void Format_LineUnreadable_ColumnOne()
    {
        var diagnostic = new ConfigDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.Syntax, "x", new SourceLocation("/k.conf", 9), "state");

        Assert.That(DiagnosticFormatter.Format(diagnostic), Is.EqualTo("/k.conf:9:1: error: x"));
    }

    [Test]
    public void Format_NoLocation_SeverityAndMessageOnly()
    {
        var diagnostic = new ConfigDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.Include, "missing", null);

        Assert.That(DiagnosticFormatter.Format(diagnostic), Is.EqualTo("error: missing"));
    }

    [Test]
    public void Write_LoadedText_OneLinePerFindingWithColumns()
    {
        var fs = new MemoryFileSystem();
        var result = ConfigHarness.Load("vrrp_instance X {\n  interface eth0\n  virtual_router_id 0\n  priority 100\n}\n", fs: fs);
        using var output = new StringWriter();

        DiagnosticFormatter.Write(result.Diagnostics, output, fs.ReadAllText);

        var lines = output.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.EqualTo(result.Diagnostics.Length));
        Assert.That(lines, Has.Some.StartsWith(ConfigHarness.MainFile + ":3:21: error: 'virtual_router_id': 0 is outside"));
    }
}
