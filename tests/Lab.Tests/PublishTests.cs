using Kad.Testing;

namespace Kad.Lab.Tests;

/// <summary>`make publish` output: self-contained single files that run on this host.</summary>
[TestFixture]
public class PublishTests
{
    [TestCase("kad")]
    [TestCase("dotnet-kad")]
    public void Version_PublishedExecutable_PrintsItsNameAndVersion(string name)
    {
        var path = Path.Combine(RepoPaths.PublishDir, name);
        LabPolicy.Require(File.Exists(path), $"{path} is missing (run make publish)");

        var result = ProcessRunner.Run(path, ["--version"], TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.StandardOutput, Does.StartWith($"{name} 0.1.0"));
            // Single file: nothing but the executable is needed next to it.
            Assert.That(Directory.GetFiles(RepoPaths.PublishDir).Select(Path.GetFileName), Is.SubsetOf(new[] { "kad", "dotnet-kad" }));
        });
    }
}
