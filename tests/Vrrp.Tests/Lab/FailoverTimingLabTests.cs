using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Kad.Testing;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Packets;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// Failover time as the issue defines it: from killing (SIGKILL) or stopping (SIGTERM) a keepalived master to the
/// backup's first gratuitous ARP seen on the bridge, with kad as the backup and with keepalived as the backup, in the
/// same run. Prints BENCH lines. Explicit: about four minutes.
/// </summary>
[TestFixture]
[Category(LabPolicy.Namespace)]
[Explicit("benchmark: about four minutes")]
[NonParallelizable]
public partial class FailoverTimingLabTests
{
    private const int Runs = 5;
    private static readonly IPAddress Vip = IPAddress.Parse("10.77.0.100");

    [SetUp]
    public void RequireLab()
    {
        NamespaceLab.RequireAvailable();
        LabPolicy.RequireTool("keepalived");
    }

    [TestCase("kill", "v2", 9, "1")]
    [TestCase("term", "v2", 15, "1")]
    [TestCase("kill", "v3min", 9, "0.01")]
    [TestCase("term", "v3min", 15, "0.01")]
    public void Failover_KeepalivedMasterSignalled_BackupFirstGarp(string kind, string mode, int signal, string advertInt)
    {
        var kad = new List<double>();
        var reference = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            kad.Add(MeasureOnce(signal, advertInt, kadBackup: true));
            reference.Add(MeasureOnce(signal, advertInt, kadBackup: false));
        }

