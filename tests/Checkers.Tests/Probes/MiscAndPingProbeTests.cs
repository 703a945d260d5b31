using System.Net;
using System.Net.Sockets;
using Kad.Checkers.Probes;
using Kad.Checkers.Tests.Support;
using Kad.Testing;

namespace Kad.Checkers.Tests.Probes;

public sealed class MiscProbeTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "kad-misc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        // world-writable so a script run as another user can leave its output here
        File.SetUnixFileMode(_directory, (UnixFileMode)0x1FF);
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private string Script(string name, string body)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED); // 0755
        return path;
    }

    private static readonly IPEndPoint Unused = new(IPAddress.Loopback, 1);

    private static MiscCheckOptions Options(string path, bool dynamic = false, double timeout = 5) => new()
    {
        MiscPath = path,
        MiscDynamic = dynamic,
        MiscTimeout = TimeSpan.FromSeconds(timeout),
    };

    [TestCase(0, true)]
    [TestCase(1, false)]
    [TestCase(3, false)]
    public async Task Check_ExitStatus_DecidesHealth(int status, bool up)
    {
        var outcome = await ProbeHarness.CheckAsync(Options(Script("s", $"exit {status}")), Unused);

        Assert.That(outcome.Result.Success, Is.EqualTo(up), outcome.Result.Reason);
        Assert.That(outcome.Result.Reason, Does.Contain($"exit status {status}"));
    }

    [Test]
    public async Task Check_Dynamic_ExitStatusSetsWeight()
    {
        var outcome = await ProbeHarness.CheckAsync(Options(Script("s", "exit 12"), dynamic: true), Unused);

        Assert.That((outcome.Result.Success, outcome.Result.DynamicWeight), Is.EqualTo((true, (int?)10)));
    }

    [Test]
    public async Task Check_Arguments_SplitWithoutShell()
    {
        var output = Path.Combine(_directory, "args");
        var script = Script("args.sh", $"for a in \"$@\"; do echo \"[$a]\" >> {output}; done");

        var outcome = await ProbeHarness.CheckAsync(Options($"{script} plain 'two words' \"$HOME\" a\\ b"), Unused);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(File.ReadAllLines(output), Is.EqualTo(new[] { "[plain]", "[two words]", "[$HOME]", "[a b]" }), "no shell: $HOME is not expanded");
    }

    [Test]
    public async Task Check_RunsLongerThanMiscTimeout_IsKilledAndDown()
    {
        var pidFile = Path.Combine(_directory, "pid");
        var script = Script("slow.sh", $"sleep 30 & echo $! > {pidFile}; wait");

        var outcome = await ProbeHarness.CheckAsync(Options(script, timeout: 1), Unused);

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.Reason, Does.Contain("timed out"));
        Assert.That(outcome.Latency, Is.LessThan(TimeSpan.FromSeconds(5)));
        var sleeper = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var gone = SpinWait.SpinUntil(() => !Directory.Exists($"/proc/{sleeper}") || File.ReadAllText($"/proc/{sleeper}/stat").Contains(") Z ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.That(gone, Is.True, "the script's child is killed with it");
    }

    [Test]
    public async Task Check_Timeout_SendsSigtermFirst_ScriptCanCleanUp()
    {
        var marker = Path.Combine(_directory, "cleaned");
        var script = Script("polite.sh", $"trap 'echo bye > {marker}; exit 0' TERM\nsleep 30 &\nwait");

        var outcome = await ProbeHarness.CheckAsync(Options(script, timeout: 1), Unused);

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(File.Exists(marker), Is.True, "the script's TERM handler ran");
        Assert.That(outcome.Latency, Is.LessThan(TimeSpan.FromSeconds(1.9)), "no need to wait out the grace period");
    }

    [Test]
    public async Task Check_Timeout_ScriptIgnoringSigterm_IsKilledAfterGrace()
    {
        var pidFile = Path.Combine(_directory, "pid");
        var script = Script("stubborn.sh", $"trap '' TERM\nsleep 30 &\necho $! > {pidFile}\nwhile true; do sleep 1; done");

        var outcome = await ProbeHarness.CheckAsync(Options(script, timeout: 1), Unused);

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Latency, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9)).And.LessThan(TimeSpan.FromSeconds(4)));
        var sleeper = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(SpinWait.SpinUntil(() => !Directory.Exists($"/proc/{sleeper}") || File.ReadAllText($"/proc/{sleeper}/stat").Contains(") Z ", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), Is.True);
    }

    [Test]
    public async Task Check_MissingProgram_IsDownAtStart()
    {
        var outcome = await ProbeHarness.CheckAsync(Options(Path.Combine(_directory, "absent")), Unused);

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("start script"));
    }

    [Test]
    public async Task Check_User_RunsAsThatUser()
    {
        LabPolicy.RequireRoot();
        var output = Path.Combine(_directory, "uid");
        var script = Script("whoami.sh", $"id -u > {output}; id -g >> {output}");

        var outcome = await ProbeHarness.CheckAsync(Options(script) with { User = "nobody" }, Unused);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(File.ReadAllLines(output), Is.EqualTo(new[] { "65534", "65534" }));
    }

    [Test]
    public async Task Check_UserAndGroup_RunsWithThatGroup()
    {
        LabPolicy.RequireRoot();
        LabPolicy.RequireTool("setpriv");
        var output = Path.Combine(_directory, "gid");
        var script = Script("whoami.sh", $"id -u > {output}; id -g >> {output}");

        var outcome = await ProbeHarness.CheckAsync(Options(script) with { User = "nobody", Group = "daemon" }, Unused);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(File.ReadAllLines(output), Is.EqualTo(new[] { "65534", "1" }));
    }
}

