// Guest, CaseFailedException: tests/Lab.Shared/Guest.cs (linked into both kernel-lab drivers).
global using Kad.Lab;
using System.Diagnostics;
using Kad.Lvs.LabDriver;

namespace Kad.Lab;

/// <summary>The LVS driver's own guest helpers: the IPVS table, busybox httpd real servers, waiting.</summary>
internal static partial class Guest
{
    /// <summary>ipvsadm -Ln (numeric table with weights and connection counts).</summary>
    public static string Table() => Sh("ipvsadm -Ln");

    /// <summary>Starts a busybox httpd (foreground, in the background of a shell) in the real-server namespace; returns its pid.</summary>
    public static int StartHttpd(string endpoint)
    {
        var pid = Sh($"ip netns exec {LabNetwork.Namespace} busybox httpd -f -p {endpoint} -h /tmp/www > /dev/null 2>&1 & echo $!").Trim();
        return int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static void Kill(int pid) => Sh($"kill {pid}; while kill -0 {pid} 2>/dev/null; do sleep 0.1; done");

    /// <summary>Polls <paramref name="condition"/> every 100 ms; returns how long it took, or fails after <paramref name="limit"/>.</summary>
    public static TimeSpan WaitFor(Func<bool> condition, TimeSpan limit, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > limit)
            {
                throw new CaseFailedException($"{what} did not happen within {limit.TotalSeconds} s; table: {OneLine(Table())}");
            }

            Thread.Sleep(100);
        }

        return watch.Elapsed;
    }
}
