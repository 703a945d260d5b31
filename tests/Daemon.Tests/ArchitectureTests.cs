using System.Xml.Linq;
using Kad.Testing;

namespace Kad.Daemon.Tests;

/// <summary>Keeps the dependency direction of DESIGN.md true: leaves reference nothing of ours; only Daemon and Cli compose.</summary>
[TestFixture]
public class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Kad.Netlink"] = [],
        ["Kad.Config"] = [],
        ["Kad.Vrrp"] = [],
        ["Kad.Checkers"] = [],
        ["Kad.Control"] = [],
        ["Kad.Daemon"] = ["Kad.Netlink", "Kad.Config", "Kad.Vrrp", "Kad.Checkers", "Kad.Control"],
        ["Kad.Cli"] = ["Kad.Config", "Kad.Control"],
    };

    private static readonly string[] HostingPackages = ["Microsoft.Extensions.Hosting", "Serilog", "Polly"];

    private static IEnumerable<string> SourceProjects() =>
        Directory.GetFiles(Path.Combine(RepoPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories);

    [Test]
    public void ProjectReferences_EverySourceProject_FollowDependencyDirection()
    {
        var projects = SourceProjects().ToList();
        Assert.That(projects.Select(Path.GetFileNameWithoutExtension), Is.EquivalentTo(Allowed.Keys), "every src project has a row in the table");
        foreach (var project in projects)
        {
            var name = Path.GetFileNameWithoutExtension(project);
            var references = XDocument.Load(project).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToList();
            Assert.That(references, Is.SubsetOf(Allowed[name]), $"{name} may reference only {string.Join(", ", Allowed[name])}");
        }
    }

    [Test]
    public void PackageReferences_Libraries_DoNotTakeHostingOrSerilog()
    {
        foreach (var project in SourceProjects().Where(p => Allowed[Path.GetFileNameWithoutExtension(p)].Length == 0))
        {
            var packages = XDocument.Load(project).Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value).ToList();
            // Checkers may use Polly for probe timeouts and retries (DESIGN.md); hosting and Serilog stay in the Daemon.
            var forbidden = Path.GetFileNameWithoutExtension(project) == "Kad.Checkers"
                ? HostingPackages.Where(h => h != "Polly")
                : HostingPackages;
            Assert.That(packages.Where(p => forbidden.Any(f => p.StartsWith(f, StringComparison.Ordinal))), Is.Empty, project);
        }
    }
}
