using System.Runtime.Versioning;
using Kad.Control;
using Kad.Testing;

namespace Kad.Daemon.Tests.Lab;

/// <summary>
/// The real kad (build output, run with `dotnet kad.dll`) inside a network namespace, observed the way an operator
/// would: `dotnet-kad status --json`, `ip addr`, signals, the PID file. Two instances on one interface so a reload
/// can change one and prove the other is untouched.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[NonParallelizable]
[SupportedOSPlatform("linux")]
public class KadDaemonLabTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(20);

    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        KadBinaries.Require();
    }

    internal static string Config(string vip1, string vip2, int priority = 150, string state = "MASTER") => $$"""
        global_defs {
            router_id kad_lab
        }
        vrrp_instance VI_1 {
            state {{state}}
            interface eth0
            virtual_router_id 51
            priority {{priority}}
            advert_int 1
            virtual_ipaddress {
                {{vip1}}
            }
        }
        vrrp_instance VI_2 {
            state {{state}}
            interface eth0
            virtual_router_id 52
            priority {{priority}}
            advert_int 1
            virtual_ipaddress {
                {{vip2}}
            }
        }
        """;

    [Test]
    public void Start_TwoInstances_StatusShowsMasterAndVips()
    {
        using var run = KadRun.Start(Config("10.80.0.100", "10.80.0.101"));

        var status = run.WaitForStatus(s => s.Instances.Count == 2 && s.Instances.All(i => i.State == "MASTER"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.Instances.Single(i => i.Name == "VI_1").VirtualAddresses, Does.Contain("10.80.0.100/32"));
            Assert.That(status.Instances.Single(i => i.Name == "VI_2").VirtualAddresses, Does.Contain("10.80.0.101/32"));
            Assert.That(status.Daemon.ConfigFile, Is.EqualTo(run.ConfigPath));
            Assert.That(run.Addresses(), Does.Contain("10.80.0.100/32").And.Contain("10.80.0.101/32"));
        }

        var table = ProcessRunner.Run("dotnet", [KadBinaries.Cli, "status", "--socket", run.Socket], TimeSpan.FromSeconds(20));
        Assert.That(table.ExitCode, Is.Zero, table.ToString());
        Assert.That(table.StandardOutput, Does.Match(@"VI_1\s+eth0\s+51\s+v2\s+MASTER\s+150"));
    }

    [Test]
    public void Sighup_BadConfig_RefusedAndRunningConfigKept()
    {
        using var run = KadRun.Start(Config("10.80.0.100", "10.80.0.101"));
        var before = run.WaitForStatus(s => s.Instances.All(i => i.State == "MASTER" && i.Transitions == 2) && s.Instances.Count == 2);
        var bad = Config("10.80.0.100", "10.80.0.101").Replace("virtual_router_id 52", "virtual_router_id 999", StringComparison.Ordinal);
        File.WriteAllText(run.ConfigPath, bad);
        var test = ProcessRunner.Run("dotnet", [KadBinaries.Kad, "-t", "-f", run.ConfigPath], TimeSpan.FromSeconds(20));
        Assert.That(test.ExitCode, Is.EqualTo(5), "kad -t agrees the file is unusable: " + test);

        run.Process.Signal(1);

        Assert.That(run.Process.WaitForOutput("Reload refused", TimeSpan.FromSeconds(15)), Is.True, run.Process.Output);
        var status = run.WaitForStatus(s => s.Daemon.LastReload is not null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.Process.HasExited, Is.False);
            Assert.That(status.Daemon.LastReload!.Applied, Is.False);
            Assert.That(status.Daemon.LastReload.Diagnostics, Has.Some.Contains("999"));
            Assert.That(status.Instances.Select(i => i.State), Is.All.EqualTo("MASTER"));
            Assert.That(status.Instances.Select(i => i.Transitions), Is.EqualTo(before.Instances.Select(i => i.Transitions)), "no instance changed state");
            Assert.That(run.Addresses(), Does.Contain("10.80.0.100/32").And.Contain("10.80.0.101/32"));
        }
    }

    [Test]
    public void Reload_OneVipChanged_AppliedWithoutTouchingTheOtherInstance()
    {
        using var run = KadRun.Start(Config("10.80.0.100", "10.80.0.101"));
        var before = run.WaitForStatus(s => s.Instances.All(i => i.State == "MASTER" && i.Transitions == 2) && s.Instances.Count == 2);
        var other = before.Instances.Single(i => i.Name == "VI_2");
        File.WriteAllText(run.ConfigPath, Config("10.80.0.102", "10.80.0.101"));

        var reload = ProcessRunner.Run("dotnet", [KadBinaries.Cli, "reload", "--socket", run.Socket], TimeSpan.FromSeconds(30));

        Assert.That(reload.ExitCode, Is.Zero, reload.ToString());
        Assert.That(reload.StandardOutput, Does.Contain("reload applied").And.Contain("instance VI_1 changed"));
        Assert.That(KadBinaries.WaitUntil(() => run.Addresses().Contains("10.80.0.102/32", StringComparison.Ordinal), Converge), Is.True, run.Addresses());
        var after = run.WaitForStatus(s => s.Instances.Single(i => i.Name == "VI_1").State == "MASTER");
        var otherAfter = after.Instances.Single(i => i.Name == "VI_2");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.Addresses(), Does.Not.Contain("10.80.0.100/32"));
            Assert.That(run.Addresses(), Does.Contain("10.80.0.101/32"));
            Assert.That(otherAfter.State, Is.EqualTo("MASTER"));
            Assert.That(otherAfter.Transitions, Is.EqualTo(other.Transitions), "VI_2 did not change state");
            Assert.That(otherAfter.LastTransition, Is.EqualTo(other.LastTransition));
            Assert.That(after.Instances.Single(i => i.Name == "VI_1").VirtualAddresses, Is.EqualTo(new[] { "10.80.0.102/32" }));
            Assert.That(after.Daemon.LastReload!.Applied, Is.True);
        }
    }

    [Test]
    public void Reload_TrackScriptWeightChanged_PriorityMovesWithoutLeavingMaster()
    {
        static string Tracked(int weight) => $$"""
            vrrp_script chk_down {
                script "/bin/false"
                interval 1
                weight {{weight}}
            }
            vrrp_instance VI_1 {
                state MASTER
                interface eth0
                virtual_router_id 51
                priority 150
                advert_int 1
                track_script {
                    chk_down
                }
                virtual_ipaddress {
                    10.80.0.100
                }
            }
            """;
        using var run = KadRun.Start(Tracked(-20));
        // Two transitions (INIT -> BACKUP -> MASTER): the count is recorded a moment after the state is visible.
        var before = run.WaitForStatus(s => s.Instances.Count == 1 && s.Instances[0].State == "MASTER" && s.Instances[0].EffectivePriority == 130 && s.Instances[0].Transitions == 2);
        File.WriteAllText(run.ConfigPath, Tracked(-40));

        var reload = ProcessRunner.Run("dotnet", [KadBinaries.Cli, "reload", "--socket", run.Socket], TimeSpan.FromSeconds(30));

        Assert.That(reload.ExitCode, Is.Zero, reload.ToString());
        Assert.That(reload.StandardOutput, Does.Contain("instance VI_1 changed (applied in place, state kept)"));
        var after = run.WaitForStatus(s => s.Instances[0].EffectivePriority == 110);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(after.Instances[0].State, Is.EqualTo("MASTER"));
            Assert.That(after.Instances[0].Transitions, Is.EqualTo(before.Instances[0].Transitions), "VI_1 never left MASTER\n" + run.Process.Output);
            Assert.That(after.Instances[0].LastTransition, Is.EqualTo(before.Instances[0].LastTransition));
            Assert.That(run.Addresses(), Does.Contain("10.80.0.100/32"));
        }
    }

    [Test]
    public void Sigterm_Masters_ReleaseVipsAndRemovePidFile()
    {
        using var run = KadRun.Start(Config("10.80.0.100", "10.80.0.101"));
        run.WaitForStatus(s => s.Instances.All(i => i.State == "MASTER") && s.Instances.Count == 2);
        Assert.That(File.Exists(run.PidPath), Is.True);

        run.Process.Signal(15);

        Assert.That(run.Process.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, run.Process.Output);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.Addresses(), Does.Not.Contain("10.80.0.100").And.Not.Contain("10.80.0.101"));
            Assert.That(File.Exists(run.PidPath), Is.False);
            Assert.That(File.Exists(run.Socket), Is.False);
            Assert.That(KadBinaries.Status(run.Socket), Is.Null, "status fails once the daemon is gone");
        }
    }

    [Test]
    public void StatusSocket_NonRootClient_Refused()
    {
        LabPolicy.RequireTool("setpriv");
        using var run = KadRun.Start(Config("10.80.0.100", "10.80.0.101"));
        run.WaitForStatus(s => s.Instances.Count == 2);
        var mode = Convert.ToString((int)File.GetUnixFileMode(run.Socket), 8);
        Assert.That(mode, Is.EqualTo("600"), "socket mode");

        // As created: the file mode alone keeps another user out.
        var denied = AsNobody(run.Socket);
        Assert.That(denied.ExitCode, Is.EqualTo(3), denied.ToString());

        // Opened up by hand: the daemon itself refuses by SO_PEERCRED.
        File.SetUnixFileMode(run.Socket, (UnixFileMode)Convert.ToInt32("666", 8));
        var refused = AsNobody(run.Socket);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString());
            Assert.That(refused.StandardError, Does.Contain("permission denied: uid 65534"));
            Assert.That(run.Process.Output, Does.Contain("refused pid"));
            Assert.That(KadBinaries.Status(run.Socket), Is.Not.Null, "root is still served");
        }
    }

    private static ProcessResult AsNobody(string socket) => ProcessRunner.Run(
        "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", KadBinaries.Cli, "status", "--socket", socket],
        TimeSpan.FromSeconds(30),
        new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = "/tmp", ["HOME"] = "/tmp" });
}

