using System.Diagnostics;
using Kad.Netlink.Ipvs;
using Kad.Netlink.LabDriver;
using Kad.Netlink.Route;

// Netlink.LabDriver cases [NAME...]   one "CASE <name> PASS|FAIL <why>" line per case (all cases, or the named ones)
// Netlink.LabDriver bench [ROUNDS]    "BENCH ipvs_apply_10k ..." and "BENCH ipvs_dump_10k ..." lines
var mode = args.Length > 0 ? args[0] : "cases";
if (mode == "bench")
{
    return Bench.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3);
}

var wanted = args.Skip(1).ToHashSet();
var cases = new Dictionary<string, Action>();
IpvsClient? ipvs = null;
RtnetlinkClient? route = null;
string? openFailure = null;
try
{
    ipvs = IpvsClient.Open();
    route = RtnetlinkClient.Open();
    foreach (var (name, body) in new IpvsCases(ipvs).Build().Concat(new RouteCases(route).Build()))
    {
        cases[name] = body;
    }
}
catch (Exception e)
{
    openFailure = $"opening netlink failed: {e.GetType().Name}: {e.Message}";
}

var failed = 0;
foreach (var name in LabCaseNames.All.Where(n => wanted.Count == 0 || wanted.Contains(n)))
{
    var watch = Stopwatch.StartNew();
    string? why;
    if (openFailure is not null)
    {
        why = openFailure;
    }
    else if (!cases.TryGetValue(name, out var body))
    {
        why = "the driver has no such case";
    }
    else
    {
        try
        {
            body();
            why = null;
        }
        catch (CaseFailedException e)
        {
            why = e.Message;
        }
        catch (Exception e)
        {
            why = $"{e.GetType().Name}: {e.Message}";
        }
    }

    if (why is null)
    {
        Console.WriteLine($"CASE {name} PASS ({watch.ElapsedMilliseconds} ms)");
    }
    else
    {
        failed++;
        Console.WriteLine($"CASE {name} FAIL {Guest.OneLine(why)}");
    }
}

ipvs?.Dispose();
route?.Dispose();
Console.WriteLine($"DONE {failed} failed");
return failed == 0 ? 0 : 1;
