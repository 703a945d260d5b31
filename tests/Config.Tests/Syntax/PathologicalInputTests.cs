using Kad.Config.Syntax;
using static Kad.Config.Tests.ConfigHarness;

namespace Kad.Config.Tests.Syntax;

/// <summary>
/// Inputs that would make a naive reader run forever or exhaust memory end with a clear error instead. Each load is
/// time-boxed (a generous sanity bound, not a performance assertion) so a regression fails with a message rather than
/// hanging the run.
/// </summary>
public class PathologicalInputTests
{
    private static ConfigLoadResult Bounded(string text, MemoryFileSystem? fs = null, PreprocessorLimits? limits = null)
    {
        fs ??= new MemoryFileSystem();
        fs.Add(MainFile, text);
        var options = new ConfigLoadOptions { ConfigId = "main", FileSystem = fs, RandomSeed = 1, Limits = limits ?? PreprocessorLimits.Default };
        var load = Task.Run(() => KeepalivedConfigLoader.Load(MainFile, options));
        return load.Wait(TimeSpan.FromSeconds(20)) ? load.Result : throw new AssertionException("the load did not finish in 20 s");
    }

    private static ConfigDiagnostic SingleError(ConfigLoadResult r, string code) =>
        r.Errors.Where(e => e.Code == code).Single();

    [Test]
    public void Include_FileIncludesItself_OneCycleError()
    {
        var r = Bounded("global_defs {\n}\ninclude keepalived.conf\ninclude keepalived.conf\n");

        Assert.That(r.Errors.Select(e => (e.Code, e.Location!.Value.Line)), Is.EqualTo(new[] { (DiagnosticCodes.Include, 3), (DiagnosticCodes.Include, 4) }));
        Assert.That(r.Errors.Select(e => e.Message), Has.All.Contains("include cycle"));
    }

    [Test]
    public void Include_TwoFilesIncludeEachOther_CycleReportedWhereItCloses()
    {
        var fs = new MemoryFileSystem()
            .Add("/etc/keepalived/a.conf", "include b.conf\ninclude b.conf\n")
            .Add("/etc/keepalived/b.conf", "include a.conf\ninclude a.conf\n");

        var r = Bounded("include a.conf\n", fs);

        Assert.That(r.Errors.Select(e => e.Message), Has.All.Contains("include cycle"));
        Assert.That(r.Errors.Select(e => e.Location!.Value.File), Has.All.EqualTo("/etc/keepalived/b.conf"));
    }

    [Test]
    public void Include_GlobMatchesTheIncludingFile_CycleErrorOthersRead()
    {
        var fs = new MemoryFileSystem().Add("/etc/keepalived/other.conf", "global_defs {\n router_id other\n}\n");

        var r = Bounded("include *.conf\n", fs);

        Assert.That(SingleError(r, DiagnosticCodes.Include).Message, Does.Contain("include cycle"));
        Assert.That(r.Config.Global.RouterId, Is.EqualTo("other"));
    }

    [Test]
    public void Include_ManyFilesIncludingTheNextTwice_StopsWithinTheBudget()
    {
        var fs = new MemoryFileSystem();
        for (var i = 0; i < 40; i++)
        {
            fs.Add($"/etc/keepalived/f{i}.conf", $"include f{i + 1}.conf\ninclude f{i + 1}.conf\nglobal_defs {{\n}}\n");
        }

        var r = Bounded("include f0.conf\n", fs);

        Assert.That(r.Errors.Select(e => e.Message), Has.Some.Contains("configuration files read"));
    }

    [Test]
    public void Macro_RefersToItself_Error()
    {
        var r = Bounded("$A=x $A\nglobal_defs {\n router_id $A\n}\n");

        Assert.That(SingleError(r, DiagnosticCodes.Preprocessor).Message, Does.Contain("refers to itself"));
    }

    [Test]
    public void Macro_TwoDefinitionsReferToEachOther_Error()
    {
        var r = Bounded("$A=$B\n$B=$A\nglobal_defs {\n router_id $A\n}\n");

        Assert.That(SingleError(r, DiagnosticCodes.Preprocessor).Message, Does.Contain("refers to itself"));
    }

    [Test]
    public void Macro_MultiLineDefinitionThatRepeatsItself_StopsWithAnError()
    {
        // Each expansion yields two more references: unbounded, it would double 64 times.
        var r = Bounded("$M=global_defs { \\\n}\\\n$M\\\n$M\n\n$M\n");

        Assert.That(r.Errors.Select(e => e.Code), Has.Some.EqualTo(DiagnosticCodes.Preprocessor));
    }

    [Test]
    public void Seq_HugeRangeThatEmitsNothing_StopsWithAnError()
    {
        var r = Bounded("~SEQ(i, 1, 1000000000000) $X=$i\n");

        Assert.That(SingleError(r, DiagnosticCodes.Preprocessor).Message, Does.Contain("does not finish expanding"));
    }

    [Test]
    public void Seq_HugeRangeOfLines_StopsAtTheLineLimit()
    {
        var r = Bounded("global_defs {\n~SEQ(i, 1, 100000000) router_id r$i\n}\n", limits: new PreprocessorLimits(MaxOutputLines: 10_000));

        Assert.That(SingleError(r, DiagnosticCodes.Preprocessor).Message, Does.Contain("expands to more than 10000 lines"));
    }

    [Test]
    public void Seq_HugeRangeThatEmitsNothing_TheBudgetIsNamedInTheError()
    {
        var r = Bounded("~SEQ(i, 1, 1000000000000) $X=$i\n", limits: new PreprocessorLimits(MaxSteps: 50_000));

        Assert.That(SingleError(r, DiagnosticCodes.Preprocessor).Message, Does.Contain("within 50000 steps"));
    }

    [Test]
    public void Seq_NestedSequences_StopWithinTheBudget()
    {
        var r = Bounded("$S=~SEQ(j, 1, 100000) $X=$j\n~SEQ(i, 1, 100000) $S\n");

        Assert.That(SingleError(r, DiagnosticCodes.Preprocessor).Message, Does.Contain("does not finish expanding"));
    }

    [Test]
    public void Braces_DeeplyNested_EachReportedWithoutRecursionTrouble()
    {
        var r = Bounded("global_defs " + new string('{', 200_000) + new string('}', 200_000) + "\n");

        Assert.That(r.HasErrors, Is.True);
        Assert.That(r.Errors.Count(), Is.LessThan(10));
    }

    [Test]
    public void Line_OneMillionCharacters_ReadOnceAndReported()
    {
        var r = Bounded("global_defs {\n router_id " + new string('x', 1_000_000) + " extra\n}\n");

        Assert.That(r.Config.Global.RouterId, Has.Length.EqualTo(1_000_000));
        Assert.That(r.Warnings.Count(), Is.EqualTo(1));
    }
}
