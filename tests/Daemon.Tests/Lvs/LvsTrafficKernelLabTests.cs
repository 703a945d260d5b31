using System.Text.RegularExpressions;
using Kad.Testing;

namespace Kad.Daemon.Tests.Lvs;

/// <summary>
/// The published kad end to end in the kernel lab with real traffic: Lvs/lab/lvs-traffic.sh builds a DR and a NAT
/// topology of namespaces (busybox httpd real servers, curl clients), runs /usr/sbin/kad as the director, stops and
/// restarts listeners and checks what IPVS holds and who answers. Each "CASE" line of the script is a test here.
/// </summary>
[TestFixture]
[Category(LabPolicy.Kernel)]
public sealed partial class LvsTrafficKernelLabTests
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "tests", "Daemon.Tests", "Lvs", "lab", "lvs-traffic.sh");
    private Dictionary<string, string> _results = [];
    private string _output = "";

    [OneTimeSetUp]
    public void RunScript()
    {
        KernelLab.RequireAvailable();
        var result = KernelLab.Run(Script, timeout: TimeSpan.FromMinutes(14));
        _output = result.StandardOutput + result.StandardError;
        _results = CaseLine().Matches(result.StandardOutput).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["rest"].Value.Trim());
    }

    [TestCase("kad_starts_with_all_real_servers")]
    [TestCase("dr_traffic_reaches_every_healthy_server")]
    [TestCase("nat_traffic_reaches_every_healthy_server")]
    [TestCase("dr_listener_stopped_destination_removed")]
    [TestCase("dr_traffic_reaches_only_healthy_servers")]
    [TestCase("nat_listener_stopped_inhibited_to_weight0")]
    [TestCase("nat_traffic_reaches_only_healthy_servers")]
    [TestCase("listeners_restarted_destinations_restored")]
    [TestCase("dr_traffic_restored_to_every_server")]
    [TestCase("nat_traffic_restored_to_every_server")]
    [TestCase("status_shows_kernel_connection_counts")]
    [TestCase("drain_removed_server_kept_at_weight0_while_connected")]
    [TestCase("drain_removed_server_gone_when_connections_end")]
    [TestCase("kad_stopped_removes_its_services")]
    public void TrafficCase_InGuest_Passes(string name)
    {
        Assert.That(_results.TryGetValue(name, out var outcome), Is.True, $"no result for {name}; output:\n{_output}");
        Assert.That(outcome, Does.StartWith("PASS"), outcome);
    }

    [GeneratedRegex(@"^CASE (?<name>\S+) (?<rest>.*)$", RegexOptions.Multiline)]
    private static partial Regex CaseLine();
}
