using System.Net;
using Kad.Checkers.Scheduling;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Scheduling;

/// <summary>
/// The monitor on the system clock, its checks on the check loop, with attempts that end in the loop's next pass as a
/// TCP connect in progress does (<see cref="NextPassProbe"/>). Real time, so only generous bounds are asserted.
/// </summary>
public sealed class HealthMonitorCheckLoopTests
{
    [SetUp]
    public void RequireTheLoop()
    {
        if (!CheckLoop.IsSupported)
        {
            Assert.Ignore("the check loop needs Linux on x86-64");
        }
    }

    /// <summary>Draws the middle of the range every time.</summary>
    private sealed class Halfway : Random
    {
        public override double NextDouble() => 0.5;
    }

    [Test]
    public async Task Run_ChecksEndingInOnePass_EachNextCheckCountsFromItsOwnEnd()
    {
        var probes = new Dictionary<RealServerKey, NextPassProbe>();
        RealServerChecks Server(int port, int warmupMilliseconds) => new(
            new RealServerKey("vs", IPAddress.Loopback, port),
            1,
            [new TcpCheckOptions { DelayLoop = TimeSpan.FromSeconds(1), Retry = 0, Warmup = TimeSpan.FromMilliseconds(warmupMilliseconds) }]);
        // First checks at half their warmup (the same draw for all): the blocker's at 100 ms, the two others' at
        // 200 ms. The consumer of each transition runs on the loop and holds it: 300 ms for the blocker's, so both
        // others are due by the time the loop looks, start in one pass and end in the next; 200 ms for each of theirs,
        // so the second one's end is seen 200 ms after the first's.
        var blocker = Server(1000, 200);
        var servers = new[] { Server(1001, 400), Server(1002, 400) };
        await using var monitor = new HealthMonitor([blocker, .. servers], TimeProvider.System, null, new Halfway(), (server, _) => probes[server] = new NextPassProbe());
        monitor.TransitionRecorded = e => Thread.Sleep(e.Server == blocker.Server ? 300 : 200);
        monitor.Start();

        var (first, second) = (probes[servers[0].Server].Starts, probes[servers[1].Server].Starts);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((first.Count < 2 || second.Count < 2) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.That(Math.Min(first.Count, second.Count), Is.GreaterThanOrEqualTo(2), "each server checked twice");
        var apart = first.Zip(second, (a, b) => TimeProvider.System.GetElapsedTime(a, b).Duration()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(apart[0], Is.LessThan(TimeSpan.FromMilliseconds(100)), "the first checks started together");
            // keepalived counts delay_loop from each check's end. From the time of the pass that saw both ends, the
            // two would be due together again, and checks that ended together once would run together for good.
            Assert.That(apart[1], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(150)), "delay_loop after each one's own end");
        });
    }
}
