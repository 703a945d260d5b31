using System.Diagnostics;
using Kad.Config;
using Kad.Daemon.Lvs;
using Kad.Lvs.LabDriver;
using Kad.Netlink.Ipvs;
using Microsoft.Extensions.Logging;

// Lvs.LabDriver   runs every case in order (they share one topology and one LvsService) and prints one
// "CASE <name> PASS|FAIL <why>" line per case, then "DONE <n> failed".
// Lvs.LabDriver listen PORT FILE   a counting listener for bench/checkers (see AcceptCounter).
if (args is ["listen", var port, var countFile])
{
    return await AcceptCounter.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture), countFile);
}

const string Config = """
    global_defs {
      router_id lab
    }
    virtual_server 10.9.0.1 80 {
      delay_loop 1
      lb_algo rr
      lb_kind NAT
      protocol TCP
      real_server 10.20.0.11 8080 {
        weight 1
        TCP_CHECK {
          connect_timeout 1
          retry 0
        }
      }
      real_server 10.20.0.12 8080 {
        weight 1
        TCP_CHECK {
          connect_timeout 1
          retry 0
        }
      }
    }
    virtual_server 10.9.0.3 80 {
      delay_loop 1
      lb_algo rr
      lb_kind NAT
      protocol TCP
      inhibit_on_failure
      real_server 10.20.0.12 8080 {
        weight 2
        TCP_CHECK {
          connect_timeout 1
          retry 0
        }
      }
    }
    """;

var loggers = new ConsoleLoggerFactory();
var failed = 0;
using var client = IpvsClient.Open();
var table = new RecordingTable(new NetlinkIpvsTable(client));
var service = new LvsService(table, new LvsServiceOptions { ResyncInterval = TimeSpan.FromSeconds(2) }, loggerFactory: loggers);
var httpd = new Dictionary<string, int>();
string? establishedBefore = null;

void Case(string name, Action body)
{
    var watch = Stopwatch.StartNew();
    try
    {
        body();
        Console.WriteLine($"CASE {name} PASS ({watch.ElapsedMilliseconds} ms)");
    }
    catch (Exception e)
    {
        failed++;
        Console.WriteLine($"CASE {name} FAIL {Guest.OneLine(e is CaseFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}")}");
    }
}

Case("adopt_existing_entries_untouched", () =>
{
    LabNetwork.Build();
    httpd["10.20.0.11:8080"] = Guest.StartHttpd("10.20.0.11:8080");
    httpd["10.20.0.12:8080"] = Guest.StartHttpd("10.20.0.12:8080");
    // The kernel already has: our service with one of our real servers, a foreign real server in it, and a
    // foreign service. A client connection is open through the VIP (the foreign destination has weight 0 so the
    // connection lands on our real server, which exists).
    Guest.Sh("ipvsadm -A -t 10.9.0.1:80 -s rr && ipvsadm -a -t 10.9.0.1:80 -r 10.20.0.11:8080 -m -w 1 && ipvsadm -a -t 10.9.0.1:80 -r 10.20.0.99:8080 -m -w 0");
    Guest.Sh("ipvsadm -A -t 10.9.0.2:80 -s wlc && ipvsadm -a -t 10.9.0.2:80 -r 10.20.0.50:80 -m");
    Guest.WaitFor(() => Guest.Succeeds("busybox wget -q -O - http://10.20.0.11:8080/"), TimeSpan.FromSeconds(20), "httpd up");
    // Every descriptor of the background job is redirected, or the shell's output pipe stays open until it ends.
    Guest.Sh("((printf 'GET / HTTP/1.0\\r\\n'; sleep 120) | busybox nc 10.9.0.1 80) > /dev/null 2>&1 < /dev/null &");
    Guest.WaitFor(() => Established() is not null, TimeSpan.FromSeconds(5), "a connection through the VIP");
    establishedBefore = Established();
    var activeBefore = Destinations("TCP  10.9.0.1:80")["10.20.0.11:8080"].Active;

    var loaded = KeepalivedConfigLoader.LoadText(Config);
    Guest.Check(!loaded.HasErrors, "config errors: " + string.Join("; ", loaded.Errors));
    service.StartAsync(LvsConfigMapper.Map(loaded.Config), CancellationToken.None).GetAwaiter().GetResult();

    var touched = table.Applied.Where(o => o.ToString()!.Contains("10.20.0.11", StringComparison.Ordinal) || o.ToString()!.Contains("10.20.0.99", StringComparison.Ordinal) ||
        o is IpvsOperation.UpdateService or IpvsOperation.DeleteService or IpvsOperation.DeleteDestination).ToList();
    Guest.Check(touched.Count == 0, "start touched existing entries: " + string.Join("; ", touched.Select(o => $"{o.Name} {o}")));
    Guest.Check(table.Applied.Count == 3, $"expected 3 operations (add .12 to 10.9.0.1, add 10.9.0.3 and its .12), got {string.Join("; ", table.Applied.Select(o => $"{o.Name} {o}"))}");
    var web = Destinations("TCP  10.9.0.1:80");
    Guest.Check(web.ContainsKey("10.20.0.12:8080") && web.ContainsKey("10.20.0.99:8080"), "10.9.0.1 lacks .12 or lost the foreign .99: " + Guest.OneLine(Guest.Table()));
    Guest.Check(web["10.20.0.11:8080"].Active == activeBefore && activeBefore >= 1, $"active connections of .11 changed: {activeBefore} -> {web["10.20.0.11:8080"].Active}");
    Guest.Check(Established() == establishedBefore, $"the open connection changed: '{establishedBefore}' -> '{Established()}'");
    Guest.Check(Destinations("TCP  10.9.0.2:80").ContainsKey("10.20.0.50:80"), "the foreign service was touched");
});

