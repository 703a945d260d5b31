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
        _servers = Plan(servers, current: []).ToDictionary(p => p.Entry.Key, p => p.Entry);
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

    /// <summary>The derived health and weight of a server right now; throws <see cref="KeyNotFoundException"/> for one not watched.</summary>
    public (Health Health, int Weight) GetServer(RealServerKey server) =>
        TryGetServer(server, out var state) ? state : throw new KeyNotFoundException($"{server} is not watched");

    /// <summary>The derived health and weight of a server right now, if it is watched.</summary>
    public bool TryGetServer(RealServerKey server, out (Health Health, int Weight) state)
    {
        if (!_servers.TryGetValue(server, out var entry))
        {
            state = default;
            return false;
        }

        lock (entry.Gate)
        {
            state = (entry.State.ServerHealth, entry.State.Weight);
            return true;
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
                var checkers = entry.Loops.Select((loop, i) => new CheckerSnapshot($"{loop.Options.Kind}#{i}", loop.Runner.Probe.Target, entry.State.CheckerHealth(i))).ToList();
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
    /// Applies a new configuration (reload), as keepalived compares checkers: a checker whose options did not change
    /// keeps running with its health (even if other checkers of its server changed); a new or changed checker
    /// starts afresh; a checker or server no longer listed stops and publishes nothing more; a new weight is taken
    /// over. Throws <see cref="ArgumentException"/> listing every invalid checker, having changed nothing.
    /// </summary>
    public async Task UpdateAsync(IEnumerable<RealServerChecks> servers)
    {
        await _updating.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopped) != 0, this);
            var previous = _servers;
            var plans = Plan(servers, previous);
            var next = new Dictionary<RealServerKey, ServerEntry>();
            var fresh = new List<CheckerLoop>();
            foreach (var plan in plans)
            {
                var entry = plan.Entry;
                next.Add(entry.Key, entry);
                if (plan.Unchanged)
                {
                    lock (entry.Gate)
                    {
                        entry.State.ConfiguredWeight = plan.Weight;
                    }

                    continue;
                }

                for (var i = 0; i < entry.Loops.Length; i++)
                {
                    if (plan.Carried[i] is { } loop)
                    {
                        MoveLoop(loop, entry, i);
                    }
                    else
                    {
                        fresh.Add(entry.Loops[i]);
                    }
                }
            }

            _servers = next;
            var running = new HashSet<CheckerLoop>(next.Values.SelectMany(e => e.Loops), ReferenceEqualityComparer.Instance);
            var stopping = previous.Values.SelectMany(e => e.Loops).Where(l => !running.Contains(l)).ToList();
            foreach (var loop in stopping)
            {
                await loop.StopAsync().ConfigureAwait(false);
            }

            if (Volatile.Read(ref _started) != 0)
            {
                foreach (var loop in fresh)
                {
                    StartLoop(loop);
                }
            }

            _logger.LogInformation("checkers reloaded: {Kept} kept, {Started} started, {Stopped} stopped", next.Values.Sum(e => e.Loops.Length) - fresh.Count, fresh.Count, stopping.Count);
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
            foreach (var loop in _servers.Values.SelectMany(e => e.Loops))
            {
                await loop.StopAsync().ConfigureAwait(false);
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

    /// <summary>What a reload does to one server: its entry, and for each checker the running loop it keeps (or null).</summary>
    /// <param name="Entry">The server's entry after the reload.</param>
    /// <param name="Carried">Per checker of a new entry: the running loop it takes over, or null for a fresh one.</param>
    /// <param name="Unchanged">The entry is the current one, untouched (its loops keep running as they are).</param>
    /// <param name="Weight">The configured weight after the reload.</param>
    private sealed record ServerPlan(ServerEntry Entry, CheckerLoop?[] Carried, bool Unchanged, int Weight);

    /// <summary>
    /// Works out the servers for <paramref name="servers"/> against <paramref name="current"/> without touching
    /// anything running: unchanged servers keep their entry; others get a new entry in which checkers equal to a
    /// current one will take over that one's loop.
    /// </summary>
    private List<ServerPlan> Plan(IEnumerable<RealServerChecks> servers, Dictionary<RealServerKey, ServerEntry> current)
    {
        var errors = new List<string>();
        var plans = new List<ServerPlan>();
        var seen = new HashSet<RealServerKey>();
        foreach (var server in servers)
        {
            if (!seen.Add(server.Server))
            {
                errors.Add($"{server.Server}: listed twice");
                continue;
            }

            current.TryGetValue(server.Server, out var existing);
            if (existing is not null && existing.Checks.Checkers.SequenceEqual(server.Checkers))
            {
                plans.Add(new ServerPlan(existing, new CheckerLoop?[existing.Loops.Length], Unchanged: true, server.Weight));
                continue;
            }

            var unused = existing?.Loops.ToList() ?? [];
            var loops = new List<CheckerLoop>();
            var carried = new List<CheckerLoop?>();
            for (var i = 0; i < server.Checkers.Count; i++)
            {
                var options = server.Checkers[i];
                if (unused.FirstOrDefault(l => l.Options.Equals(options)) is { } same)
                {
                    unused.Remove(same);
                    loops.Add(same);
                    carried.Add(same);
                    continue;
                }

                if (CreateLoop(server.Server, options, i, out var error) is { } loop)
                {
                    loops.Add(loop);
                    carried.Add(null);
                }
                else
                {
                    errors.Add($"{server.Server}: checker {i + 1}: {error}");
                }
            }

            var state = new RealServerHealthState(server.Weight, [.. loops.Select(l => l.Runner.Timing.Alpha)]);
            plans.Add(new ServerPlan(new ServerEntry(server, [.. loops], state), [.. carried], Unchanged: false, server.Weight));
        }

        if (errors.Count > 0)
        {
            foreach (var loop in plans.Where(p => !p.Unchanged).SelectMany(p => p.Entry.Loops.Where((_, i) => p.Carried[i] is null)))
            {
                loop.Dispose();
            }

            throw new ArgumentException("invalid checkers:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(servers));
        }

        return plans;
    }

    private CheckerLoop? CreateLoop(RealServerKey server, CheckerOptions options, int index, out string? error)
    {
        IHealthProbe probe;
        error = null;
        if (_probeFactory is not null)
        {
            probe = _probeFactory(server, options);
        }
        else if (!ProbeCatalog.TryCreate(options, server, _timeProvider, out probe, out error))
        {
            return null;
        }

        var name = $"{options.Kind}#{index}";
        var logAll = options.LogAllFailures ?? false;
        var runner = new CheckerRunner(probe, CheckerTiming.Resolve(options), _timeProvider, (failed, attempt) =>
            _logger.Log(
                logAll ? LogLevel.Information : LogLevel.Debug,
                "{Server} {Checker} attempt {Attempt} failed at {Step}: {Reason}; retrying",
                server,
                name,
                attempt,
                failed.FailedStep,
                failed.Reason));
        return new CheckerLoop(options, runner, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
    }

    /// <summary>Routes a running loop's results to its place in a new entry, with its health carried over.</summary>
    private static void MoveLoop(CheckerLoop loop, ServerEntry target, int index)
    {
        var from = loop.Entry!;
        lock (from.Gate)
        {
            lock (target.Gate)
            {
                target.State.CarryOver(index, from.State.CheckerHealth(loop.Index), from.State.DynamicWeight(loop.Index));
                loop.Route(target, index);
            }
        }
    }

    private void StartLoops(ServerEntry entry)
    {
        foreach (var loop in entry.Loops)
        {
            StartLoop(loop);
        }
    }

    private void StartLoop(CheckerLoop loop)
    {
        var firstDelay = StartSchedule.FirstDelay(loop.Runner.Timing, _random);
        loop.Task = loop.Runner.RunAsync(firstDelay, outcome => Record(loop, outcome), () => IsSuspended(loop.Entry!.Key.VirtualServer), loop.Stopping.Token);
    }

    private bool IsSuspended(string virtualServer)
    {
        lock (_suspendedGate)
        {
            return _suspended.Contains(virtualServer);
        }
    }

    private Health Record(CheckerLoop loop, CheckOutcome outcome)
    {
        var result = outcome.Result;
        while (true)
        {
            var server = loop.Entry!;
            lock (server.Gate)
            {
                if (!ReferenceEquals(loop.Entry, server))
                {
                    continue; // moved by a reload meanwhile: report to its new server
                }

                var checker = loop.Index;
                // A checker stopped by a reload while this check ran publishes nothing more.
                if (loop.Stopped)
                {
                    return server.State.CheckerHealth(checker);
                }

                return Publish(server, loop, checker, outcome, result);
            }
        }
    }

    private Health Publish(ServerEntry server, CheckerLoop loop, int checker, CheckOutcome outcome, ProbeResult result)
    {
        // The common case (nothing changed) runs once per check: it allocates nothing and formats nothing.
        if (!server.State.Apply(checker, result.Success, result.DynamicWeight, out var previous))
        {
            var level = loop.Options.LogAllFailures == true ? LogLevel.Information : LogLevel.Debug;
            if (!result.Success && _logger.IsEnabled(level))
            {
                _logger.Log(
                    level,
                    "{Server} {Checker} still failing at {Step}: {Reason}",
                    server.Key,
                    $"{loop.Options.Kind}#{checker}",
                    result.FailedStep,
                    result.Reason);
            }

            return server.State.CheckerHealth(checker);
        }

        var name = $"{loop.Options.Kind}#{checker}";

        var current = server.State.CheckerHealth(checker);
        var healthEvent = new HealthEvent(
            server.Key,
            name,
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
            name,
            previous,
            current,
            result.Reason,
            loop.Runner.Probe.Target,
            outcome.Attempts,
            healthEvent.ServerHealth,
            healthEvent.ServerWeight);
        return current;
    }

    /// <summary>One checker's loop; survives a reload that leaves its options unchanged, moving to the new entry.</summary>
    private sealed class CheckerLoop(CheckerOptions options, CheckerRunner runner, CancellationTokenSource stopping) : IDisposable
    {
        public CheckerOptions Options => options;

        public CheckerRunner Runner => runner;

        public CancellationTokenSource Stopping => stopping;

        public Task? Task { get; set; }

        /// <summary>Where results go; changed only with the gates of both the old and the new entry held.</summary>
        public ServerEntry? Entry { get; private set; }

        public int Index { get; private set; }

        /// <summary>Set under the entry's gate once stopping; results after that are dropped.</summary>
        public bool Stopped { get; private set; }

        public void Route(ServerEntry entry, int index)
        {
            Entry = entry;
            Index = index;
        }

        public async Task StopAsync()
        {
            var entry = Entry!;
            lock (entry.Gate)
            {
                if (Stopped)
                {
                    return;
                }

                Stopped = true;
                stopping.Cancel();
            }

            if (Task is { } task)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The normal way for a loop to end.
                }
            }

            stopping.Dispose();
        }

        public void Dispose() => stopping.Dispose();
    }

    private sealed class ServerEntry
    {
        public ServerEntry(RealServerChecks checks, CheckerLoop[] loops, RealServerHealthState state)
        {
            Checks = checks;
            Loops = loops;
            State = state;
            for (var i = 0; i < loops.Length; i++)
            {
                // A fresh loop belongs here from the start; a carried one is moved here under both gates.
                if (loops[i].Entry is null)
                {
                    loops[i].Route(this, i);
                }
            }
        }

        public RealServerKey Key => Checks.Server;

        public RealServerChecks Checks { get; }

        public CheckerLoop[] Loops { get; }

        public RealServerHealthState State { get; }

        public Lock Gate { get; } = new();
    }
}
