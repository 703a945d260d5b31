// bench/daemon/run's driver, inside the kernel lab. Usage: Daemon.LabDriver bench [ROUNDS]
//
//   startup_ready_1000x10    kad: process start -> READY=1 on NOTIFY_SOCKET (kad sends it after its first reconcile,
//                            so the 10,000 destinations are in the kernel by then; checked).
//                            keepalived: process start -> the kernel's table holds all 1,000 services and 10,000
//                            destinations (keepalived has no readiness signal of its own under -n).
//   reload_one_line_1000x10  SIGHUP after changing one real server's weight line -> that weight seen in the kernel
//                            (GET_DEST of the one service, polled every millisecond), for each daemon.
// kad's own log lines for its start and each reload (stage timings) go to stderr beside the figures; kad and
// keepalived rounds alternate. The configuration has no health checkers, so both daemons keep every real server in
// service and the figures are about configuration, planning and netlink, not about probes. Each figure is the median
// of ROUNDS (default 3).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Kad.Netlink.Ipvs;

var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
if (args.Length == 0 || args[0] != "bench")
{
    Console.Error.WriteLine("usage: Daemon.LabDriver bench [ROUNDS]");
    return 2;
}

Directory.CreateDirectory(Bench.Work);
using var ipvs = IpvsClient.Open();
var bench = new Bench(ipvs);
var kadStart = new List<double>();
var kadReload = new List<double>();
var refStart = new List<double>();
var refReload = new List<double>();

// kad and keepalived rounds alternate, so both see the same share of a busy host over the run.
for (var round = 0; round < rounds; round++)
{
    ipvs.Flush();
    Bench.WriteConfig(weight: 1);
    using (var kad = bench.StartKad(out var ready))
    {
        kadStart.Add(ready);
        bench.CheckComplete("kad");
        // kad's own account of its start, stage by stage.
        var startedLine = Bench.KadLog("Started with", kadStart.Count);
        Console.Error.WriteLine("kad " + startedLine);
        Console.Error.WriteLine("kad " + Bench.StartSplit(startedLine, bench.KadLaunched, ready));
        var jitSeen = 0;
        if (Bench.JitMethods(ref jitSeen) is { } startJit)
        {
            Console.Error.WriteLine("kad JIT up to READY=1: " + startJit[..startJit.IndexOf(':', StringComparison.Ordinal)]);
        }

        var weight = 1u;
        for (var r = 0; r < rounds; r++)
        {
            weight = weight == 1 ? 2u : 1u;
            kadReload.Add(bench.Reload(kad, weight));
            // ... and of each reload (logged once READY=1 is sent, after the kernel shows the change).
            Console.Error.WriteLine("kad " + Bench.KadLog("Reload applied", kadReload.Count));
            if (Bench.JitMethods(ref jitSeen) is { } reloadJit)
            {
                Console.Error.WriteLine("kad JIT since (rehearsal included): " + reloadJit);
            }
        }

        Bench.Stop(kad);
        Console.Error.WriteLine(Bench.Invariant($"kad round {round}: ready {ready:F0} ms, reloads {string.Join(" ", kadReload.TakeLast(rounds).Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))} ms, driver poll every {string.Join(" ", bench.PollPeriods.TakeLast(rounds).Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} ms"));
    }

    ipvs.Flush();
    Bench.WriteConfig(weight: 1);
    using (var keepalived = bench.StartKeepalived(out var complete))
    {
        refStart.Add(complete);
        var weight = 1u;
        for (var r = 0; r < rounds; r++)
        {
            weight = weight == 1 ? 2u : 1u;
            refReload.Add(bench.Reload(keepalived, weight));
        }

        Bench.Stop(keepalived);
        Console.Error.WriteLine(Bench.Invariant($"keepalived round {round}: table complete {complete:F0} ms, reloads {string.Join(" ", refReload.TakeLast(rounds).Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))} ms, driver poll every {string.Join(" ", bench.PollPeriods.TakeLast(rounds).Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} ms"));
    }
}

// Where a kad reload's time goes, stage by stage, in this process on the same file and the table kad left (warm).
ipvs.Flush();
Bench.WriteConfig(weight: 1);
Stages.Run(ipvs, rounds);
ipvs.Flush();
Bench.Line("startup_ready_1000x10", Bench.Median(kadStart), Bench.Median(refStart));
Bench.Line("reload_one_line_1000x10", Bench.Median(kadReload), Bench.Median(refReload));
return 0;