Case("drift_made_with_ipvsadm_repaired", () =>
{
    var passes = service.Passes;
    Guest.Sh("ipvsadm -d -t 10.9.0.1:80 -r 10.20.0.12:8080 && ipvsadm -e -t 10.9.0.1:80 -r 10.20.0.11:8080 -m -w 9 && ipvsadm -E -t 10.9.0.1:80 -s wlc");
    var took = Guest.WaitFor(
        () =>
        {
            var web = Destinations("TCP  10.9.0.1:80");
            return Guest.Table().Contains("TCP  10.9.0.1:80 rr", StringComparison.Ordinal) && web.TryGetValue("10.20.0.12:8080", out var rs2) && rs2.Weight == 1 && web["10.20.0.11:8080"].Weight == 1;
        },
        TimeSpan.FromSeconds(8),
        "drift repair");
    Guest.Check(service.Passes > passes, "no reconcile pass ran");
    Guest.Check(Established() == establishedBefore, $"the open connection changed while repairing: '{Established()}'");
    Console.WriteLine($"INFO drift repaired after {took.TotalMilliseconds:F0} ms (resync every 2 s)");
});

Case("listener_stopped_leaves_or_weight0_then_returns", () =>
{
    var stopped = Stopwatch.StartNew();
    Guest.Kill(httpd["10.20.0.12:8080"]);
    // delay_loop 1 + connect_timeout 1, retry 0: well within 6 s.
    Guest.WaitFor(
        () => !Destinations("TCP  10.9.0.1:80").ContainsKey("10.20.0.12:8080") && Destinations("TCP  10.9.0.3:80").TryGetValue("10.20.0.12:8080", out var d) && d.Weight == 0,
        TimeSpan.FromSeconds(6),
        "removal from 10.9.0.1 and weight 0 in 10.9.0.3 (inhibit_on_failure)");
    Console.WriteLine($"INFO real server left IPVS {stopped.ElapsedMilliseconds} ms after its listener died");
    for (var i = 0; i < 4; i++)
    {
        Guest.Check(Guest.Succeeds("busybox wget -q -O - http://10.9.0.1/"), "traffic through the VIP failed with one healthy real server");
    }

    var restarted = Stopwatch.StartNew();
    httpd["10.20.0.12:8080"] = Guest.StartHttpd("10.20.0.12:8080");
    Guest.WaitFor(
        () => Destinations("TCP  10.9.0.1:80").TryGetValue("10.20.0.12:8080", out var a) && a.Weight == 1 && Destinations("TCP  10.9.0.3:80").TryGetValue("10.20.0.12:8080", out var b) && b.Weight == 2,
        TimeSpan.FromSeconds(6),
        "return of .12 with its weights");
    Console.WriteLine($"INFO real server returned {restarted.ElapsedMilliseconds} ms after its listener restarted");
});