/// <summary>kad running in its own namespace with a config file, PID file and status socket in a temporary directory.</summary>
[SupportedOSPlatform("linux")]
internal sealed class KadRun : IDisposable
{
    private readonly NamespaceLab _lab;
    private readonly DirectoryInfo _directory;

    private KadRun(NamespaceLab lab, string ns, DirectoryInfo directory, LabProcess process)
    {
        _lab = lab;
        Namespace = ns;
        _directory = directory;
        Process = process;
    }

    public string Namespace { get; }

    public LabProcess Process { get; private set; }

    public string ConfigPath => Path.Combine(_directory.FullName, "keepalived.conf");

    public string PidPath => Path.Combine(_directory.FullName, "kad.pid");

    public string Socket => Path.Combine(_directory.FullName, "kad.sock");

    public NamespaceLab Lab => _lab;

    /// <summary>A lab with one namespace ("kad", eth0 10.80.0.1/24 on the bridge) running kad with <paramref name="config"/>.</summary>
    public static KadRun Start(string config, NamespaceLab? lab = null, string role = "kad", string address = "10.80.0.1/24")
    {
        lab ??= new NamespaceLab();
        var ns = lab.AddNamespace(role);
        lab.Connect(ns, "eth0", address);
        var directory = Directory.CreateTempSubdirectory("kad-lab-");
        // Let other users reach the socket path (the refusal test needs the daemon, not the directory, to say no).
        File.SetUnixFileMode(directory.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(Path.Combine(directory.FullName, "keepalived.conf"), config);
        var run = new KadRun(lab, ns, directory, null!);
        run.Process = run.Launch();
        return run;
    }

    /// <summary>Starts kad (again) with the current config file.</summary>
    public LabProcess Launch()
    {
        Process = _lab.Start(Namespace, "dotnet", KadBinaries.Kad, "-n", "-l", "-D", "-f", ConfigPath, "-p", PidPath, "--status-socket", Socket);
        return Process;
    }

    public DaemonStatus WaitForStatus(Func<DaemonStatus, bool> condition)
    {
        DaemonStatus? last = null;
        var ok = KadBinaries.WaitUntil(() => (last = KadBinaries.Status(Socket)) is { } s && condition(s), TimeSpan.FromSeconds(30));
        Assert.That(ok, Is.True, $"status never matched; last: {(last is null ? "unreachable" : string.Join(", ", last.Instances.Select(i => $"{i.Name}={i.State}")))}\n{Process.Output}");
        return last!;
    }

    public string Addresses() => _lab.Exec(Namespace, "ip", "-4", "addr", "show", "dev", "eth0").StandardOutput;

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Signal(15);
            Process.WaitForExit(TimeSpan.FromSeconds(15));
        }

        _lab.Dispose();
        _directory.Delete(recursive: true);
    }
}