        var kadMedian = Median(kad);
        var refMedian = Median(reference);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"BENCH vrrp_failover_{kind}_{mode} kad={kadMedian:F1} ref={refMedian:F1} unit=ms ratio={kadMedian / refMedian:F3}"));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  kad runs [{string.Join(' ', kad.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}] max={kad.Max():F1}; keepalived runs [{string.Join(' ', reference.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}] max={reference.Max():F1}"));
        Assert.That(kad, Has.Count.EqualTo(Runs));
    }

    private static double MeasureOnce(int signal, string advertInt, bool kadBackup)
    {
        using var lab = new NamespaceLab();
        var master = lab.AddNamespace("fm");
        var backup = lab.AddNamespace("fb");
        var sniff = lab.AddNamespace("fs");
        lab.Connect(master, "eth0", "10.77.0.2/24");
        lab.Connect(backup, "eth0", "10.77.0.1/24");
        lab.Connect(sniff, "eth0", "10.77.0.9/24");
        using var sniffer = new FrameSniffer(sniff);
        var keepalivedMaster = StartKeepalived(lab, master, 150, advertInt);
        Assert.That(KeepalivedInteropTests.WaitUntil(() => KeepalivedInteropTests.HasVip(lab, master), TimeSpan.FromSeconds(10)), Is.True, keepalivedMaster.Output);

        VrrpInterfaceLoop? loop = null;
        VrrpInstance? instance = null;
        KeepalivedInteropTests.KeepalivedRun? keepalivedBackup = null;
        try
        {
            if (kadBackup)
            {
                var interval = TimeSpan.FromSeconds(double.Parse(advertInt, CultureInfo.InvariantCulture));
                instance = new VrrpInstance(new VrrpInstanceOptions
                {
                    Name = "VI_1",
                    Interface = "eth0",
                    VirtualRouterId = 51,
                    Priority = 100,
                    Version = advertInt == "1" ? VrrpVersion.V2 : VrrpVersion.V3,
                    AdvertisementInterval = interval,
                    VirtualAddresses = [VirtualAddress.Host(Vip)],
                }, TimeProvider.System, new LabAddressPort(backup, background: true));
                loop = KeepalivedInteropTests.StartKad(backup, instance);
            }
            else
            {
                keepalivedBackup = StartKeepalived(lab, backup, 100, advertInt);
            }

            Thread.Sleep(2000);
            Assert.That(KeepalivedInteropTests.WaitUntil(() => !KeepalivedInteropTests.HasVip(lab, backup), TimeSpan.FromSeconds(2)), Is.True, "backup holds no VIP before the failure");
            if (instance is { BecameMaster: > 0 })
            {
                // Under heavy CPU contention a 36 ms master-down interval can expire between two adverts; the run is
                // still measured (the VIP is back on the master by now) but the false takeover is reported.
                TestContext.Out.WriteLine($"  note: kad took over {instance.BecameMaster}× before the failure (load: {File.ReadAllText("/proc/loadavg").Trim()})");
            }

            var backupMac = Convert.FromHexString(lab.ExecChecked(backup, "cat", "/sys/class/net/eth0/address").StandardOutput.Trim().Replace(":", "", StringComparison.Ordinal));

            if (keepalivedBackup is not null && keepalivedBackup.Output.Contains("Entering MASTER STATE", StringComparison.Ordinal))
            {
                TestContext.Out.WriteLine($"  note: keepalived took over before the failure (load: {File.ReadAllText("/proc/loadavg").Trim()})");
            }

            // Signal the master right after one of its adverts reaches the bridge. Left to chance, the kill's phase
            // within the advert interval differs between the two arms (starting keepalived as the backup takes longer
            // than starting kad in-process), and at advert_int 1 that phase alone moves the figure by tens of ms.
            var masterMac = Convert.FromHexString(lab.ExecChecked(master, "cat", "/sys/class/net/eth0/address").StandardOutput.Trim().Replace(":", "", StringComparison.Ordinal));
            var vrrpPid = keepalivedMaster.VrrpPid();
            var advert = sniffer.WaitForNext(f => FrameSniffer.IsIPv4Advert(f) && FrameSniffer.SourceMac(f).SequenceEqual(masterMac), TimeSpan.FromSeconds(5));
            Assert.That(advert, Is.Not.Null, "no advert from the master before the failure");
            // kill(2) directly: spawning kill(1) would add a variable few ms between the timestamp and the signal.
            var start = Stopwatch.GetTimestamp();
            Assert.That(Kill(vrrpPid, signal), Is.Zero, $"kill({vrrpPid}, {signal})");
            if (signal == 9)
            {
                keepalivedMaster.Process.Signal(9);
            }
            long? garp = null;
            KeepalivedInteropTests.WaitUntil(
                () => (garp = sniffer.FirstAfter(start, f => FrameSniffer.IsGratuitousArp(f, Vip) && FrameSniffer.SourceMac(f).SequenceEqual(backupMac))) is not null,
                TimeSpan.FromSeconds(10));
            Assert.That(garp, Is.Not.Null, $"no gratuitous ARP from the backup (kad={kadBackup})");
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(kadBackup ? "kad" : "keepalived")}: signal {Stopwatch.GetElapsedTime(advert!.Value, start).TotalMilliseconds:F2} ms after the master's last advert, first GARP {Stopwatch.GetElapsedTime(start, garp!.Value).TotalMilliseconds:F1} ms after the signal"));
            return Stopwatch.GetElapsedTime(start, garp!.Value).TotalMilliseconds;
        }
        finally
        {
            loop?.Stop(TimeSpan.FromSeconds(5));
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private static KeepalivedInteropTests.KeepalivedRun StartKeepalived(NamespaceLab lab, string ns, int priority, string advertInt)
    {
        var dir = Directory.CreateTempSubdirectory("kad-bench-");
        var config = $$"""
            global_defs {
                router_id bench
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 51
                priority {{priority}}
                advert_int {{advertInt}}
                version {{(advertInt == "1" ? 2 : 3)}}
                virtual_ipaddress {
                    {{Vip}}/32 dev eth0
                }
            }
            """;
        var path = Path.Combine(dir.FullName, "keepalived.conf");
        File.WriteAllText(path, config);
        var process = lab.Start(ns, "keepalived", "-n", "-l", "-D", "--vrrp", "-f", path,
            "-p", Path.Combine(dir.FullName, "keepalived.pid"), "-r", Path.Combine(dir.FullName, "vrrp.pid"));
        return new KeepalivedInteropTests.KeepalivedRun(process, dir.FullName);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
