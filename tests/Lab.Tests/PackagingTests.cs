using System.Text.RegularExpressions;
using Kad.Testing;

namespace Kad.Lab.Tests;

/// <summary>
/// packaging/: the systemd unit (its contract, <c>systemd-analyze verify</c> of the unit as the package installs it)
/// and the Debian package built by packaging/deb/build-deb (contents, control fields, lintian). The package is built
/// once per fixture from the published executables (make publish).
/// </summary>
[TestFixture]
public partial class PackagingTests
{
    private static readonly string UnitFile = Path.Combine(RepoPaths.Root, "packaging", "systemd", "kad.service");
    private static readonly string BuildDeb = Path.Combine(RepoPaths.Root, "packaging", "deb", "build-deb");
    private static readonly string[] NetCapabilities = ["CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"];
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(5);

    private DirectoryInfo? _work;
    private string? _deb;

    [OneTimeTearDown]
    public void RemoveWorkFolder() => _work?.Delete(recursive: true);

    [Test]
    public void Unit_AsWritten_IsTheDropInServiceTheIssueAsksFor()
    {
        var service = Section(File.ReadAllText(UnitFile), "Service");

        Assert.Multiple(() =>
        {
            Assert.That(service["Type"], Is.EqualTo(new[] { "notify" }));
            Assert.That(service["ExecStart"], Is.EqualTo(new[] { "/usr/sbin/kad --dont-fork --log-console -f /etc/keepalived/keepalived.conf" }));
            Assert.That(service["ExecReload"], Is.EqualTo(new[] { "/bin/kill -HUP $MAINPID" }));
            Assert.That(service["Restart"], Is.EqualTo(new[] { "on-failure" }));
            Assert.That(service["RuntimeDirectory"], Is.EqualTo(new[] { "kad" }));
            Assert.That(Words(service["AmbientCapabilities"]), Is.EquivalentTo(NetCapabilities));
            Assert.That(Words(service["CapabilityBoundingSet"]), Is.EquivalentTo(NetCapabilities));
            // Netlink (IPVS, rtnetlink), raw IP (VRRP), packet sockets (gratuitous ARP) and the status socket must stay allowed.
            Assert.That(Words(service["RestrictAddressFamilies"]), Is.SupersetOf(new[] { "AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET" }));
            // The .NET JIT writes code: W^X enforcement would kill kad at start.
            Assert.That(service.GetValueOrDefault("MemoryDenyWriteExecute", ["no"]), Is.EqualTo(new[] { "no" }));
            Assert.That(service, Does.Not.ContainKey("PrivateNetwork"));
            Assert.That(service, Does.Not.ContainKey("User"), "kad runs as root with a reduced capability set, as keepalived runs as root");
        });
    }

    [Test]
    public void Unit_StartCommands_AreAcceptedByThePublishedKad()
    {
        var kad = RequirePublished("kad");
        var service = Section(File.ReadAllText(UnitFile), "Service");
        var config = WorkFile("unit-check.conf", "vrrp_instance VI_1 {\n interface lo\n virtual_router_id 7\n priority 100\n virtual_ipaddress { 10.77.0.1/32 }\n}\n");

        // ExecStartPre is the config test; ExecStart gets -t added so that it checks instead of running.
        var pre = service["ExecStartPre"].Single(line => line.StartsWith("/usr/sbin/kad ", StringComparison.Ordinal));
        var preResult = RunKad(kad, pre, config);
        var startResult = RunKad(kad, service["ExecStart"].Single() + " -t", config);

        Assert.Multiple(() =>
        {
            Assert.That(preResult.ExitCode, Is.Zero, preResult.ToString());
            Assert.That(startResult.ExitCode, Is.Zero, startResult.ToString());
        });
    }