/// <summary>
/// The stages of kad's reload timed one by one with the daemon's own code, as DaemonController and
/// LvsService.ReloadAsync do them: read the file and load it incrementally (IncrementalConfigLoader), map it to the
/// LVS model reusing unchanged virtual servers (LvsModelMapper), switch the planner's model (which names the changed virtual
/// servers), read their services from the kernel, plan them, diff, apply the one operation. A whole-table dump is
/// timed too, for comparison (a reload no longer does one).
/// </summary>
internal static class Stages
{
    public static void Run(IpvsClient ipvs, int rounds)
    {
        var table = new Kad.Daemon.Lvs.NetlinkIpvsTable(ipvs);
        var loader = new Kad.Config.IncrementalConfigLoader();
        var mapper = new Kad.Daemon.Lvs.LvsModelMapper();
        var first = mapper.Map(loader.LoadUtf8(File.ReadAllBytes(Bench.ConfigPath), Bench.ConfigPath).Config);
        var planner = new Kad.Daemon.Lvs.LvsPlanner();
        planner.SetModel(first);
        var empty = table.Read();
        var firstOperations = Kad.Daemon.Lvs.IpvsDiff.Compute(planner.Plan(_ => null, empty, DateTimeOffset.UtcNow).Desired, empty);
        table.Apply(firstOperations);
        var known = empty.With(firstOperations);
        var times = new Dictionary<string, List<double>>();
        var weight = 1u;
        for (var round = 0; round < rounds + 1; round++)
        {
            weight = weight == 1 ? 2u : 1u;
            Bench.WriteConfig(weight);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var loaded = loader.LoadUtf8(File.ReadAllBytes(Bench.ConfigPath), Bench.ConfigPath);
            if (!loader.LastWasIncremental)
            {
                throw new InvalidOperationException("a one-line change should load incrementally: " + loader.LastLoad);
            }

            Record(times, "read+validate", clock, round);
            var model = mapper.Map(loaded.Config);
            Record(times, "map", clock, round);
            var changed = planner.SetModel(model);
            Record(times, "planner.SetModel", clock, round);
            var scope = planner.PartialScope(changed, known.Services.Count) ?? throw new InvalidOperationException("a one-line change should not need a full pass");
            var actual = known;
            foreach (var key in scope)
            {
                actual = actual.WithService(key, table.ReadService(key));
            }

            Record(times, $"read {scope.Count} service(s)", clock, round);
            var plan = planner.Plan(_ => null, actual, DateTimeOffset.UtcNow, changed);
            Record(times, "plan", clock, round);
            var operations = Kad.Daemon.Lvs.IpvsDiff.Compute(plan.Desired, actual);
            Record(times, "diff", clock, round);
            // What NetlinkIpvsTable.Apply sends, called directly for its datagram count.
            var sent = ipvs.ApplyBatch(operations);
            Record(times, "apply", clock, round);
            known = actual.With(operations);
            if (operations.Count != 1 || operations[0].Name != "IPVS SET_DEST" || sent.Datagrams != 1 || !sent.AllSucceeded)
            {
                throw new InvalidOperationException($"a one-line change should be one SET_DEST in one datagram: {string.Join(", ", operations.Select(o => o.Name))} in {sent.Datagrams}");
            }

            _ = table.Read();
            Record(times, "(whole-table dump, for comparison)", clock, round);
        }

        Console.Error.WriteLine("kad reload stages (median ms, in-process, warm; the edit was one SET_DEST in one netlink datagram each time): " +
            string.Join(", ", times.Select(t => Bench.Invariant($"{t.Key} {Bench.Median(t.Value):F1}"))));
    }

    /// <summary>Round 0 is the warm-up (JIT) and is not kept.</summary>
    private static void Record(Dictionary<string, List<double>> times, string stage, System.Diagnostics.Stopwatch clock, int round)
    {
        if (round > 0)
        {
            if (!times.TryGetValue(stage, out var list))
            {
                times[stage] = list = [];
            }

            list.Add(clock.Elapsed.TotalMilliseconds);
        }

        clock.Restart();
    }
}

/// <summary>The measurements; the configuration and the processes under test.</summary>
internal sealed partial class Bench(IpvsClient ipvs)
{
    public const string Work = "/tmp/kad-bench";
    public const int Services = 1000;
    public const int RealServers = 10;
    public const string ConfigPath = Work + "/keepalived.conf";
    private const string Config = ConfigPath;
    private const string NotifySocket = Work + "/notify.sock";

    /// <summary>The service and real server whose weight line the reload changes (in the middle of the file).</summary>
    private const int ChangedService = 500;
    private const int ChangedRealServer = 5;

