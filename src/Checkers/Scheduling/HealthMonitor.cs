using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Checkers.Scheduling;

/// <summary>
/// Runs every checker of every real server and publishes health transitions on <see cref="Events"/>. Each checker
/// is an async loop (no thread of its own); first checks are spread by warmup; results for one server are applied
/// under that server's lock so its events come out in order. A reload (<see cref="UpdateAsync"/>) keeps the state
/// of servers whose checkers did not change; <see cref="SetSuspended"/> pauses a virtual server's checkers
/// (keepalived's <c>ha_suspend</c>).
/// </summary>
public sealed class HealthMonitor : IAsyncDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly Func<RealServerKey, CheckerOptions, IHealthProbe>? _probeFactory;
    private readonly Channel<HealthEvent> _events = Channel.CreateUnbounded<HealthEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _updating = new(1, 1);
    private readonly Lock _suspendedGate = new();
    private readonly HashSet<string> _suspended = new(StringComparer.Ordinal);
    private volatile Dictionary<RealServerKey, ServerEntry> _servers;
    private int _started;
    private int _stopped;
    private int _disposed;

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
        _probeFactory = probeFactory;
        _servers = Build(servers, current: []);
    }

    /// <summary>Transitions only: a checker's health changing, or a server's dynamic weight changing.</summary>
    public ChannelReader<HealthEvent> Events => _events.Reader;

    /// <summary>The real servers watched.</summary>
    public IReadOnlyCollection<RealServerKey> Servers => _servers.Keys;

    /// <summary>Starts every checker loop; the first checks are spread over each checker's warmup.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopped) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("already started");
        }

        foreach (var entry in _servers.Values)
        {
            StartLoops(entry);
        }
    }

    /// <summary>The derived health and weight of a server right now.</summary>
    public (Health Health, int Weight) GetServer(RealServerKey server)
    {
        var entry = _servers[server];
        lock (entry.Gate)
        {
            return (entry.State.ServerHealth, entry.State.Weight);
        }
    }

    /// <summary>Every server's derived health and weight with each checker's own health (for status output).</summary>
    public IReadOnlyList<ServerSnapshot> Snapshot()
    {
        var snapshot = new List<ServerSnapshot>();
        foreach (var entry in _servers.Values)
        {
            lock (entry.Gate)
            {
                var checkers = entry.Runners.Select((runner, i) => new CheckerSnapshot(entry.Names[i], runner.Probe.Target, entry.State.CheckerHealth(i))).ToList();
                snapshot.Add(new ServerSnapshot(entry.Key, entry.State.ServerHealth, entry.State.Weight, IsSuspended(entry.Key.VirtualServer), checkers));
            }
        }

        return snapshot;
    }

    /// <summary>
    /// Pauses (or resumes) the checkers of every real server of <paramref name="virtualServer"/>: while paused a
    /// checker keeps its health and its delay_loop rhythm but probes nothing (keepalived's <c>ha_suspend</c>, used
    /// while the virtual address is not on this director).
    /// </summary>
    public void SetSuspended(string virtualServer, bool suspended)
    {
        lock (_suspendedGate)
        {
            if (suspended)
            {
                _suspended.Add(virtualServer);
            }
            else
            {
                _suspended.Remove(virtualServer);
            }
        }
    }

    /// <summary>
    /// Applies a new configuration (reload). A server with the same checkers keeps its loops and health (a new
    /// weight is taken over); a server whose checkers changed starts afresh, as a new one does; a server no longer
    /// listed stops and publishes nothing more. Throws <see cref="ArgumentException"/> listing every invalid
    /// checker, having changed nothing.
    /// </summary>
    public async Task UpdateAsync(IEnumerable<RealServerChecks> servers)
    {
        await _updating.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopped) != 0, this);
            var previous = _servers;
            var next = Build(servers, previous);
            _servers = next;
            var stopped = previous.Values.Where(old => !next.TryGetValue(old.Key, out var kept) || !ReferenceEquals(kept, old)).ToList();
            var started = next.Values.Where(e => !previous.TryGetValue(e.Key, out var old) || !ReferenceEquals(old, e)).ToList();
            foreach (var entry in stopped)
            {
                await entry.StopAsync().ConfigureAwait(false);
            }

            if (Volatile.Read(ref _started) != 0)
            {
                foreach (var entry in started)
                {
                    StartLoops(entry);
                }
            }

            _logger.LogInformation("checkers reloaded: {Kept} servers kept, {Started} started, {Stopped} stopped", next.Count - started.Count, started.Count, stopped.Count);
        }
        finally
        {
            _updating.Release();
        }
    }

    /// <summary>Stops every loop, waits for checks in flight to end, and completes <see cref="Events"/>.</summary>
    public async Task StopAsync()
    {
        // Waits for a reload in progress, so that nothing starts after the stop.
        await _updating.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
            {
                return;
            }

            await _stopping.CancelAsync().ConfigureAwait(false);
            foreach (var entry in _servers.Values)
            {
                await entry.StopAsync().ConfigureAwait(false);
            }

            _events.Writer.TryComplete();
        }
        finally
        {
            _updating.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _updating.Dispose();
    }

    /// <summary>Creates entries for <paramref name="servers"/>, reusing those of <paramref name="current"/> whose checkers are unchanged.</summary>
    private Dictionary<RealServerKey, ServerEntry> Build(IEnumerable<RealServerChecks> servers, Dictionary<RealServerKey, ServerEntry> current)
    {
        var errors = new List<string>();
        var built = new Dictionary<RealServerKey, ServerEntry>();
        foreach (var server in servers)
        {
            if (built.ContainsKey(server.Server))
            {
                errors.Add($"{server.Server}: listed twice");
                continue;
            }

            if (current.TryGetValue(server.Server, out var existing) && existing.Checks.Checkers.SequenceEqual(server.Checkers))
            {
                lock (existing.Gate)
                {
                    existing.State.ConfiguredWeight = server.Weight;
                }

                built.Add(server.Server, existing);
                continue;
            }

            var runners = new List<CheckerRunner>();
            var names = new List<string>();
            for (var i = 0; i < server.Checkers.Count; i++)
            {
                var options = server.Checkers[i];
                IHealthProbe probe;
                if (_probeFactory is not null)
                {
                    probe = _probeFactory(server.Server, options);
                }
                else if (!ProbeCatalog.TryCreate(options, server.Server, _timeProvider, out probe, out var error))
                {
                    errors.Add($"{server.Server}: checker {i + 1}: {error}");
                    continue;
                }

                var name = $"{options.Kind}#{i}";
                var logAll = options.LogAllFailures ?? false;
                var key = server.Server;
                runners.Add(new CheckerRunner(probe, CheckerTiming.Resolve(options), _timeProvider, (failed, attempt) =>
                    _logger.Log(
                        logAll ? LogLevel.Information : LogLevel.Debug,
                        "{Server} {Checker} attempt {Attempt} failed at {Step}: {Reason}; retrying",
                        key,
                        name,
                        attempt,
                        failed.FailedStep,
                        failed.Reason)));
                names.Add(name);
            }

            var state = new RealServerHealthState(server.Weight, [.. runners.Select(r => r.Timing.Alpha)]);
            built.Add(server.Server, new ServerEntry(server, runners, names, state, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token)));
        }

        if (errors.Count > 0)
        {
            foreach (var entry in built.Values.Where(e => !current.ContainsValue(e)))
            {
                entry.Stopping.Dispose();
            }

            throw new ArgumentException("invalid checkers:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(servers));
        }

        return built;
    }

    private void StartLoops(ServerEntry entry)
    {
        for (var i = 0; i < entry.Runners.Count; i++)
        {
            var checker = i;
            var runner = entry.Runners[i];
            var firstDelay = StartSchedule.FirstDelay(runner.Timing, _random);
            entry.Loops.Add(runner.RunAsync(firstDelay, outcome => Record(entry, checker, outcome), () => IsSuspended(entry.Key.VirtualServer), entry.Stopping.Token));
        }
    }

    private bool IsSuspended(string virtualServer)
    {
        lock (_suspendedGate)
        {
            return _suspended.Contains(virtualServer);
        }
    }

    private Health Record(ServerEntry server, int checker, CheckOutcome outcome)
    {
        var result = outcome.Result;
        lock (server.Gate)
        {
            // A server removed by a reload while this check ran publishes nothing more.
            if (server.Stopped)
            {
                return server.State.CheckerHealth(checker);
            }

            if (!server.State.Apply(checker, result.Success, result.DynamicWeight, out var previous))
            {
                if (!result.Success)
                {
                    _logger.Log(
                        server.Checks.Checkers[checker].LogAllFailures == true ? LogLevel.Information : LogLevel.Debug,
                        "{Server} {Checker} still failing at {Step}: {Reason}",
                        server.Key,
                        server.Names[checker],
                        result.FailedStep,
                        result.Reason);
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

    private sealed class ServerEntry(RealServerChecks checks, IReadOnlyList<CheckerRunner> runners, IReadOnlyList<string> names, RealServerHealthState state, CancellationTokenSource stopping)
    {
        public RealServerKey Key => checks.Server;

        public RealServerChecks Checks => checks;

        public IReadOnlyList<CheckerRunner> Runners => runners;

        public IReadOnlyList<string> Names => names;

        public RealServerHealthState State => state;

        public CancellationTokenSource Stopping => stopping;

        public List<Task> Loops { get; } = [];

        public Lock Gate { get; } = new();

        /// <summary>Set (under <see cref="Gate"/>) once the entry is being stopped; results after that are dropped.</summary>
        public bool Stopped { get; private set; }

        public async Task StopAsync()
        {
            lock (Gate)
            {
                if (Stopped)
                {
                    return;
                }

                Stopped = true;
                stopping.Cancel();
            }

            try
            {
                await Task.WhenAll(Loops).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The normal way for the loops to end.
            }

            stopping.Dispose();
        }
    }
}