Case("ha_suspend_follows_host_addresses", () =>
{
    // A second reconciler with one ha_suspend virtual server whose address (10.9.0.5) the host does not have yet:
    // its checkers stay suspended until the address is added on lo, and are suspended again once it is removed,
    // all learnt from rtnetlink address events (LocalAddressWatcher), as kad's LvsHalf wires it.
    const string suspendConfig = """
        virtual_server 10.9.0.5 80 {
          delay_loop 1
          lb_kind NAT
          ha_suspend
          real_server 10.20.0.11 8080 {
            TCP_CHECK {
              connect_timeout 1
            }
          }
        }
        """;
    var loaded = KeepalivedConfigLoader.LoadText(suspendConfig);
    Guest.Check(!loaded.HasErrors, "config errors: " + string.Join("; ", loaded.Errors));
    var suspendService = new LvsService(new NetlinkIpvsTable(client), loggerFactory: loggers);
    var watcher = new LocalAddressWatcher(loggers.CreateLogger<LocalAddressWatcher>());
    try
    {
        watcher.Start(suspendService.SetVrrpState);
        suspendService.StartAsync(LvsConfigMapper.Map(loaded.Config), CancellationToken.None).GetAwaiter().GetResult();
        bool Suspended() => suspendService.GetStatus().VirtualServers.Single().RealServers.Single().Suspended;
        Guest.Check(Suspended(), "checkers ran although 10.9.0.5 is not on this host");
        Guest.Sh("ip addr add 10.9.0.5/32 dev lo");
        var resumed = Guest.WaitFor(() => !Suspended(), TimeSpan.FromSeconds(10), "resume after the address was added");
        Guest.Sh("ip addr del 10.9.0.5/32 dev lo");
        var suspended = Guest.WaitFor(Suspended, TimeSpan.FromSeconds(10), "suspension after the address was removed");
        Console.WriteLine($"INFO ha_suspend resumed {resumed.TotalMilliseconds:F0} ms after the address appeared, suspended {suspended.TotalMilliseconds:F0} ms after it went");
    }
    finally
    {
        suspendService.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        suspendService.DisposeAsync().AsTask().GetAwaiter().GetResult();
        watcher.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
});

Case("stop_removes_configured_services_only", () =>
{
    service.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
    var text = Guest.Table();
    Guest.Check(!text.Contains("10.9.0.1:80", StringComparison.Ordinal) && !text.Contains("10.9.0.3:80", StringComparison.Ordinal), "configured services survived stop: " + Guest.OneLine(text));
    Guest.Check(text.Contains("10.9.0.2:80", StringComparison.Ordinal), "the foreign service was removed on stop");
});

foreach (var pid in httpd.Values)
{
    Guest.Run("/bin/kill", [pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
}

await service.DisposeAsync();
Console.WriteLine($"DONE {failed} failed");
return failed == 0 ? 0 : 1;

// The ESTABLISHED connection entry through the VIP, as ipvsadm -Lnc prints it (source port identifies it).
static string? Established() => Guest.Sh("ipvsadm -Lnc").Split('\n').Select(l => l.Trim()).Where(l => l.Contains("ESTABLISHED", StringComparison.Ordinal))
    .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2))).FirstOrDefault();

// Destinations of one service in ipvsadm -Ln: endpoint -> (weight, active connections).
static Dictionary<string, (int Weight, int Active)> Destinations(string serviceLine)
{
    var result = new Dictionary<string, (int, int)>();
    var inService = false;
    foreach (var line in Guest.Table().Split('\n'))
    {
        if (!line.StartsWith("  ->", StringComparison.Ordinal))
        {
            inService = line.StartsWith(serviceLine + " ", StringComparison.Ordinal);
            continue;
        }

        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (inService && fields.Length >= 6 && fields[1] != "RemoteAddress:Port")
        {
            result[fields[1]] = (int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    return result;
}

/// <summary>Passes operations through to the kernel and remembers them, so a case can say what kad sent.</summary>
internal sealed class RecordingTable(IIpvsTable inner) : IIpvsTable
{
    public List<IpvsOperation> Applied { get; } = [];

    public ActualTable Read() => inner.Read();

    public IReadOnlyList<LvsOperationFailure> Apply(IReadOnlyList<IpvsOperation> operations)
    {
        lock (Applied)
        {
            Applied.AddRange(operations);
        }

        return inner.Apply(operations);
    }

    public void Flush() => inner.Flush();

    public void SetTimeouts(IpvsTimeouts timeouts) => inner.SetTimeouts(timeouts);
}