    // asm-generic/signal.h
    private const int SIGHUP = 1;
    private const int SIGTERM = 15;

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static IPAddress VirtualAddress(int service) => IPAddress.Parse(Invariant($"10.100.{service / 250}.{(service % 250) + 1}"));

    public static IPAddress RealAddress(int service, int server) => IPAddress.Parse(Invariant($"10.200.{service / 25}.{((service % 25) * RealServers) + server + 1}"));

    /// <summary>1,000 NAT virtual servers x 10 real servers; <paramref name="weight"/> is the changed real server's.</summary>
    public static void WriteConfig(uint weight)
    {
        var text = new StringBuilder("global_defs {\n    router_id kad_bench\n}\n");
        for (var s = 0; s < Services; s++)
        {
            text.Append(Invariant($"virtual_server {VirtualAddress(s)} 80 {{\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n"));
            for (var r = 0; r < RealServers; r++)
            {
                var w = s == ChangedService && r == ChangedRealServer ? weight : 1;
                text.Append(Invariant($"    real_server {RealAddress(s, r)} 80 {{\n        weight {w}\n    }}\n"));
            }

            text.Append("}\n");
        }

        // Written beside and renamed, so a daemon never reads half a file.
        File.WriteAllText(Config + ".new", text.ToString());
        File.Move(Config + ".new", Config, overwrite: true);
    }

    /// <summary>Starts kad with a fake NOTIFY_SOCKET; <paramref name="readyMs"/> is start -> READY=1.</summary>
    public Process StartKad(out double readyMs)
    {
        File.Delete(NotifySocket);
        // Stays bound while kad runs, as systemd's is: without a listener each later notification (RELOADING=1,
        // READY=1) fails in kad, and the first failure cost its first reload 90-210 ms of exception handling.
        _notify?.Dispose();
        var notify = _notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(NotifySocket));
        notify.ReceiveTimeout = (int)Limit.TotalMilliseconds;
        var info = Info("/usr/sbin/kad", "-n", "-l", "-f", Config, "--status-socket", Work + "/kad.sock");
        info.Environment["NOTIFY_SOCKET"] = NotifySocket;
        if (Environment.GetEnvironmentVariable("KAD_BENCH_JIT") == "1")
        {
            // The runtime's list of the methods it compiles (JIT, not ReadyToRun code), for kad alone: which ones a
            // reload compiles is printed after each (JitMethods).
            File.Delete(JitLog);
            info.Environment["DOTNET_JitStdOutFile"] = JitLog;
            info.Environment["DOTNET_JitDisasmSummary"] = "1";
        }

