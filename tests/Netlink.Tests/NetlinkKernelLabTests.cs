using Kad.Netlink.LabDriver;
using Kad.Testing;

namespace Kad.Netlink.Tests;

/// <summary>
/// The netlink client against a real kernel: boots the QEMU kernel lab once, runs every case of
/// tests/Netlink.LabDriver there (our client cross-checked with ipvsadm and ip), and reports each case as its own
/// result. The host has no IPVS, so this is the only real-kernel proof of the IPVS client.
/// </summary>
[TestFixture]
[Category(LabPolicy.Kernel)]
[NonParallelizable]
public sealed class NetlinkKernelLabTests
{
    private const string GuestDriver = "/lab/files/Netlink.LabDriver";
    private static readonly string Driver = Path.Combine(RepoPaths.Root, "artifacts", "lab", "Netlink.LabDriver", "Netlink.LabDriver");
    private readonly Dictionary<string, List<string?>> _results = [];
    private ProcessResult? _run;

    public static IEnumerable<string> CaseNames => LabCaseNames.All;

    [OneTimeSetUp]
    public void RunDriverInGuestOnce()
    {
        KernelLab.RequireAvailable();
        LabPolicy.Require(File.Exists(Driver),
            $"{Driver} is missing (make test publishes it; or: dotnet publish tests/Netlink.LabDriver -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o artifacts/lab/Netlink.LabDriver)");

        _run = KernelLab.Run(GuestDriver, ["cases"], [new KernelLabFile(Driver, GuestDriver)], TimeSpan.FromMinutes(20));
        foreach (var line in _run.StandardOutput.Split('\n'))
        {
            // "CASE <name> PASS (<n> ms)" or "CASE <name> FAIL <why>"
            var parts = line.TrimEnd('\r').Split(' ', 4);
            if (parts.Length >= 3 && parts[0] == "CASE")
            {
                if (!_results.TryGetValue(parts[1], out var outcomes))
                {
                    _results[parts[1]] = outcomes = [];
                }

                outcomes.Add(parts[2] == "PASS" ? null : parts.Length > 3 ? parts[3] : "FAIL without a reason");
            }
        }

        TestContext.Progress.WriteLine($"kernel lab: {_results.Count} cases reported, exit {_run.ExitCode}");
    }

    [TestCaseSource(nameof(CaseNames))]
    public void Case_RunInGuest_Passes(string name)
    {
        Assert.That(_results.TryGetValue(name, out var outcomes), Is.True, () => $"the driver printed no result for {name}:\n{_run}");
        Assert.That(outcomes, Has.Count.EqualTo(1), $"{name} reported more than once");
        Assert.That(outcomes![0], Is.Null, outcomes[0]);
    }

    [Test]
    public void Driver_WholeRun_ReportsOnlyKnownCasesAndExitsZero()
    {
        Assert.That(_results.Keys, Is.EquivalentTo(LabCaseNames.All), () => _run!.ToString());
        Assert.That(_run!.ExitCode, Is.Zero, () => _run.ToString());
    }
}
