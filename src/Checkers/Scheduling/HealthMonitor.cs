using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Checkers.Scheduling;

/// <summary>
/// Runs every checker of every real server and publishes health transitions on <see cref="Events"/>. Each checker
/// is an async loop (no thread of its own); first checks are spread by warmup; results for one server are applied
/// under that server's lock so its events come out in order.
/// </summary>
public sealed class HealthMonitor : IAsyncDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly List<ServerEntry> _servers = [];
    private readonly Dictionary<RealServerKey, ServerEntry> _byKey = [];
    private readonly Channel<HealthEvent> _events = Channel.CreateUnbounded<HealthEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private int _started;

    /// <summary>Builds the probes; throws <see cref="ArgumentException"/> listing every invalid checker.</summary>
    public HealthMonitor(IEnumerable<RealServerChecks> servers, TimeProvider? timeProvider = null, ILogger<HealthMonitor>? logger = null, Random? random = null)
        : this(servers, timeProvider ?? TimeProvider.System, logger, random, probeFactory: null)
    {
    }

    /// <summary>Test seam: <paramref name="probeFactory"/> replaces <see cref="ProbeCatalog"/>.</summary>
    internal HealthMonitor(
        IEnumerable<RealServerChecks> servers,
        TimeProvider timeProvider,
        ILogger<HealthMonitor>? logger,
        Random? random,
        Func<RealServerKey, CheckerOptions, IHealthProbe>? probeFactory)
    {
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _random = random ?? new Random();
        var errors = new List<string>();
        foreach (var server in servers)
        {
            if (_byKey.ContainsKey(server.Server))
            {
                errors.Add($"{server.Server}: listed twice");
                continue;
            }

            var runners = new List<CheckerRunner>();
            var names = new List<string>();
            for (var i = 0; i < server.Checkers.Count; i++)
            {
                var options = server.Checkers[i];
                IHealthProbe probe;
                if (probeFactory is not null)
                {
                    probe = probeFactory(server.Server, options);
                }
                else if (!ProbeCatalog.TryCreate(options, server.Server, timeProvider, out probe, out var error))
                {
                    errors.Add($"{server.Server}: checker {i + 1}: {error}");
                    continue;
                }

                runners.Add(new CheckerRunner(probe, CheckerTiming.Resolve(options), timeProvider));
                names.Add($"{options.Kind}#{i}");
            }

            var entry = new ServerEntry(server.Server, runners, names, new RealServerHealthState(server.Weight, [.. runners.Select(r => r.Timing.Alpha)]));
            _servers.Add(entry);
            _byKey.Add(server.Server, entry);
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid checkers:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(servers));
        }
    }

    /// <summary>Transitions only: a checker's health changing, or a server's dynamic weight changing.</summary>
    public ChannelReader<HealthEvent> Events => _events.Reader;

    /// <summary>The real servers watched.</summary>
    public IReadOnlyCollection<RealServerKey> Servers => _byKey.Keys;

    /// <summary>Starts every checker loop; the first checks are spread over each checker's warmup.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("already started");
        }

        foreach (var server in _servers)
        {
            for (var i = 0; i < server.Runners.Count; i++)
            {
                var checker = i;
                var runner = server.Runners[i];
                var firstDelay = StartSchedule.FirstDelay(runner.Timing, _random);
                _loops.Add(runner.RunAsync(firstDelay, outcome => Record(server, checker, outcome), _stopping.Token));
            }
        }
    }

    /// <summary>The derived health and weight of a server right now.</summary>
    public (Health Health, int Weight) GetServer(RealServerKey server)
    {
        var entry = _byKey[server];
        lock (entry.Gate)
        {
            return (entry.State.ServerHealth, entry.State.Weight);
        }
    }

    /// <summary>Stops every loop, waits for checks in flight to end, and completes <see cref="Events"/>.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The normal way for the loops to end.
        }

        _events.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private Health Record(ServerEntry server, int checker, CheckOutcome outcome)
    {
        var result = outcome.Result;
        lock (server.Gate)
        {
            if (!server.State.Apply(checker, result.Success, result.DynamicWeight, out var previous))
            {
                if (!result.Success)
                {
                    _logger.LogDebug("{Server} {Checker} still failing at {Step}: {Reason}", server.Key, server.Names[checker], result.FailedStep, result.Reason);
                }

                return server.State.CheckerHealth(checker);
            }

            var current = server.State.CheckerHealth(checker);
            var healthEvent = new HealthEvent(
                server.Key,
                server.Names[checker],
                previous,
                current,
                server.State.ServerHealth,
                server.State.Weight,
                result.FailedStep,
                result.Reason,
                outcome.Latency,
                _timeProvider.GetUtcNow());
            _events.Writer.TryWrite(healthEvent);
            _logger.LogInformation(
                "{Server} {Checker} {Previous} -> {Current} ({Reason}; {Target}, {Attempts} attempt(s)); server {ServerHealth}, weight {Weight}",
                server.Key,
                server.Names[checker],
                previous,
                current,
                result.Reason,
                server.Runners[checker].Probe.Target,
                outcome.Attempts,
                healthEvent.ServerHealth,
                healthEvent.ServerWeight);
            return current;
        }
    }

    private sealed record ServerEntry(RealServerKey Key, IReadOnlyList<CheckerRunner> Runners, IReadOnlyList<string> Names, RealServerHealthState State)
    {
        public Lock Gate { get; } = new();
    }
}
