using Kad.Config.Syntax;

namespace Kad.Config.Tests.Syntax;

/// <summary>Runs the preprocessor over in-memory files and returns the lines and findings.</summary>
internal static class PreprocessorHarness
{
    public const string Main = "/etc/keepalived/keepalived.conf";

    public static (List<string> Lines, IReadOnlyList<ConfigDiagnostic> Diagnostics, IReadOnlyList<LogicalLine> Raw) Run(
        string text, string? configId = "main", MemoryFileSystem? fs = null, int? seed = 1)
    {
        fs ??= new MemoryFileSystem();
        fs.Add(Main, text);
        var diagnostics = new DiagnosticBag();
        var preprocessor = new Preprocessor(fs, configId, seed, diagnostics);
        var lines = preprocessor.ReadMain(Main);
        return (lines.Select(l => l.Text).ToList(), diagnostics.Items, lines);
    }
}