        var started = Stopwatch.GetTimestamp();
        KadLaunched = DateTime.Now;
        var process = Start(info, "kad");
        var buffer = new byte[4096];
        while (true)
        {
            var length = notify.Receive(buffer);
            if (Encoding.UTF8.GetString(buffer, 0, length).Split('\n').Contains("READY=1"))
            {
                readyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                return process;
            }
        }
    }

    /// <summary>kad's NOTIFY_SOCKET, bound from its start until the next start (datagrams after READY=1 are left unread).</summary>
    private Socket? _notify;

    /// <summary>When the last kad was started (local time, as kad's log stamps its lines).</summary>
    public DateTime KadLaunched { get; private set; }

    /// <summary>
    /// Where kad's start → READY=1 went: until its controller began (process and runtime start, host built), the
    /// controller's start (its "Started with … in N ms" line: load, halves), and from there to READY=1.
    /// </summary>
    public static string StartSplit(string startedLine, DateTime launched, double readyMs)
    {
        var match = StartedLine().Match(startedLine);
        if (!match.Success)
        {
            return "start split: no Started line";
        }

        var logged = DateTime.ParseExact(match.Groups["stamp"].Value, "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var controller = double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture);
        var before = (logged - launched).TotalMilliseconds - controller;
        return Invariant($"start split: {before:F0} ms before the controller's start (process, runtime, host), {controller:F0} ms the controller's start, {readyMs - before - controller:F0} ms from its end to READY=1");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<stamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) .* in (?<ms>\d+) ms \(")]
    private static partial System.Text.RegularExpressions.Regex StartedLine();

    /// <summary>With KAD_BENCH_JIT=1: where kad's list of compiled methods goes.</summary>
    public const string JitLog = Work + "/kad-jit.txt";

    /// <summary>The methods kad compiled since the last call (with KAD_BENCH_JIT=1), one summary line; null otherwise.</summary>
    public static string? JitMethods(ref int seen)
    {
        if (!File.Exists(JitLog))
        {
            return null;
        }

        var lines = File.ReadAllLines(JitLog);
        var fresh = lines.Skip(seen).ToList();
        seen = lines.Length;
        return Invariant($"{fresh.Count} method(s) compiled: ") + string.Join(" | ", fresh.Select(l => l.Trim()));
    }

    /// <summary>The <paramref name="nth"/> line of kad's log (all rounds) containing <paramref name="marker"/>; waits up to 60 s for it.</summary>
    public static string KadLog(string marker, int nth)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(Work, "kad.log"));
            }
            catch (IOException)
            {
                lines = [];
            }

            var found = lines.Where(l => l.Contains(marker, StringComparison.Ordinal)).ToList();
            if (found.Count >= nth)
            {
                return found[nth - 1].Trim();
            }

            Thread.Sleep(50);
        }

        return $"no log line '{marker}' #{nth} within 60 s";
    }

    /// <summary>Starts keepalived; <paramref name="completeMs"/> is start -> every service and destination in the kernel.</summary>
    public Process StartKeepalived(out double completeMs)
    {
        var info = Info("/usr/sbin/keepalived", "-n", "-l", "-f", Config, "-p", Work + "/k.pid", "-c", Work + "/c.pid", "-r", Work + "/v.pid");
        var started = Stopwatch.GetTimestamp();
        var process = Start(info, "keepalived");
        var last = Key(Services - 1);
        while (true)
        {
            // The last virtual server's destinations are added last; then confirm the whole table once.
            if (Count(last) == RealServers && CountAll() == (Services, Services * RealServers))
            {
                completeMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                return process;
            }

            Expire(started, "keepalived's table to be complete");
            Thread.Sleep(1);
        }
    }

    /// <summary>One-line change, SIGHUP, and the time until the kernel shows the new weight.</summary>
    public double Reload(Process daemon, uint weight)
    {
        WriteConfig(weight);
        var key = Key(ChangedService);
        var destination = RealAddress(ChangedService, ChangedRealServer);

        // One poll before the signal, so the first measured poll is not the driver's first call of that code (in
        // the first round it was: 172 ms between two polls).
        _ = ipvs.GetDestinations(key);
        var started = Stopwatch.GetTimestamp();
        Check(Kill(daemon.Id, SIGHUP), "kill -HUP");
        var polls = 1;
        while (ipvs.GetDestinations(key).FirstOrDefault(d => d.Destination.Address.Equals(destination))?.Destination.Weight != weight)
        {
            Expire(started, $"weight {weight} on {destination}");
            Thread.Sleep(1);
            polls++;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        // The detection latency is at most one poll period, the same loop for both daemons: reported to show it is small.
        PollPeriods.Add(elapsed / polls);
        return elapsed;
    }

    /// <summary>Each reload's mean time between two polls of the changed destination (the detection latency's bound).</summary>
    public List<double> PollPeriods { get; } = [];

    public void CheckComplete(string who)
    {
        var (services, destinations) = CountAll();
        if ((services, destinations) != (Services, Services * RealServers))
        {
            throw new InvalidOperationException($"{who}: {services} services, {destinations} destinations in the kernel");
        }
    }

    public static void Stop(Process process)
    {
        _ = Kill(process.Id, SIGTERM);
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static void Line(string name, double kad, double reference) =>
        Console.WriteLine(Invariant($"BENCH {name} kad={kad:F1} ref={reference:F1} unit=ms ratio={kad / reference:F3}"));

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static IpvsServiceKey Key(int service) => IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, VirtualAddress(service), 80);

    private int Count(IpvsServiceKey key)
    {
        try
        {
            return ipvs.GetDestinations(key).Count;
        }
        catch (Kad.Netlink.Protocol.NetlinkException)
        {
            return 0; // not there yet
        }
    }

    private (int Services, int Destinations) CountAll()
    {
        var table = ipvs.GetTable();
        return (table.Count, table.Sum(s => s.Destinations.Count));
    }

    private static ProcessStartInfo Info(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>Starts a daemon, its output drained to a log file (a full pipe would block it).</summary>
    private static Process Start(ProcessStartInfo info, string name)
    {
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {name}");
        var log = new StreamWriter(Path.Combine(Work, name + ".log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Expire(long started, string what)
    {
        if (Stopwatch.GetElapsedTime(started) > Limit)
        {
            throw new TimeoutException($"gave up waiting for {what}");
        }
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{what} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
