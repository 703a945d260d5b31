using Kad.Testing;

namespace Kad.Lab.Tests;

/// <summary>
/// make demo keeps working: demo/lvs-dr-demo.sh with two kad directors in the kernel lab (one boot; a few minutes
/// under QEMU TCG, more on a loaded host). The script checks every step itself and ends with DEMO PASSED/FAILED.
/// </summary>
[TestFixture]
[Category(LabPolicy.Kernel)]
public class DemoTests
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "demo", "lvs-dr-demo.sh");

    [SetUp]
    public void RequireLab() => KernelLab.RequireAvailable();

    [Test]
    public void Demo_TwoKadDirectors_TrafficSurvivesRealServerAndDirectorFailure()
    {
        var result = KernelLab.Run(Script, ["kad"], timeout: TimeSpan.FromMinutes(25));
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(lines.LastOrDefault(), Does.StartWith("DEMO PASSED: kad"), result.ToString());
            // dotnet-kad status was shown with dir1 as master, then with dir2 as master after the failover.
            Assert.That(result.StandardOutput, Does.Contain("$ dotnet-kad status --socket /run/kad-dir1.sock"));
            Assert.That(result.StandardOutput, Does.Contain("$ dotnet-kad status --socket /run/kad-dir2.sock"));
            Assert.That(result.StandardOutput, Does.Contain("MASTER"));
        });
    }
}
