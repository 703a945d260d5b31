using System.Net;
using Kad.Checkers.Scheduling;

namespace Kad.Checkers.Tests.Support;

/// <summary>Runs one real check (probe + Polly timeout/retry) against a target, on the real clock.</summary>
internal static class ProbeHarness
{
    public static RealServerKey Server(IPEndPoint endPoint) => new("test-vs", endPoint.Address, endPoint.Port);

    public static IHealthProbe Create(CheckerOptions options, IPEndPoint target)
    {
        Assert.That(ProbeCatalog.TryCreate(options, Server(target), TimeProvider.System, out var probe, out var error), Is.True, error);
        return probe;
    }

    /// <summary>One check with the options' timing (set Retry = 0 for a single attempt).</summary>
    public static async Task<CheckOutcome> CheckAsync(CheckerOptions options, IPEndPoint target)
    {
        var probe = Create(options, target);
        var runner = new CheckerRunner(probe, CheckerTiming.Resolve(options), TimeProvider.System);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await runner.CheckOnceAsync(retry: true, guard.Token);
    }
}
