using System.Diagnostics;
using System.Net;
using Kad.Checkers.Scheduling;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Scheduling;

/// <summary>The whole monitor on the real clock against real listeners: what the Daemon will consume.</summary>
public sealed class HealthMonitorLoopbackTests
{
    private static async Task<HealthEvent> NextAsync(HealthMonitor monitor, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        return await monitor.Events.ReadAsync(timeout.Token);
    }

    [Test]
    public async Task Monitor_ListenerStopsAndReturns_PublishesDownThenUp()
    {
        var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);
        var port = server.EndPoint.Port;
        var key = new RealServerKey("vs", IPAddress.Loopback, port);
        var tcp = new TcpCheckOptions
        {
            DelayLoop = TimeSpan.FromMilliseconds(300),
            ConnectTimeout = TimeSpan.FromSeconds(1),
            Retry = 1,
            DelayBeforeRetry = TimeSpan.FromMilliseconds(100),
            Warmup = TimeSpan.Zero,
        };
        await using var monitor = new HealthMonitor([new RealServerChecks(key, 1, [tcp])]);
        monitor.Start();

        var up = await NextAsync(monitor, TimeSpan.FromSeconds(5));
        Assert.That((up.Current, up.ServerHealth), Is.EqualTo((Health.Up, Health.Up)));

