// Host harness for the checker benchmarks (no IPVS, no kernel lab). Usage:
//   CheckerHost checks PORT COUNT_FILE [SERVERS] [WARMUP_S] [WINDOW_S]
//       the real HealthMonitor with SERVERS TCP_CHECKs (delay_loop 1, connect_timeout 1) against 127.0.x.y:PORT,
//       where a native listener counts accepted connections in COUNT_FILE; prints CPU, GC and allocation per check.
//   CheckerHost start PORT [SERVERS] [WINDOW_S]
//       the real LvsService (in-memory IPVS table, real checkers) on the same configuration: how long until every
//       destination is in the table, and how many reconcile passes and table reads the checkers' events cost.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Kad.Checkers;
using Kad.Checkers.Scheduling;
using Kad.Config;
using Kad.Daemon.Lvs;
using Kad.Daemon.Tests.Lvs;

var inv = CultureInfo.InvariantCulture;
switch (args)
{
    case ["checks", var port, var countFile, .. var rest]:
        return await ChecksAsync(int.Parse(port, inv), countFile, Arg(rest, 0, 1000), Arg(rest, 1, 5), Arg(rest, 2, 20));
    case ["start", var port, .. var rest]:
        return await StartAsync(int.Parse(port, inv), Arg(rest, 0, 1000), Arg(rest, 1, 10));
    default:
        Console.Error.WriteLine("usage: CheckerHost checks PORT COUNT_FILE [SERVERS] [WARMUP_S] [WINDOW_S] | start PORT [SERVERS] [WINDOW_S]");
        return 2;
}

static int Arg(string[] rest, int index, int fallback) => rest.Length > index ? int.Parse(rest[index], CultureInfo.InvariantCulture) : fallback;

static IPAddress ServerAddress(int i) => new([127, 30, (byte)(i / 250), (byte)((i % 250) + 1)]);

static async Task<int> ChecksAsync(int port, string countFile, int servers, int warmup, int window)
{
    var checks = Enumerable.Range(0, servers).Select(i => new RealServerChecks(
        new RealServerKey("bench", ServerAddress(i), port),
        1,
        [new TcpCheckOptions { DelayLoop = TimeSpan.FromSeconds(1), ConnectTimeout = TimeSpan.FromSeconds(1) }])).ToList();
    await using var monitor = new HealthMonitor(checks);
    var transitions = 0;
    var drain = Task.Run(async () =>
    {
        await foreach (var _ in monitor.Events.ReadAllAsync())
        {
            transitions++;
        }
    });
    monitor.Start();
    await Task.Delay(TimeSpan.FromSeconds(warmup));

    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpu0 = process.TotalProcessorTime;
    var alloc0 = GC.GetTotalAllocatedBytes(precise: false);
    var gc0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    var accepted0 = ReadCount(countFile);
    var wall = Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(window));
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
    var seconds = wall.Elapsed.TotalSeconds;
    var alloc = GC.GetTotalAllocatedBytes(precise: false) - alloc0;
    var done = ReadCount(countFile) - accepted0;
    var gc = (GC.CollectionCount(0) - gc0.Item1, GC.CollectionCount(1) - gc0.Item2, GC.CollectionCount(2) - gc0.Item3);
    var down = monitor.Snapshot().Count(s => s.Health != Health.Up);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"HOST checks servers={servers} window_s={seconds:0.0} checks={done} checks_per_s={done / seconds:0.0} cpu_ms_per_s={cpu / seconds:0.0} cpu_us_per_check={cpu * 1000 / Math.Max(done, 1):0.0} alloc_bytes_per_check={alloc / (double)Math.Max(done, 1):0} gc0={gc.Item1} gc1={gc.Item2} gc2={gc.Item3} rss_mib={Environment.WorkingSet / 1048576.0:0.0} down={down} transitions={transitions}"));
    await monitor.StopAsync();
    await drain;
    return 0;
}

static long ReadCount(string file) => long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);

static async Task<int> StartAsync(int port, int servers, int window)
{
    var text = new System.Text.StringBuilder("global_defs {\n  router_id bench\n}\nvirtual_server 10.29.0.1 8080 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n");
    for (var i = 0; i < servers; i++)
    {
        text.Append(CultureInfo.InvariantCulture, $"  real_server {ServerAddress(i)} {port} {{\n    weight 1\n    TCP_CHECK {{\n      connect_timeout 1\n    }}\n  }}\n");
    }

    text.Append("}\n");
    var loaded = KeepalivedConfigLoader.LoadText(text.ToString());
    var table = new InMemoryIpvsTable();
    var wall = Stopwatch.StartNew();
    var model = LvsConfigMapper.Map(loaded.Config);
    var mapped = wall.Elapsed;
    await using var service = new LvsService(table, new LvsServiceOptions(), TimeProvider.System);
    await service.StartAsync(model, CancellationToken.None);
    var started = wall.Elapsed;
    var filled = TimeSpan.Zero;
    while (wall.Elapsed < started + TimeSpan.FromSeconds(window))
    {
        if (filled == TimeSpan.Zero && Destinations(table) >= servers)
        {
            filled = wall.Elapsed;
        }

        await Task.Delay(10);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"HOST start servers={servers} map_ms={mapped.TotalMilliseconds:0} start_returned_ms={started.TotalMilliseconds:0} all_in_table_ms={(filled == TimeSpan.Zero ? "never" : filled.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture))} destinations={Destinations(table)} passes_in_{window}s={service.Passes} table_reads={table.Reads} operations={table.Applied.Count}"));
    foreach (var group in table.Applied.GroupBy(o => o.Name))
    {
        Console.WriteLine($"# {group.Key}: {group.Count()}, first {group.First()}");
    }

    var status = service.GetStatus();
    Console.WriteLine($"# health: {string.Join(", ", status.VirtualServers.SelectMany(v => v.RealServers).GroupBy(r => r.Health).Select(g => $"{g.Key} {g.Count()}"))}");
    await service.StopAsync(CancellationToken.None);
    return 0;
}

static int Destinations(InMemoryIpvsTable table) => table.Current.Services.Values.Sum(s => s.Destinations.Count);
