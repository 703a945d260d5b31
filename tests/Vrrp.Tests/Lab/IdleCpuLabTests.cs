using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// CPU used by a lone master over a fixed window at 10 ms VRRPv3 adverts: kad's interface thread versus keepalived's
/// VRRP process, from /proc (utime + stime, clock ticks of 10 ms). Explicit: prints a BENCH line.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[Explicit("benchmark")]
[NonParallelizable]
public partial class IdleCpuLabTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);

    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        LabPolicy.RequireTool("keepalived");
    }

    [Test]
    public void IdleMaster_TenMillisecondAdverts_CpuOfKadThreadAndKeepalived()
    {
        using var lab = new NamespaceLab();
        var kadNs = lab.AddNamespace("ck");
        var kaNs = lab.AddNamespace("cr");
        lab.Connect(kadNs, "eth0", "10.79.0.1/24");
        lab.Connect(kaNs, "eth0", "10.79.0.2/24");

        var instance = new VrrpInstance(new VrrpInstanceOptions
        {
            Name = "VI_1",
            Interface = "eth0",
            VirtualRouterId = 70,
            Priority = 255,
            Version = VrrpVersion.V3,
            AdvertisementInterval = TimeSpan.FromMilliseconds(10),
            VirtualAddresses = [VirtualAddress.Host(IPAddress.Parse("10.79.0.100"))],
        }, TimeProvider.System, new LabAddressPort(kadNs));
        using var loop = KeepalivedInteropTests.StartKad(kadNs, instance);
        var tid = new TaskCompletionSource<int>();
        loop.Post(() => tid.SetResult(gettid()));
        Assert.That(tid.Task.Wait(TimeSpan.FromSeconds(3)), Is.True);

        var dir = Directory.CreateTempSubdirectory("kad-cpu-");
        var config = "vrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 71\n priority 255\n advert_int 0.01\n version 3\n virtual_ipaddress {\n  10.79.0.101/32 dev eth0\n }\n}\n";
        File.WriteAllText(Path.Combine(dir.FullName, "k.conf"), config);
        var keepalived = lab.Start(kaNs, "keepalived", "-n", "-l", "--vrrp", "-f", Path.Combine(dir.FullName, "k.conf"),
            "-p", Path.Combine(dir.FullName, "k.pid"), "-r", Path.Combine(dir.FullName, "vrrp.pid"));
        var vrrpPidFile = Path.Combine(dir.FullName, "vrrp.pid");
        Assert.That(KeepalivedInteropTests.WaitUntil(() => File.Exists(vrrpPidFile) && File.ReadAllText(vrrpPidFile).Trim().Length > 0, TimeSpan.FromSeconds(5)), Is.True, keepalived.Output);
        Thread.Sleep(2000);
        Assert.That(instance.State, Is.EqualTo(VrrpState.Master));

        var kadStat = $"/proc/self/task/{tid.Task.Result}/stat";
        var kaStat = $"/proc/{File.ReadAllText(vrrpPidFile).Trim()}/stat";
        var kad0 = CpuTicks(kadStat);
        var ka0 = CpuTicks(kaStat);
        var sent0 = instance.AdvertsSent;
        Thread.Sleep(Window);
        var kadMs = (CpuTicks(kadStat) - kad0) * 10.0;
        var kaMs = (CpuTicks(kaStat) - ka0) * 10.0;
        var sent = instance.AdvertsSent - sent0;

        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"BENCH vrrp_idle_master_cpu_10ms kad={kadMs:F0} ref={kaMs:F0} unit=ms_cpu_per_{Window.TotalSeconds:F0}s ratio={(kaMs > 0 ? kadMs / kaMs : double.NaN):F3}"));
        TestContext.Out.WriteLine($"  kad adverts sent in the window: {sent}");
        Assert.That(sent, Is.GreaterThan(Window.TotalMilliseconds / 10 * 0.8));
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/…/stat, after the parenthesised command).</summary>
    private static long CpuTicks(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    [LibraryImport("libc")]
    private static partial int gettid();
}
