using System.Text.RegularExpressions;
using Kad.Testing;

namespace Kad.Daemon.Tests.Lvs;

/// <summary>
/// The reconciler against the real kernel: boots the QEMU lab once, runs tests/Lvs.LabDriver there (busybox httpd
/// real servers in a namespace, VIPs on lo, NAT), and reports each of its cases as a test.
/// </summary>
[TestFixture]
[Category(LabPolicy.Kernel)]
public sealed partial class LvsKernelLabTests
{
    private static readonly string Driver = Path.Combine(RepoPaths.Root, "artifacts", "lab", "Lvs.LabDriver", "Lvs.LabDriver");
    private Dictionary<string, string> _results = [];
    private string _output = "";

    [OneTimeSetUp]
    public void RunDriver()
    {
        KernelLab.RequireAvailable();
        LabPolicy.Require(File.Exists(Driver), $"the lab driver is not published at {Driver}");
        var result = KernelLab.Run("/lab/files/Lvs.LabDriver", files: [new KernelLabFile(Driver, "/lab/files/Lvs.LabDriver")], timeout: TimeSpan.FromMinutes(10));
        _output = result.StandardOutput + result.StandardError;
        _results = CaseLine().Matches(result.StandardOutput).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["rest"].Value.Trim());
    }

    [TestCase("adopt_existing_entries_untouched")]
    [TestCase("drift_made_with_ipvsadm_repaired")]
    [TestCase("listener_stopped_leaves_or_weight0_then_returns")]
    [TestCase("ha_suspend_follows_host_addresses")]
    [TestCase("stop_removes_configured_services_only")]
    public void LabCase_InGuest_Passes(string name)
    {
        Assert.That(_results.TryGetValue(name, out var outcome), Is.True, $"no result for {name}; output:\n{_output}");
        Assert.That(outcome, Does.StartWith("PASS"), outcome);
    }

    [GeneratedRegex(@"^CASE (?<name>\S+) (?<rest>.*)$", RegexOptions.Multiline)]
    private static partial Regex CaseLine();
}
