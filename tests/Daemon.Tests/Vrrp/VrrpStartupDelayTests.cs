using System.Collections.Concurrent;
using Kad.Config;
using Kad.Daemon.Hosting;
using Kad.Daemon.Vrrp;
using Microsoft.Extensions.Logging;
using Kad.Testing;

namespace Kad.Daemon.Tests.Vrrp;

/// <summary>
/// vrrp_startup_delay holds back the VRRP instances only: the half's start returns at once (so the LVS half, the first
/// reconcile and READY=1 are not held up), and the instances are started when the delay has passed on the clock.
/// The instance here names an interface that does not exist, so its start fails with a logged error — which shows
/// when the start was attempted without needing root or a namespace.
/// </summary>
[TestFixture]
public class VrrpStartupDelayTests
{
    private const string Config = """
        global_defs {
            vrrp_startup_delay 30
        }
        vrrp_instance VI_1 {
            interface kadnosuch0
            virtual_router_id 51
            priority 100
            virtual_ipaddress {
                10.0.0.100
            }
        }
        """;

    [Test]
    public async Task Start_WithStartupDelay_ReturnsAtOnceAndStartsInstancesWhenTheDelayHasPassed()
    {
        var loaded = KeepalivedConfigLoader.LoadText(Config);
        Assert.That(loaded.Errors, Is.Empty);
        var time = new FakeTimeProvider();
        using var logs = new CapturingLoggerFactory();
        using var half = new VrrpHalf(logs, time);

        var start = half.StartAsync(loaded.Config, CancellationToken.None);
        Assert.That(start.IsCompleted, Is.True, "StartAsync must not wait out vrrp_startup_delay");
        await start;
        var parts = new StatusParts();
        half.AddStatus(parts);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(parts.StatsLines, Has.Some.Contains("vrrp_startup_delay"));
            Assert.That(logs.Messages, Has.None.Contains("could not start"), "no instance is started before the delay");
        }

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.That(logs.Messages, Has.None.Contains("could not start"), "still inside the delay");

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(() => logs.Messages.Any(m => m.Contains("VRRP instance VI_1 could not start after vrrp_startup_delay", StringComparison.Ordinal)),
            Is.True.After(10_000, 20));
        await half.StopAsync(CancellationToken.None);
    }

    [Test]
    public async Task Apply_DuringStartupDelay_KeepsTheNewConfigForTheDelayedStart()
    {
        var loaded = KeepalivedConfigLoader.LoadText(Config);
        var reloaded = KeepalivedConfigLoader.LoadText(Config.Replace("VI_1", "VI_2", StringComparison.Ordinal));
        var time = new FakeTimeProvider();
        using var logs = new CapturingLoggerFactory();
        using var half = new VrrpHalf(logs, time);
        await half.StartAsync(loaded.Config, CancellationToken.None);

        var changes = await half.ApplyAsync(reloaded.Config, CancellationToken.None);
        Assert.That(changes, Has.One.Contains("vrrp_startup_delay runs until"));

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.That(() => logs.Messages.Any(m => m.Contains("VRRP instance VI_2 could not start", StringComparison.Ordinal)),
            Is.True.After(10_000, 20));
        Assert.That(logs.Messages, Has.None.Contains("VRRP instance VI_1 "), "the configuration replaced during the delay is not started");
        await half.StopAsync(CancellationToken.None);
    }

    [Test]
    public async Task Stop_DuringStartupDelay_StartsNothing()
    {
        var time = new FakeTimeProvider();
        using var logs = new CapturingLoggerFactory();
        using var half = new VrrpHalf(logs, time);
        await half.StartAsync(KeepalivedConfigLoader.LoadText(Config).Config, CancellationToken.None);

        await half.StopAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(60));

        Assert.That(logs.Messages, Has.None.Contains("could not start"));
    }

    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public IReadOnlyList<string> Messages => [.. _messages];

        public ILogger CreateLogger(string categoryName) => new Logger(_messages);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}