public sealed class PingProbeTests
{
    private static PingCheckOptions Options(IcmpSocketMode mode) => new() { ConnectTimeout = TimeSpan.FromSeconds(2), Retry = 0, SocketMode = mode };

    [Test]
    public async Task Check_RawSocket_Loopback_IsUp()
    {
        LabPolicy.RequireRoot();

        var outcome = await ProbeHarness.CheckAsync(Options(IcmpSocketMode.RawOnly), new IPEndPoint(IPAddress.Loopback, 0));

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
    }

    [Test]
    public async Task Check_RawSocket_Ipv6Loopback_IsUp()
    {
        LabPolicy.RequireRoot();
        TcpProbeTests.LabPolicyForIpv6();

        var outcome = await ProbeHarness.CheckAsync(Options(IcmpSocketMode.RawOnly), new IPEndPoint(IPAddress.IPv6Loopback, 0));

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
    }

    [Test]
    public async Task Check_DatagramSocket_FollowsPingGroupRange()
    {
        // net.ipv4.ping_group_range decides whether this process may open an ICMP datagram socket.
        var range = File.ReadAllText("/proc/sys/net/ipv4/ping_group_range").Split(['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse).ToArray();
        var gid = uint.Parse(ProcessRunner.RunChecked("id", ["-g"]).StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var allowed = gid >= range[0] && gid <= range[1];
        var probe = (PingProbe)ProbeHarness.Create(Options(IcmpSocketMode.DatagramOnly), new IPEndPoint(IPAddress.Loopback, 0));

        var result = await probe.ProbeAsync(new ProbeProgress(), new CancellationTokenSource(TimeSpan.FromSeconds(3)).Token);

        Assert.That(result.Success, Is.EqualTo(allowed), result.Reason);
        if (!allowed)
        {
            Assert.That(result.FailedStep, Is.EqualTo("open socket"));
        }
        else
        {
            Assert.That(probe.LastSocketType, Is.EqualTo(SocketType.Dgram));
        }
    }

    [Test]
    public async Task Check_DefaultMode_UsesDatagramOrFallsBackToRaw()
    {
        LabPolicy.RequireRoot();
        var probe = (PingProbe)ProbeHarness.Create(Options(IcmpSocketMode.DatagramThenRaw), new IPEndPoint(IPAddress.Loopback, 0));

        var result = await probe.ProbeAsync(new ProbeProgress(), new CancellationTokenSource(TimeSpan.FromSeconds(3)).Token);

        Assert.That(result.Success, Is.True, result.Reason);
        Assert.That(probe.LastSocketType, Is.AnyOf(SocketType.Dgram, SocketType.Raw));
    }
}