    [Test]
    public void Verify_UnitInstalledFromThePackage_SystemdAnalyzeReportsNothing()
    {
        var analyze = LabPolicy.RequireTool("systemd-analyze");
        LabPolicy.Require(File.Exists("/usr/lib/systemd/system/sysinit.target"), "systemd's own units are missing (package systemd)");
        var deb = RequireDeb();
        var root = Path.Combine(_work!.FullName, "root");
        ProcessRunner.RunChecked("dpkg-deb", ["-x", deb, root], ToolTimeout);
        // verify resolves the unit's dependencies (sysinit.target...) and its commands inside the root.
        CopySystemUnits(root);
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.Copy("/bin/kill", Path.Combine(root, "bin", "kill"), overwrite: true);

        // Documentation=man:kad(8) is checked with the host's man: point it at the package's pages.
        var result = ProcessRunner.Run(analyze, ["verify", "--root=" + root, "kad.service"], ToolTimeout,
            new Dictionary<string, string> { ["MANPATH"] = Path.Combine(root, "usr", "share", "man") });

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Combined.Trim(), Is.Empty);
        });
    }

    [Test]
    public void Verify_UnitWithoutTheKadExecutable_SystemdAnalyzeComplains()
    {
        var analyze = LabPolicy.RequireTool("systemd-analyze");
        LabPolicy.Require(File.Exists("/usr/lib/systemd/system/sysinit.target"), "systemd's own units are missing (package systemd)");
        var root = Path.Combine(WorkFolder().FullName, "empty-root");
        CopySystemUnits(root);
        Directory.CreateDirectory(Path.Combine(root, "etc", "systemd", "system"));
        File.Copy(UnitFile, Path.Combine(root, "etc", "systemd", "system", "kad.service"), overwrite: true);

        // The check above is only worth something if verify does look at ExecStart= inside the root.
        var result = ProcessRunner.Run(analyze, ["verify", "--man=no", "--root=" + root, "kad.service"], ToolTimeout);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            Assert.That(result.Combined, Does.Contain("/usr/sbin/kad"));
        });
    }

    [Test]
    public void Contents_Package_InstallsExecutablesUnitManPagesAndDocsWithTheirModes()
    {
        var deb = RequireDeb();

        var listing = ProcessRunner.RunChecked("dpkg-deb", ["-c", deb], ToolTimeout).StandardOutput;
        var entries = ListingLine().Matches(listing).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["mode"].Value);

        Assert.Multiple(() =>
        {
            Assert.That(entries.GetValueOrDefault("./usr/sbin/kad"), Is.EqualTo("-rwxr-xr-x"));
            Assert.That(entries.GetValueOrDefault("./usr/bin/dotnet-kad"), Is.EqualTo("-rwxr-xr-x"));
            foreach (var file in (string[])["./lib/systemd/system/kad.service", "./usr/share/man/man8/kad.8.gz", "./usr/share/man/man1/dotnet-kad.1.gz",
                "./usr/share/doc/kad/copyright", "./usr/share/doc/kad/changelog.gz", "./usr/share/doc/kad/install-migrate.md",
                "./usr/share/doc/kad/config-compatibility.md", "./usr/share/doc/kad/README.md"])
            {
                Assert.That(entries.GetValueOrDefault(file), Is.EqualTo("-rw-r--r--"), file);
            }

            Assert.That(entries.Where(e => e.Key.EndsWith('/')).Select(e => e.Value), Is.All.EqualTo("drwxr-xr-x"), "directories");
            Assert.That(listing, Does.Not.Contain("etc/keepalived"), "the package never ships or touches the configuration");
        });
    }

    [Test]
    public void Control_Package_NamesItsVersionAndLibrariesAndCoexistsWithKeepalived()
    {
        var deb = RequireDeb();
        var version = ProcessRunner.RunChecked(RequirePublished("kad"), ["--version"], ToolTimeout).StandardOutput.Split(' ')[1];

        var fields = ProcessRunner.RunChecked("dpkg-deb", ["-f", deb, "Package", "Version", "Architecture", "Depends", "Conflicts"], ToolTimeout).StandardOutput;

        Assert.Multiple(() =>
        {
            Assert.That(fields, Does.Contain("Package: kad\n"));
            Assert.That(fields, Does.Contain($"Version: {version}\n"));
            Assert.That(fields, Does.Contain("Architecture: amd64\n"));
            // The single-file host links libstdc++ and libgcc_s; .NET's hashing and TLS load libssl.
            Assert.That(fields, Does.Match(@"Depends: .*libstdc\+\+6"));
            Assert.That(fields, Does.Match("Depends: .*libssl3"));
            // Both packages installed is what makes a migration one director at a time, and its rollback, quick.
            Assert.That(fields, Does.Not.Contain("Conflicts:"));
        });
    }

    [Test]
    public void Lintian_Package_ReportsNoErrorsOrWarnings()
    {
        var lintian = LabPolicy.RequireTool("lintian");
        var deb = RequireDeb();

        var result = ProcessRunner.Run(lintian, ["--fail-on", "error,warning", deb], ToolTimeout);
        var findings = result.StandardOutput.Split('\n').Where(l => l.StartsWith("E:", StringComparison.Ordinal) || l.StartsWith("W:", StringComparison.Ordinal));

        Assert.Multiple(() =>
        {
            Assert.That(findings, Is.Empty);
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
        });
    }

    /// <summary>The [Section] of a unit file: each key with its values in order (keys may repeat).</summary>
    internal static Dictionary<string, List<string>> Section(string unit, string name)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var inSection = false;
        foreach (var raw in unit.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
            {
                inSection = line == $"[{name}]";
            }
            else if (inSection && line.Length > 0 && !line.StartsWith('#') && line.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                var key = line[..eq];
                if (!values.TryGetValue(key, out var list))
                {
                    values[key] = list = [];
                }

                list.Add(line[(eq + 1)..]);
            }
        }

        return values;
    }

    private static string[] Words(List<string> values) => [.. values.SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    private static string RequirePublished(string name)
    {
        var path = Path.Combine(RepoPaths.PublishDir, name);
        LabPolicy.Require(File.Exists(path), $"{path} is missing (run make publish)");
        return path;
    }

    /// <summary>Runs a unit command line with the published kad and a test configuration in place of the real paths.</summary>
    private static ProcessResult RunKad(string kad, string commandLine, string config)
    {
        var words = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(words[0], Is.EqualTo("/usr/sbin/kad"));
        var arguments = words.Skip(1).Select(w => w == "/etc/keepalived/keepalived.conf" ? config : w);
        return ProcessRunner.Run(kad, arguments, ToolTimeout);
    }

    private DirectoryInfo WorkFolder() => _work ??= Directory.CreateTempSubdirectory("kad-packaging");

    private string WorkFile(string name, string text)
    {
        var path = Path.Combine(WorkFolder().FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The package, built on first use with packaging/deb/build-deb from artifacts/publish.</summary>
    private string RequireDeb()
    {
        LabPolicy.RequireTool("dpkg-deb");
        RequirePublished("kad");
        RequirePublished("dotnet-kad");
        if (_deb is null)
        {
            var output = Path.Combine(WorkFolder().FullName, "deb");
            var built = ProcessRunner.Run(BuildDeb, [RepoPaths.PublishDir, output], ToolTimeout);
            Assert.That(built.ExitCode, Is.Zero, built.ToString());
            _deb = Directory.GetFiles(output, "kad_*_amd64.deb").Single();
        }

        return _deb;
    }

    /// <summary>systemd's own units into <paramref name="root"/> (cp -a keeps the alias symlinks as they are).</summary>
    private static void CopySystemUnits(string root)
    {
        var target = Path.Combine(root, "usr", "lib", "systemd");
        Directory.CreateDirectory(target);
        ProcessRunner.RunChecked("cp", ["-a", "/usr/lib/systemd/system", target], ToolTimeout);
    }

    [GeneratedRegex(@"^(?<mode>[-dl][-rwxsStT]{9})\s+\S+\s+\d+\s+\S+\s+\S+\s+(?<path>\S+)", RegexOptions.Multiline)]
    private static partial Regex ListingLine();
}
