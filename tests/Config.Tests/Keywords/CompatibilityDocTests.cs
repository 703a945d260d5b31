using Kad.Config.Keywords;
using Kad.Testing;

namespace Kad.Config.Tests.Keywords;

/// <summary>docs/config-compatibility.md carries a table generated from the keyword file; this keeps them in step.
/// Run with KAD_UPDATE_DOCS=1 to rewrite the table after editing the keyword file.</summary>
public class CompatibilityDocTests
{
    private static string DocPath => Path.Combine(RepoPaths.Root, "docs", "config-compatibility.md");

    [Test]
    public void Document_GeneratedTableMatchesTheKeywordFile()
    {
        var document = File.ReadAllText(DocPath);
        var expected = CompatibilityTable.Splice(document, CompatibilityTable.Render(KeywordSchema.Default));
        if (Environment.GetEnvironmentVariable("KAD_UPDATE_DOCS") == "1" && expected != document)
        {
            File.WriteAllText(DocPath, expected);
            document = expected;
        }

        Assert.That(document, Is.EqualTo(expected), "docs/config-compatibility.md is out of date: run the Config tests with KAD_UPDATE_DOCS=1");
    }
}
