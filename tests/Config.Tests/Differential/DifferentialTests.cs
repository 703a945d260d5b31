using System.Globalization;
using Kad.Config.Tests.Oracle;
using Kad.Testing;

namespace Kad.Config.Tests.Differential;

/// <summary>
/// kad's verdict (usable or not) against keepalived 2.2.7's `keepalived -t` on a corpus of valid and deliberately
/// broken files (Corpus/*.conf). Each file starts with the exit status keepalived -t gave for it
/// (<c># keepalived-t: exit N</c>) and, where kad's verdict differs on purpose, why (<c># kad-differs: ...</c>).
/// The unit test holds kad to those verdicts everywhere; the oracle test re-runs keepalived -t (-i main) on every file
/// so the recorded statuses stay true (ignored without keepalived, failed under CI).
/// </summary>
public class DifferentialTests
{
    private static readonly string CorpusDirectory = Path.Combine(TestContext.CurrentContext.TestDirectory, "Differential", "Corpus");

    public static IEnumerable<TestCaseData> Corpus() =>
        Directory.EnumerateFiles(CorpusDirectory, "*.conf")
            .Order(StringComparer.Ordinal)
            .Select(path => new TestCaseData(Path.GetFileName(path)).SetName("{m}(" + Path.GetFileNameWithoutExtension(path) + ")"));

    [Test]
    public void Corpus_HasValidAndBrokenFiles_ThirtyBrokenAtLeast()
    {
        var names = Directory.EnumerateFiles(CorpusDirectory, "*.conf").Select(Path.GetFileName).ToList();

        Assert.That(names.Count(n => n!.StartsWith("bad-", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(30));
        Assert.That(names.Count(n => n!.StartsWith("valid-", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(10));
    }

    [TestCaseSource(nameof(Corpus))]
    public void Verdict_CorpusFile_MatchesKeepalivedUnlessDocumented(string name)
    {
        var file = CorpusFile.Read(Path.Combine(CorpusDirectory, name));

        var loaded = KeepalivedConfigLoader.Load(file.Path, new ConfigLoadOptions { ConfigId = "main" });

        var kadUsable = !loaded.HasErrors;
        var findings = string.Join("\n", loaded.Diagnostics.Select(d => DiagnosticFormatter.Format(d)));
        if (file.Difference is null)
        {
            Assert.That(kadUsable, Is.EqualTo(file.KeepalivedUsable), $"keepalived -t exits {file.KeepalivedExit}; kad said:\n{findings}");
        }
        else
        {
            Assert.That(kadUsable, Is.Not.EqualTo(file.KeepalivedUsable), $"documented as differing ({file.Difference}) but kad now agrees with keepalived; drop the kad-differs line");
        }
    }

    [TestCaseSource(nameof(Corpus))]
    public void KeepalivedExit_CorpusFile_IsTheRecordedOne(string name)
    {
        var keepalived = KeepalivedOracle.RequireKeepalived();
        var file = CorpusFile.Read(Path.Combine(CorpusDirectory, name));

        var result = ProcessRunner.Run(keepalived, ["-t", "-i", "main", "-f", file.Path], TimeSpan.FromSeconds(60));

        Assert.That(result.ExitCode, Is.EqualTo(file.KeepalivedExit), result.Combined);
    }

    /// <summary>A corpus file and what its header says.</summary>
    private sealed record CorpusFile(string Path, int KeepalivedExit, string? Difference)
    {
        public bool KeepalivedUsable => KeepalivedExit == 0;

        public static CorpusFile Read(string path)
        {
            int? exit = null;
            string? difference = null;
            foreach (var line in File.ReadLines(path).TakeWhile(l => l.StartsWith('#')))
            {
                if (line.StartsWith("# keepalived-t: exit ", StringComparison.Ordinal))
                {
                    exit = int.Parse(line["# keepalived-t: exit ".Length..], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("# kad-differs: ", StringComparison.Ordinal))
                {
                    difference = line["# kad-differs: ".Length..];
                }
            }

            return new CorpusFile(path, exit ?? throw new InvalidDataException($"{path}: no '# keepalived-t: exit N' line"), difference);
        }
    }
}
