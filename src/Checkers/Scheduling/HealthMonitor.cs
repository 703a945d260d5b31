using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Kad.Checkers.Probes;

namespace Kad.Checkers.Scheduling;

/// <summary>
/// Runs every checker of every real server and publishes health transitions on <see cref="Events"/>. One
/// <see cref="CheckScheduler"/> wakes every checker when it is due, in batches, on the monitor's <see cref="CheckLoop"/>
/// thread (with the system clock); TCP_CHECK attempts start and complete on that thread, with no other thread woken
/// per check; other probes run as tasks between wake-ups. First checks are spread by warmup; results for one server are applied
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
    private readonly CheckScheduler _scheduler;
    private readonly Lock _suspendedGate = new();
    // Replaced whole under the gate, read without it: every check asks, and it almost never changes.
    private volatile HashSet<string> _suspended = new(StringComparer.Ordinal);
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
        _scheduler = new CheckScheduler(timeProvider);
        try
        {
            _servers = Plan(servers, current: []).ToDictionary(p => p.Entry.Key, p => p.Entry);
        }
        catch
        {
            _scheduler.Dispose(); // its loop thread
            throw;
        }
    }

    /// <summary>Transitions only: a checker's health changing, or a server's dynamic weight changing.</summary>
    public ChannelReader<HealthEvent> Events => _events.Reader;

    /// <summary>
    /// Called with each transition on the thread that recorded it (for TCP_CHECK the check loop's), under the
    /// server's lock (re-entrant: the consumer may ask for this server's state), right before the transition is
    /// written to <see cref="Events"/> and logged: for a consumer that acts at once, as keepalived's checker changes
    /// IPVS in its own event loop, with no hand-off to another thread — and before a reader of <see cref="Events"/>
    /// is woken, so that the two do not race for the same work. It runs in the checks' time, so it must be short and
    /// must never wait for anything another checker's thread may hold; a consumer that cannot act at once leaves it
    /// to its reader of <see cref="Events"/>. Exceptions are logged and dropped. Set before <see cref="Start"/>.
    /// </summary>
    public Action<HealthEvent>? TransitionRecorded { get; set; }

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

        _scheduler.RunDue(); // checks due at once (warmup 0) run now, not on the next timer expiry
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
        var (utcNow, now) = (_timeProvider.GetUtcNow(), _timeProvider.GetTimestamp());
        DateTimeOffset WhenWas(long timestamp) => utcNow - _timeProvider.GetElapsedTime(timestamp, now);
        foreach (var entry in _servers.Values)
        {
            lock (entry.Gate)
            {
                var checkers = entry.Loops.Select((loop, i) => new CheckerSnapshot(
                    $"{loop.Options.Kind}#{i}", loop.Runner.Probe.Target, entry.State.CheckerHealth(i), loop.LastResult, loop.LastResult is null ? null : loop.LastLatency, loop.LastResult is null ? null : WhenWas(loop.LastCheck))).ToList();
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
            var next = new HashSet<string>(_suspended, StringComparer.Ordinal);
            if (suspended ? next.Add(virtualServer) : next.Remove(virtualServer))
            {
                _suspended = next;
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

                _scheduler.RunDue();
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

            _scheduler.Dispose();
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
        void FailedAttempt(ProbeResult failed, int attempt) =>
            _logger.Log(
                logAll ? LogLevel.Information : LogLevel.Debug,
                "{Server} {Checker} attempt {Attempt} failed at {Step}: {Reason}; retrying",
                server,
                name,
                attempt,
                failed.FailedStep,
                failed.Reason);
        var runner = new CheckerRunner(probe, CheckerTiming.Resolve(options), _timeProvider, FailedAttempt);
        return new CheckerLoop(this, options, runner, FailedAttempt, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
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

    private void StartLoop(CheckerLoop loop) => loop.Begin(StartSchedule.FirstDelay(loop.Runner.Timing, _random));

    private bool IsSuspended(string virtualServer)
    {
        var suspended = _suspended;
        return suspended.Count != 0 && suspended.Contains(virtualServer);
    }

    private Health Record(CheckerLoop loop, CheckOutcome outcome)
    {
        var result = outcome.Result;
        HealthEvent? published;
        Health health;
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

                health = Publish(server, loop, checker, outcome, result, out published);
                break;
            }
        }

        if (published is not null)
        {
            _logger.LogInformation(
                "{Server} {Checker} {Previous} -> {Current} ({Reason}; {Target}, {Attempts} attempt(s)); server {ServerHealth}, weight {Weight}",
                published.Server,
                published.Checker,
                published.Previous,
                published.Current,
                result.Reason,
                loop.Runner.Probe.Target,
                outcome.Attempts,
                published.ServerHealth,
                published.ServerWeight);
        }

        return health;
    }

    private Health Publish(ServerEntry server, CheckerLoop loop, int checker, CheckOutcome outcome, ProbeResult result, out HealthEvent? published)
    {
        published = null;
        // For status: kept by reference under the server's lock, so recording it allocates nothing; the time is the
        // scheduler's (on the check loop, the time the attempt's end was read).
        loop.LastResult = result;
        loop.LastLatency = outcome.Latency;
        loop.LastCheck = _scheduler.Now;

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
        try
        {
            TransitionRecorded?.Invoke(healthEvent);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "{Server}: the transition's consumer failed", server.Key);
        }

        _events.Writer.TryWrite(healthEvent);
        published = healthEvent;
        return current;
    }

    /// <summary>
    /// One checker's rhythm, woken by the monitor's <see cref="CheckScheduler"/>; survives a reload that leaves its
    /// options unchanged, moving to the new entry. A probe with a callback path (TCP_CHECK) is driven attempt by
    /// attempt here, with keepalived's TCP_CHECK retry rule; any other probe runs a whole check (Polly: retry around
    /// timeout) per wake-up. Wake-ups carry a token: even starts a check or attempt, odd times an attempt out; only
    /// the latest token counts.
    /// </summary>
    private sealed class CheckerLoop : IScheduledWork, IDisposable
    {
        private readonly HealthMonitor _monitor;
        private readonly CheckerOptions _options;
        private readonly CheckerRunner _runner;
        private readonly Action<ProbeResult, int> _failedAttempt;
        private readonly CancellationTokenSource _stopping;
        private readonly CancellationToken _cancel;
        private readonly ICallbackAttempt? _attempt;
        private long _sequence;
        private long _token = -1;
        private Task? _inFlight;
        private bool _retry = true; // a whole check: the first one retries whatever the starting state (keepalived: !has_run)
        private int _retries;       // attempt by attempt: retries used in this check (keepalived's retry_it)
        private int _attempts;
        private long _attemptStarted;

        public CheckerLoop(HealthMonitor monitor, CheckerOptions options, CheckerRunner runner, Action<ProbeResult, int> failedAttempt, CancellationTokenSource stopping)
        {
            _monitor = monitor;
            _options = options;
            _runner = runner;
            _failedAttempt = failedAttempt;
            _stopping = stopping;
            _cancel = stopping.Token;
            _attempt = (runner.Probe as ICallbackProbe)?.CreateAttempt(monitor._scheduler, OnAttemptDone);
        }

        public CheckerOptions Options => _options;

        public CheckerRunner Runner => _runner;

        /// <summary>The latest check's result, latency and end (guarded by the server entry's lock).</summary>
        public ProbeResult? LastResult { get; set; }

        public TimeSpan LastLatency { get; set; }

        /// <summary>When the latest check ended, as a <see cref="TimeProvider"/> timestamp (turned into a date only for status).</summary>
        public long LastCheck { get; set; }

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

        public void Begin(TimeSpan firstDelay) => Wake(firstDelay, timeout: false);

        public bool IsCurrent(long token) => token == Volatile.Read(ref _token);

        public void OnDue(long token)
        {
            if (Stopped || !IsCurrent(token))
            {
                return;
            }

            try
            {
                if ((token & 1) != 0)
                {
                    if (_attempt!.Expire() is { } result)
                    {
                        AttemptEnded(result);
                    }
                }
                else if (_monitor.IsSuspended(Entry!.Key.VirtualServer))
                {
                    // ha_suspend: no probe, same rhythm (keepalived reschedules a disabled checker after delay_loop).
                    Wake(_runner.Timing.DelayLoop, timeout: false);
                }
                else if (_attempt is not null)
                {
                    StartAttempt();
                }
                else
                {
                    StartCheck();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Never expected; a checker must not stop for good (nor take the scheduler's batch down with it).
                _monitor._logger.LogError(ex, "{Checker} of {Server} failed; next check after delay_loop", $"{_options.Kind}#{Index}", Entry?.Key);
                Wake(_runner.Timing.DelayLoop, timeout: false);
            }
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
                _stopping.Cancel();
            }

            _attempt?.Dispose(); // a connect in progress is abandoned (its descriptor closed)
            if (Volatile.Read(ref _inFlight) is { } task)
            {
                await task.ConfigureAwait(false);
            }

            _stopping.Dispose();
        }

        public void Dispose()
        {
            _attempt?.Dispose();
            _stopping.Dispose();
        }

        private void Wake(TimeSpan delay, bool timeout)
        {
            var token = (Interlocked.Increment(ref _sequence) << 1) | (timeout ? 1L : 0L);
            Volatile.Write(ref _token, token);
            if (!Stopped)
            {
                _monitor._scheduler.Schedule(this, token, delay);
            }
        }

        /// <summary>A whole check through the probe's task and the Polly pipeline.</summary>
        private void StartCheck()
        {
            var started = _monitor._timeProvider.GetTimestamp();
            var check = _runner.CheckOnceAsync(_retry, _cancel);
            if (check.IsCompletedSuccessfully)
            {
                CheckEnded(check.Result, started);
            }
            else
            {
                Volatile.Write(ref _inFlight, AwaitCheckAsync(check, started));
            }
        }

        private async Task AwaitCheckAsync(ValueTask<CheckOutcome> check, long started)
        {
            CheckOutcome outcome;
            try
            {
                outcome = await check.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // stopping
            }

            CheckEnded(outcome, started);
        }

        private void CheckEnded(CheckOutcome outcome, long started)
        {
            _retry = _monitor.Record(this, outcome) != Health.Down;
            var wait = _runner.Timing.DelayLoop;
            if (_runner.Probe.DelayLoopFromStart)
            {
                var spent = _monitor._timeProvider.GetElapsedTime(started);
                wait = spent >= wait ? TimeSpan.Zero : wait - spent;
            }

            Wake(wait, timeout: false);
        }

        /// <summary>One attempt through the callback path; its timeout is a wake-up set before the attempt starts.</summary>
        private void StartAttempt()
        {
            _attempts++;
            _attemptStarted = _monitor._scheduler.ReadClock(); // its timeout counts from here (its end reads the clock again)
            // Set first: a result reported at once (or by the loop on another thread before Start returns) replaces
            // this wake-up.
            Wake(_runner.Probe.AttemptTimeout, timeout: true);
            if (_attempt!.Start() is { } result)
            {
                AttemptEnded(result);
            }
        }

        /// <summary>The check loop's thread: an attempt in progress ended.</summary>
        private void OnAttemptDone(ProbeResult result)
        {
            if (!Stopped)
            {
                AttemptEnded(result);
            }
        }

        /// <summary>
        /// keepalived's TCP_CHECK rule (check_tcp.c, tcp_epilog): a failure with retries left is tried again after
        /// delay_before_retry, whatever the checker's state; success or the last retry ends the check, reports it,
        /// and the next check is delay_loop later.
        /// </summary>
        private void AttemptEnded(ProbeResult result)
        {
            // The end's own time, as keepalived reads the clock for each timer it sets. With the time of the loop's
            // pass instead, every check ending in one pass of a busy loop is due again at the same instant: the
            // checks then run, and end, together ever after, in ever longer passes that delay each one (1,000
            // checkers on one busy CPU made 8.5 % fewer checks than keepalived; docs/lvs.md, "Benchmarks").
            var latency = _monitor._timeProvider.GetElapsedTime(_attemptStarted, _monitor._scheduler.ReadClock());
            if (!result.Success && _retries < _runner.Timing.Retry)
            {
                _retries++;
                _failedAttempt(result, _attempts);
                Wake(_runner.Timing.DelayBeforeRetry, timeout: false);
                return;
            }

            var outcome = new CheckOutcome(result, latency, _attempts);
            _retries = 0;
            _attempts = 0;
            _monitor.Record(this, outcome);
            Wake(_runner.Timing.DelayLoop, timeout: false);
        }
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
