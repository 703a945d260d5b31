using System.Diagnostics;
using System.Globalization;
using Kad.Netlink.Ipvs;
using static Kad.Netlink.LabDriver.Guest;

namespace Kad.Netlink.LabDriver;

/// <summary>
/// ipvs_apply_10k: 100 services × 100 destinations from an empty table, our batched client vs `ipvsadm -R`.
/// ipvs_dump_10k: a full dump of that table, our client vs `ipvsadm -S -n`. Medians of several rounds, in ms.
/// Our figures are measured inside this process (after warm-up rounds, so without .NET start-up and JIT);
/// ipvsadm's include its process start, which is small for a C program.
/// </summary>
internal static class Bench
{
    private const int Services = 100;
    private const int Destinations = 100;

    public static int Run(int rounds)
    {
        using var client = IpvsClient.Open();
        var operations = RuleSet.Operations(Services, Destinations);
        var rules = "/tmp/ipvs-10k.rules";
        File.WriteAllText(rules, RuleSet.IpvsadmRestore(Services, Destinations));

        // Warm-up: run the apply and dump paths on a 2,000-destination table twice and give tiered JIT time to
        // finish, so the timed rounds measure steady state, as in a long-running daemon.
        for (var warmUp = 0; warmUp < 2; warmUp++)
        {
            client.Flush();
            client.ApplyBatch(RuleSet.Operations(20, 100));
            client.GetTable();
        }

        client.Flush();
        Thread.Sleep(1000);

        var ours = new List<double>();
        var theirs = new List<double>();
        var oursDump = new List<double>();
        var theirsDump = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            client.Flush();
            var watch = Stopwatch.StartNew();
            var result = client.ApplyBatch(operations);
            ours.Add(watch.Elapsed.TotalMilliseconds);
            Check(result.AllSucceeded, $"our apply failed {result.Failures.Count} operations");

            watch.Restart();
            var table = client.GetTable();
            oursDump.Add(watch.Elapsed.TotalMilliseconds);
            Check(table.Sum(t => t.Destinations.Count) == Services * Destinations, "our dump is incomplete");

            watch.Restart();
            var (saveCode, save) = Guest.Run("/bin/sh", ["-c", "/usr/sbin/ipvsadm -S -n > /tmp/ipvs-save.out; echo $(wc -l < /tmp/ipvs-save.out)"]);
            theirsDump.Add(watch.Elapsed.TotalMilliseconds);
            Check(saveCode == 0 && save.Trim() == (Services * (Destinations + 1)).ToString(CultureInfo.InvariantCulture), $"ipvsadm -S -n gave {save.Trim()} lines");

            client.Flush();
            watch.Restart();
            var (code, output) = Guest.Run("/usr/sbin/ipvsadm", ["-R"], rules);
            theirs.Add(watch.Elapsed.TotalMilliseconds);
            Check(code == 0, $"ipvsadm -R failed: {OneLine(output)}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"INFO round {round + 1}: apply kad {ours[^1]:0} ms ({result.Datagrams} datagrams) ipvsadm -R {theirs[^1]:0} ms; dump kad {oursDump[^1]:0} ms ipvsadm -S -n {theirsDump[^1]:0} ms"));
        }

        client.Flush();
        Print("ipvs_apply_10k", Median(ours), Median(theirs));
        Print("ipvs_dump_10k", Median(oursDump), Median(theirsDump));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static void Print(string name, double kad, double reference) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH {name} kad={kad:0.0} ref={reference:0.0} unit=ms ratio={kad / reference:0.000}"));
}
