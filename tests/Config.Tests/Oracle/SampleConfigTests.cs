using Kad.Testing;

namespace Kad.Config.Tests.Oracle;

/// <summary>
/// keepalived's own sample configurations (shipped with the Debian package): kad must read them, report an error only
/// on a line keepalived also complains about, and find exactly the unknown keywords keepalived finds.
/// </summary>
public class SampleConfigTests
{
    private const string SampleDirectory = "/usr/share/doc/keepalived/samples";

    private static IEnumerable<TestCaseData> Samples() =>
        (Directory.Exists(SampleDirectory) ? Directory.GetFiles(SampleDirectory, "keepalived.conf.*") : ["(none installed)"])
        .Order(StringComparer.Ordinal)
        .Select(f => new TestCaseData(f).SetName($"Sample_ErrorsAgreeWithKeepalived({Path.GetFileName(f)})"));

    [TestCaseSource(nameof(Samples))]
    public void Sample_ErrorsAgreeWithKeepalived(string file)
    {
        var keepalived = KeepalivedOracle.RequireKeepalived();
        LabPolicy.Require(File.Exists(file), $"keepalived's samples are not installed in {SampleDirectory}");

        var ours = KeepalivedConfigLoader.Load(file, new ConfigLoadOptions { ConfigId = "main" });
        var theirs = KeepalivedOracle.Check(keepalived, File.ReadAllText(file));

        // keepalived reports some block-level problems at the block's end, kad at its start: a finding anywhere in
        // the same top-level block counts as agreement.
        var starts = ours.Document.Nodes.Select(n => n.Location.Line).Append(int.MaxValue).ToList();
        int BlockOf(int line) => starts.FindLastIndex(s => s <= line);
        var theirBlocks = theirs.Select(f => BlockOf(f.Line)).ToHashSet();
        var ourErrors = ours.Errors.Where(d => !theirBlocks.Contains(BlockOf(d.Location?.Line ?? 0)));
        var theirUnknown = theirs.Where(f => f.Message.StartsWith("Unknown keyword", StringComparison.Ordinal)).Select(f => f.Line).Distinct().Order();
        var ourUnknown = ours.Errors.Where(d => d.Code == DiagnosticCodes.UnknownKeyword).Select(d => d.Location!.Value.Line).Distinct().Order();

        Assert.Multiple(() =>
        {
            Assert.That(ourErrors, Is.Empty, "kad reports errors where keepalived does not");
            Assert.That(ourUnknown, Is.EqualTo(theirUnknown), "unknown keywords differ");
        });
    }
}
