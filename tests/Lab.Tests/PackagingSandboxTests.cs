using System.Globalization;
using Kad.Testing;

namespace Kad.Lab.Tests;

/// <summary>
/// kad.service's privileges and file-system protection, applied by hand because the test host has no systemd as
/// pid 1 (so systemd-run cannot apply the unit's own properties): the capability sets with setpriv, and
/// ProtectSystem=full / ProtectHome=read-only as read-only bind mounts in a private mount namespace. The seccomp-based
/// options (RestrictAddressFamilies=, LockPersonality=, ProtectKernelModules='s syscall filter) are not reproduced.
/// IPVS is absent from the host kernel, so this is the VRRP half: raw IP and packet sockets, rtnetlink, the status socket.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
public class PackagingSandboxTests
{
    private const string Vip = "10.98.0.100";

    /// <summary>CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13) as /proc/PID/status prints a set (linux/capability.h).</summary>
    private const string UnitCapabilityMask = "0000000000003400";

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        LabPolicy.RequireTool("setpriv");
        LabPolicy.RequireTool("unshare");
        LabPolicy.Require(File.Exists(Path.Combine(RepoPaths.PublishDir, "kad")) && File.Exists(Path.Combine(RepoPaths.PublishDir, "dotnet-kad")),
            "artifacts/publish/kad and dotnet-kad are missing (run make publish)");
    }

    [Test]
    public void Run_WithTheUnitsCapabilitiesAndReadOnlySystem_KadTakesAndReleasesTheVip()
    {
        var service = PackagingTests.Section(File.ReadAllText(Path.Combine(RepoPaths.Root, "packaging", "systemd", "kad.service")), "Service");
        Assume.That(service["CapabilityBoundingSet"].Single(), Is.EqualTo("CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE"), "the capability set this test applies");
        Assume.That(service["ProtectSystem"].Single(), Is.EqualTo("full"));
        Assume.That(service["ProtectHome"].Single(), Is.EqualTo("read-only"));

        using var lab = new NamespaceLab();
        var director = lab.AddNamespace("sbx");
        lab.Connect(director, "eth0", "10.98.0.2/24");
        var work = Directory.CreateTempSubdirectory("kad-sandbox");
        try
        {
            var config = Path.Combine(work.FullName, "keepalived.conf");
            File.WriteAllText(config, $"vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 61\n    priority 100\n    advert_int 1\n    virtual_ipaddress {{ {Vip}/24 }}\n}}\n");
            var socket = Path.Combine(work.FullName, "kad.sock");
            // ProtectSystem=full: /usr, /boot, /efi and /etc read-only; ProtectHome=read-only: /home, /root, /run/user.
            const string readOnly = "for d in /usr /boot /efi /etc /home /root /run/user; do if [ -d $d ]; then mount --bind $d $d && mount -o remount,bind,ro $d || exit 90; fi; done";
            const string caps = "-all,+net_admin,+net_raw,+net_bind_service";
            var kad = lab.Start(director, "unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                $"{readOnly}; exec setpriv --inh-caps={caps} --ambient-caps={caps} --bounding-set={caps} \"$0\" --dont-fork --log-console -f \"$1\" --status-socket \"$2\"",
                Path.Combine(RepoPaths.PublishDir, "kad"), config, socket);

            var tookVip = Poll(() => lab.Exec(director, "ip", "-br", "addr", "show", "eth0").StandardOutput.Contains(Vip, StringComparison.Ordinal));
            var capabilities = File.ReadLines($"/proc/{kad.Pid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            var status = Poll(() => File.Exists(socket))
                ? ProcessRunner.Run(Path.Combine(RepoPaths.PublishDir, "dotnet-kad"), ["status", "--json", "--socket", socket], Generous)
                : null;
            kad.Signal(15);
            var exited = kad.WaitForExit(Generous);
            var released = !lab.Exec(director, "ip", "-br", "addr", "show", "eth0").StandardOutput.Contains(Vip, StringComparison.Ordinal);

            Assert.Multiple(() =>
            {
                Assert.That(tookVip, Is.True, "kad never added the VIP:\n" + kad.Output);
                Assert.That(capabilities, Does.EndWith(UnitCapabilityMask), "the sandbox did not apply the unit's capability set");
                Assert.That(status?.ExitCode, Is.Zero, status?.ToString() ?? "no status socket:\n" + kad.Output);
                Assert.That(status?.StandardOutput, Does.Contain("\"MASTER\""));
                Assert.That(exited, Is.True, "kad did not stop on SIGTERM:\n" + kad.Output);
                Assert.That(released, Is.True, "the VIP stayed after SIGTERM");
                Assert.That(kad.Output, Does.Not.Contain("Operation not permitted").And.Not.Contain("Permission denied"));
            });
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static bool Poll(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(200);
        }

        return false;
    }
}