        await server.DisposeAsync();
        var stopwatch = Stopwatch.StartNew();
        var down = await NextAsync(monitor, TimeSpan.FromSeconds(5));
        stopwatch.Stop();
        Assert.That((down.Previous, down.Current, down.ServerHealth, down.FailedStep), Is.EqualTo((Health.Up, Health.Down, Health.Down, "connect")));
        // At most one delay_loop plus one failed attempt, a retry delay and the retry (refusals are immediate).
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));

        await using var restarted = new LoopbackTcpServer((_, _) => Task.CompletedTask, port: port);
        var back = await NextAsync(monitor, TimeSpan.FromSeconds(5));
        Assert.That((back.Previous, back.Current, back.ServerHealth), Is.EqualTo((Health.Down, Health.Up, Health.Up)));
    }

    [Test]
    public async Task Monitor_HttpAndTcpOnOneServer_ServerUpOnlyWhileBothUp()
    {
        var status = 200;
        await using var http = new LoopbackHttpServer(_ => (Volatile.Read(ref status), "ok"));
        var key = new RealServerKey("vs", IPAddress.Loopback, http.EndPoint.Port);
        var timing = (DelayLoop: TimeSpan.FromMilliseconds(200), Warmup: TimeSpan.Zero);
        CheckerOptions[] checkers =
        [
            new TcpCheckOptions { DelayLoop = timing.DelayLoop, Warmup = timing.Warmup, Retry = 0 },
            new HttpCheckOptions { DelayLoop = timing.DelayLoop, Warmup = timing.Warmup, Retry = 0, Urls = [new HttpUrlOptions { Path = "/" }] },
        ];
        await using var monitor = new HealthMonitor([new RealServerChecks(key, 1, checkers)]);
        monitor.Start();

        var first = await NextAsync(monitor, TimeSpan.FromSeconds(5));
        var second = await NextAsync(monitor, TimeSpan.FromSeconds(5));
        Assert.That(new[] { first.ServerHealth, second.ServerHealth }, Is.EqualTo(new[] { Health.Unknown, Health.Up }));

        Volatile.Write(ref status, 500);
        var down = await NextAsync(monitor, TimeSpan.FromSeconds(5));
        Assert.That((down.Checker, down.ServerHealth, down.FailedStep), Is.EqualTo(("HTTP_GET#1", Health.Down, "status")));
        Assert.That(monitor.GetServer(key).Health, Is.EqualTo(Health.Down));
    }

    [Test]
    public async Task UpdateAsync_RepeatedReloadsWhileChecking_EndsConsistent()
    {
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);
        RealServerChecks Server(int i, int timeoutSeconds) => new(
            new RealServerKey($"vs{i}", IPAddress.Loopback, server.EndPoint.Port),
            1,
            [
                new TcpCheckOptions { DelayLoop = TimeSpan.FromMilliseconds(50), Warmup = TimeSpan.FromMilliseconds(50) },
                new TcpCheckOptions { DelayLoop = TimeSpan.FromMilliseconds(50), Warmup = TimeSpan.FromMilliseconds(50), ConnectTimeout = TimeSpan.FromSeconds(timeoutSeconds) },
            ]);
        await using var monitor = new HealthMonitor(Enumerable.Range(0, 40).Select(i => Server(i, 1)));
        monitor.Start();

        for (var round = 0; round < 20; round++)
        {
            // Alternate: change the second checker of every server, drop and re-add a slice of servers.
            var count = round % 2 == 0 ? 30 : 40;
            await monitor.UpdateAsync(Enumerable.Range(0, count).Select(i => Server(i, 1 + (round % 2))));
            await Task.Delay(20);
        }

        await monitor.UpdateAsync(Enumerable.Range(0, 40).Select(i => Server(i, 1)));
        var deadline = Stopwatch.StartNew();
        while (monitor.Snapshot().Any(s => s.Health != Health.Up) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        var snapshot = monitor.Snapshot();
        Assert.That(snapshot, Has.Count.EqualTo(40));
        Assert.That(snapshot.Select(s => s.Health), Has.All.EqualTo(Health.Up));
        while (monitor.Events.TryRead(out var e))
        {
            Assert.That(e.Current, Is.Not.EqualTo(Health.Down), $"no check failed: {e}");
        }
    }

    [Test]
    public async Task StopAsync_ChecksHangingOnServers_ReturnsPromptly()
    {
        await using var server = new LoopbackHttpServer(_ => (200, "never sent"), hang: true);
        var key = new RealServerKey("vs", IPAddress.Loopback, server.EndPoint.Port);
        var http = new HttpCheckOptions { ConnectTimeout = TimeSpan.FromSeconds(30), Warmup = TimeSpan.Zero, Urls = [new HttpUrlOptions { Path = "/" }] };
        var monitor = new HealthMonitor([new RealServerChecks(key, 1, [http])]);
        monitor.Start();
        Assert.That(SpinWait.SpinUntil(() => server.Requests.Count > 0, TimeSpan.FromSeconds(5)), Is.True, "the check is in flight");

        var stopwatch = Stopwatch.StartNew();
        await monitor.DisposeAsync();
        await monitor.DisposeAsync(); // twice is harmless

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That(monitor.Events.Completion.IsCompleted, Is.True);
        Assert.ThrowsAsync<ObjectDisposedException>(() => monitor.UpdateAsync([]));
    }

    [Test]
    public async Task Monitor_ThousandTcpCheckers_AllUpWithoutAThreadEach()
    {
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);
        var servers = Enumerable.Range(0, 1000)
            .Select(i => new RealServerChecks(
                new RealServerKey($"vs{i}", IPAddress.Loopback, server.EndPoint.Port),
                1,
                [new TcpCheckOptions { DelayLoop = TimeSpan.FromSeconds(1), Retry = 0 }])) // warmup defaults to delay_loop: starts spread over 1 s
            .ToList();
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        await using var monitor = new HealthMonitor(servers);
        monitor.Start();

        var ups = 0;
        var peakThreads = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (ups < 1000)
        {
            var e = await monitor.Events.ReadAsync(deadline.Token);
            ups += e.Current == Health.Up ? 1 : 0;
            peakThreads = Math.Max(peakThreads, Process.GetCurrentProcess().Threads.Count);
        }

        // Steady state: every check succeeds and nothing is published. Measure what a check costs this process
        // (the in-process listener's accepts included), for information only: the machine is shared.
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var acceptedBefore = server.Accepted;
        var wall = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        process.Refresh();
        var checks = server.Accepted - acceptedBefore;
        var cpu = process.TotalProcessorTime - cpuBefore;
        TestContext.Out.WriteLine($"steady state: {checks} checks in {wall.Elapsed.TotalSeconds:0.0} s, CPU {cpu.TotalMilliseconds:0} ms, {cpu.TotalMicroseconds / Math.Max(1, checks):0} us per check (listener included)");
        Assert.That(ups, Is.EqualTo(1000));
        Assert.That(checks, Is.GreaterThan(1500), "about 1000 checks per second");
        Assert.That(servers.Select(s => monitor.GetServer(s.Server).Health), Has.All.EqualTo(Health.Up));
        Assert.That(monitor.Events.TryRead(out var extra), Is.False, $"steady state publishes nothing, got {extra}");
        Assert.That(peakThreads - threadsBefore, Is.LessThan(100), "checkers are async loops, not threads");
        Assert.That(server.Accepted, Is.GreaterThanOrEqualTo(1500), "checks keep running every delay_loop");
    }
}
