using System.Net;
using System.Threading.Channels;
using Kad.Checkers;
using Kad.Config.Model;
using Kad.Netlink.Ipvs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Daemon.Lvs;

/// <summary>Tunables of the reconciler that keepalived.conf does not express.</summary>
public sealed record LvsServiceOptions
{
    /// <summary>How often the kernel table is re-read and drift (e.g. made with ipvsadm) repaired.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>While a destination drains, how often its active connections are re-read.</summary>
    public TimeSpan DrainPollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The LVS half of kad: checkers feed health, and the kernel's IPVS table is kept equal to model × health
/// (× VRRP state for ha_suspend) with the fewest operations.
/// <list type="bullet">
/// <item><see cref="StartAsync(LvsModel, CancellationToken)"/>: adopts what the kernel has (no flush unless <c>lvs_flush</c>; existing matching
/// entries are not touched, so their connections live on), starts the checkers, and finishes a first reconcile
/// before returning (gate readiness on it).</item>
/// <item><see cref="ReloadAsync"/>: switches model; only differences are applied; unchanged real servers keep their
/// checker state and their destinations are not touched. The reload's pass reads, plans and diffs only the virtual
/// servers that changed.</item>
/// <item><see cref="StopAsync"/>: keepalived 2.2.7's shutdown — checkers stop, each configured virtual server is
/// deleted (with its destinations; other services are left alone), or the whole table is flushed with
/// <c>lvs_flush_on_stop</c>; with <c>omega</c> notify_down/quorum_down run.</item>
/// <item><see cref="SetVrrpState"/>: the virtual addresses this director holds; ha_suspend virtual servers whose
/// addresses are not held pause their checkers. Until the first call nothing is suspended.</item>
/// <item><see cref="GetStatus"/>: a snapshot for the status socket. Thread-safe.</item>
/// </list>
/// Reconcile passes are serialised. A health transition's pass plans only its virtual server against the table the
/// last pass left and reads nothing unless drains need connection counts, on the checker's own thread when no other
/// pass runs (<see cref="OnTransitionRecorded"/>, else <see cref="HealthPassAsync"/>); the passes every
/// <see cref="LvsServiceOptions.ResyncInterval"/> and while drains are pending dump the table once (what a pass
/// applied is known without a second dump). Kernel refusals are logged against the operation they concern and
/// retried on the next pass.
/// </summary>
public sealed partial class LvsService : IAsyncDisposable
{
    private readonly IIpvsTable _table;
    private readonly LvsServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILvsScriptRunner _scripts;
    private readonly Func<IReadOnlyList<RealServerChecks>, IHealthSource> _healthFactory;
    /// <summary>Passes with more operations log one summary line (each operation at debug level): a first start of
    /// 1,000 services of 10 destinations would otherwise write 11,000 lines.</summary>
    private const int LoggedOneByOne = 100;

    private readonly LvsPlanner _planner = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _statusGate = new();
    private readonly Lock _plannedGate = new();
    private readonly Dictionary<RealServerKey, (bool Alive, int Weight)> _planned = [];
    private IHealthSource? _health;
    private ITimer? _resyncTimer;
    private ITimer? _drainTimer;
    private Task _loops = Task.CompletedTask;
    private IReadOnlySet<IPAddress>? _heldAddresses;
    private ActualTable _known = ActualTable.Empty;
    private DateTimeOffset? _drainDue;
    private DateTimeOffset? _lastReconcile;
    private int _lastOperations;
    private long _totalOperations;
    private long _totalFailures;
    private long _passes;

    public LvsService(
        IIpvsTable table,
        LvsServiceOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        ILvsScriptRunner? scripts = null,
        Func<IReadOnlyList<RealServerChecks>, IHealthSource>? healthFactory = null)
    {
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        _table = table;
        _options = options ?? new LvsServiceOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = factory.CreateLogger<LvsService>();
        _scripts = scripts ?? new ProcessScriptRunner(factory.CreateLogger<ProcessScriptRunner>());
        _healthFactory = healthFactory ?? (checks => new MonitorHealthSource(checks, _time, factory));
    }

    /// <summary>Completed reconcile passes (tests wait on it).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>The virtual servers of the model in effect.</summary>
    public int VirtualServerCount => _planner.Model.VirtualServers.Count;

    /// <summary>IPVS operations sent since the start (a reload's count is the difference).</summary>
    public long TotalOperations => Interlocked.Read(ref _totalOperations);

    /// <summary>Adopts the kernel's table, starts checkers and reconciles once before returning; returns where that pass went.</summary>
    public async Task<LvsPassTimings> StartAsync(LvsModel model, CancellationToken cancellationToken)
    {
        if (_health is not null)
        {
            throw new InvalidOperationException("already started");
        }

        foreach (var warning in model.Warnings)
        {
            LogModelWarning(_logger, warning);
        }

        if (model.FlushOnStart)
        {
            LogFlush(_logger, "lvs_flush");
            _table.Flush();
        }

        SetTimeouts(model);

        var switching = System.Diagnostics.Stopwatch.GetTimestamp();
        _planner.SetModel(model);
        var switched = System.Diagnostics.Stopwatch.GetElapsedTime(switching);
        var checkers = System.Diagnostics.Stopwatch.GetTimestamp();
        _health = _healthFactory(LvsConfigMapper.Checks(model));
        ApplySuspension();
        var made = System.Diagnostics.Stopwatch.GetElapsedTime(checkers);
        // The first pass before the checkers start, as keepalived adds its servers before checking them: health is
        // still unknown (or down with alpha) either way, and thousands of first checks would only compete with it.
        LvsPassTimings first;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            first = Pass(_health, only: null, cancellationToken) with { Checkers = made, ModelSwitch = switched };
        }
        finally
        {
            _gate.Release();
        }

        _health.TransitionRecorded = OnTransitionRecorded;
        _health.Start();
        _resyncTimer = _time.CreateTimer(_ => Wake(), null, _options.ResyncInterval, _options.ResyncInterval);
        _loops = Task.WhenAll(Task.Run(WatchHealthAsync, CancellationToken.None), Task.Run(ReconcileLoopAsync, CancellationToken.None));
        return first;
    }

    /// <summary>Convenience: maps <paramref name="config"/> and starts.</summary>
    public Task<LvsPassTimings> StartAsync(KeepalivedConfig config, CancellationToken cancellationToken) => StartAsync(LvsConfigMapper.Map(config), cancellationToken);

    /// <summary>
    /// Applies a new model: checkers of unchanged servers keep running; only table differences are applied. The pass
    /// covers just the virtual servers the switch changed (<see cref="LvsPlanner.SetModel"/>): their services are
    /// re-read from the kernel one by one and merged into the table the last pass left, then planned and diffed, so
    /// the work is in proportion to the change. Drift elsewhere (a hand edit with ipvsadm) is left to the next full
    /// pass (<see cref="LvsServiceOptions.ResyncInterval"/>). When most services changed, one
    /// dump is cheaper than reading them one by one, and the pass is a full one. Returns where the time went.
    /// </summary>
    public async Task<LvsPassTimings> ReloadAsync(LvsModel model, CancellationToken cancellationToken)
    {
        var health = _health ?? throw new InvalidOperationException("not started");
        foreach (var warning in model.Warnings)
        {
            LogModelWarning(_logger, warning);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!LvsConfigMapper.SameChecks(_planner.Model, model))
        {
            await health.UpdateAsync(LvsConfigMapper.Checks(model)).ConfigureAwait(false);
        }

        var checkers = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var waiting = System.Diagnostics.Stopwatch.GetTimestamp();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var waited = System.Diagnostics.Stopwatch.GetElapsedTime(waiting);
        try
        {
            var switching = System.Diagnostics.Stopwatch.GetTimestamp();
            if (model.Timeouts != _planner.Model.Timeouts)
            {
                SetTimeouts(model);
            }

            var changed = _planner.SetModel(model);
            var switched = System.Diagnostics.Stopwatch.GetElapsedTime(switching);
            ApplySuspension();
            return Pass(health, changed, cancellationToken) with { Checkers = checkers, Waited = waited, ModelSwitch = switched };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>keepalived's shutdown: see the class summary and docs/lvs.md.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_health is not { } health)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _resyncTimer?.Dispose();
        _drainTimer?.Dispose();
        _wake.Writer.TryComplete();
        await health.StopAsync().ConfigureAwait(false);
        try
        {
            await _loops.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loops end this way.
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var actual = _table.Read();
            var plan = _planner.PlanShutdown(actual);
            RunScripts(plan.Notifications);
            if (_planner.Model.FlushOnStop == LvsFlushOnStop.All)
            {
                LogFlush(_logger, "lvs_flush_on_stop");
                _table.Flush();
                return;
            }

            _ = Apply(IpvsDiff.Compute(plan.Desired, actual));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The virtual addresses this director holds now (VRRP master); drives ha_suspend.</summary>
    public void SetVrrpState(IReadOnlyCollection<IPAddress> heldAddresses)
    {
        Volatile.Write(ref _heldAddresses, heldAddresses.ToHashSet());
        ApplySuspension();
    }

    /// <summary>Re-reads the kernel table and applies what differs (also what the timers and health events trigger).</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Pass(_health, only: null, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// One pass under the gate: read the kernel (all of it, or only the services of <paramref name="only"/> and the
    /// retired ones, merged into what the last pass left), plan, diff, apply. What the kernel then holds is known
    /// from the read and the operations it accepted, without a second dump. With fromKnown (a health transition's
    /// pass) <paramref name="only"/> is planned against what the last pass left, reading only the services whose
    /// drains need live connection counts (usually none).
    /// </summary>
    private LvsPassTimings Pass(IHealthSource? health, IReadOnlySet<string>? only, CancellationToken cancellationToken, bool fromKnown = false)
    {
        var reading = System.Diagnostics.Stopwatch.GetTimestamp();
        var services = only is null ? null : fromKnown ? _planner.ServicesNeedingCounts(only) : _planner.PartialScope(only, _known.Services.Count);
        var partial = services is not null;
        ActualTable actual;
        if (services is not null)
        {
            actual = _known;
            foreach (var key in services)
            {
                cancellationToken.ThrowIfCancellationRequested();
                actual = actual.WithService(key, _table.ReadService(key));
            }
        }
        else
        {
            actual = _table.Read();
        }

        var read = System.Diagnostics.Stopwatch.GetElapsedTime(reading);
        var planning = System.Diagnostics.Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        var seen = new List<(RealServerKey Server, bool Alive, int Weight)>();
        var plan = _planner.Plan(k => Seen(seen, k, health?.Get(k)), actual, now, partial ? only : null);
        var operations = IpvsDiff.Compute(plan.Desired, actual);
        var planned = System.Diagnostics.Stopwatch.GetElapsedTime(planning);
        var applying = System.Diagnostics.Stopwatch.GetTimestamp();
        var failures = Apply(operations);
        var applied = System.Diagnostics.Stopwatch.GetElapsedTime(applying);
        RunScripts(plan.Notifications);
        lock (_plannedGate)
        {
            foreach (var (server, alive, weight) in seen)
            {
                _planned[server] = (alive, weight);
            }
        }

        var known = failures.Count == 0 ? actual.With(operations) : actual.With(Succeeded(operations, failures));
        lock (_statusGate)
        {
            _known = known;
            _lastReconcile = now;
            _lastOperations = operations.Count;
        }

        Interlocked.Increment(ref _passes);
        ScheduleDrain(plan.NextDrainDeadline, now, replace: !partial);
        if (fromKnown && failures.Count > 0)
        {
            // The kernel was not as the last pass left it (a hand edit): a full pass reads it and repairs.
            Wake();
        }

        return new LvsPassTimings(services?.Count ?? -1, TimeSpan.Zero, TimeSpan.Zero, read, planned, applied, operations.Count);
    }

    private static IEnumerable<IpvsOperation> Succeeded(IReadOnlyList<IpvsOperation> operations, IReadOnlyList<LvsOperationFailure> failures)
    {
        var failed = failures.Select(f => f.Operation).ToHashSet(ReferenceEqualityComparer.Instance);
        return operations.Where(o => !failed.Contains(o));
    }

    public LvsStatus GetStatus()
    {
        var snapshot = _health?.Snapshot().ToDictionary(s => s.Server) ?? [];
        var model = _planner.Model;
        lock (_statusGate)
        {
            var servers = model.VirtualServers.Select(vs =>
            {
                var first = vs.Services.Count > 0 && _known.Services.TryGetValue(vs.Services[0].Key, out var s) ? s : null;
                var sorryActive = vs.SorryServer is { } sorry && first?.Destinations.TryGetValue(DestinationKey.Of(sorry), out var d) == true && d.Settings.Weight > 0;
                var realServers = vs.RealServers.Select(rs =>
                {
                    snapshot.TryGetValue(rs.HealthKey, out var checks);
                    ActualDestination? kernel = null;
                    first?.Destinations.TryGetValue(rs.Key, out kernel);
                    return new LvsRealServerStatus(
                        rs.Key.ToString(),
                        checks?.Health ?? Health.Up,
                        checks?.Weight ?? (int)rs.Destination.Weight,
                        kernel?.Settings.Weight,
                        kernel?.ActiveConnections ?? 0,
                        checks?.Suspended ?? false,
                        kernel is { Settings.Weight: 0 } && (checks?.Health == Health.Down) && !rs.InhibitOnFailure)
                        .WithLatestCheck(checks?.Checkers);
                }).ToList();
                return new LvsVirtualServerStatus(vs.Name, [.. vs.Services.Select(x => x.Key.ToString())], _planner.HasQuorum(vs.Name), sorryActive, realServers);
            }).ToList();
            return new LvsStatus(servers, _lastReconcile, _lastOperations, Interlocked.Read(ref _totalOperations), Interlocked.Read(ref _totalFailures), Passes);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        _resyncTimer?.Dispose();
        _drainTimer?.Dispose();
        _wake.Writer.TryComplete();
        if (_health is not null)
        {
            await _health.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _gate.Dispose();
    }

    private IReadOnlyList<LvsOperationFailure> Apply(IReadOnlyList<IpvsOperation> operations)
    {
        if (operations.Count == 0)
        {
            return [];
        }

        // Logged once applied: formatting a line (and waiting for the sink, which the checkers' lines share) before the
        // netlink request would delay a failed server's removal.
        var failures = _table.Apply(operations);
        if (operations.Count <= LoggedOneByOne)
        {
            foreach (var operation in operations)
            {
                LogOperation(_logger, operation.Name, operation.ToString());
            }
        }
        else
        {
            // A first start of thousands of destinations: one line per kind, each operation only with -D.
            LogOperations(_logger, operations.Count, string.Join(", ", operations.GroupBy(o => o.Name).Select(g => $"{g.Count()} {g.Key}")));
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                foreach (var operation in operations)
                {
                    LogOperationDetail(_logger, operation.Name, operation.ToString());
                }
            }
        }

        foreach (var failure in failures)
        {
            LogOperationFailed(_logger, failure.Operation.Name, failure.Operation.ToString(), failure.Error);
        }

        Interlocked.Add(ref _totalOperations, operations.Count);
        Interlocked.Add(ref _totalFailures, failures.Count);
        return failures;
    }

    private void RunScripts(IReadOnlyList<LvsNotification> notifications)
    {
        foreach (var notification in notifications)
        {
            _scripts.Run(notification.Script, notification.Reason);
        }
    }

    /// <summary><c>lvs_timeouts</c>: written at start and when a reload changes them; a refusal is logged, not fatal.</summary>
    private void SetTimeouts(LvsModel model)
    {
        if (model.Timeouts is not { } timeouts)
        {
            return;
        }

        try
        {
            _table.SetTimeouts(timeouts);
        }
        catch (Kad.Netlink.Protocol.NetlinkException e)
        {
            LogTimeoutsFailed(_logger, e, timeouts.Tcp.TotalSeconds, timeouts.TcpFin.TotalSeconds, timeouts.Udp.TotalSeconds);
        }
    }

    private void ApplySuspension()
    {
        var held = Volatile.Read(ref _heldAddresses);
        var health = _health;
        if (health is null)
        {
            return;
        }

        foreach (var vs in _planner.Model.VirtualServers.Where(v => v.HaSuspend && v.VirtualAddresses.Count > 0))
        {
            health.SetSuspended(vs.Name, held is not null && !vs.VirtualAddresses.Any(held.Contains));
        }
    }

    /// <summary>
    /// Arms the drain poll for <paramref name="deadline"/>. A full pass knows every drain and replaces the timer; a
    /// partial one saw only its own services, so it only brings an armed poll forward.
    /// </summary>
    private void ScheduleDrain(DateTimeOffset? deadline, DateTimeOffset now, bool replace)
    {
        if (!replace && (deadline is null || (_drainDue is { } armed && armed <= deadline)))
        {
            return;
        }

        _drainTimer?.Dispose();
        _drainTimer = null;
        _drainDue = null;
        if (deadline is { } due && !_stopping.IsCancellationRequested)
        {
            _drainDue = due;
            var wait = due - now;
            wait = wait < _options.DrainPollInterval ? (wait < TimeSpan.Zero ? TimeSpan.Zero : wait) : _options.DrainPollInterval;
            _drainTimer = _time.CreateTimer(_ => Wake(), null, wait, Timeout.InfiniteTimeSpan);
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Notes what a pass saw of a server's health (kept once the pass is applied; see <see cref="Matters"/>).</summary>
    private static (Health Health, int Weight)? Seen(List<(RealServerKey, bool, int)> seen, RealServerKey server, (Health Health, int Weight)? state)
    {
        if (state is { } value)
        {
            seen.Add((server, value.Health != Health.Down, value.Weight));
        }

        return state;
    }

    /// <summary>
    /// Whether an event can change the desired table: a pass uses only "down or not" and the weight, so a checker
    /// going from unknown to up (every checker's first result at start) needs no pass when the last pass saw the
    /// same. Anything that differs from what the last pass saw wakes one, which re-reads every server.
    /// </summary>
    private bool Matters(HealthEvent change)
    {
        lock (_plannedGate)
        {
            return !_planned.TryGetValue(change.Server, out var seen) || seen != (change.ServerHealth != Health.Down, change.ServerWeight);
        }
    }

    private async Task WatchHealthAsync()
    {
        var health = _health!;
        try
        {
            var events = health.Events;
            var changes = new List<HealthEvent>();
            while (await events.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                // Every transition already queued joins this pass: a burst costs one pass per burst, not per event.
                while (events.TryRead(out var change))
                {
                    if (_logger.IsEnabled(LogLevel.Debug))
                    {
                        LogHealth(_logger, change.Server.ToString(), change.ServerHealth, change.ServerWeight);
                    }

                    if (Matters(change))
                    {
                        changes.Add(change);
                    }
                }

                if (changes.Count > 0)
                {
                    await HealthPassAsync(changes, _stopping.Token).ConfigureAwait(false);
                    changes.Clear();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// On the checker's thread, as the transition is recorded: its pass at once when no other pass holds the gate,
    /// as keepalived's checker sends its IPVS command from its own event loop — no thread is woken between a failed
    /// check and its removal (on a small or busy machine, waking another CPU for it cost tens of ms). The pass is a
    /// health pass (<see cref="HealthPassAsync"/>): one virtual server planned from the table the last pass left,
    /// usually one netlink request. It runs before the event is written to the channel, so the channel's reader
    /// (<see cref="WatchHealthAsync"/>) finds it applied instead of racing for the gate; a busy gate leaves the event
    /// to that reader. Never waits: another checker's thread may hold a server's lock this pass asks for, but never
    /// waits for this gate.
    /// </summary>
    private void OnTransitionRecorded(HealthEvent change)
    {
        if (_stopping.IsCancellationRequested || !Matters(change) || !_gate.Wait(0))
        {
            return;
        }

        HealthPassUnderGate(new HashSet<string>(StringComparer.Ordinal) { change.Server.VirtualServer }, CancellationToken.None);
    }

    /// <summary>
    /// The health pass of transitions read from the channel (those <see cref="OnTransitionRecorded"/> could not
    /// apply), run right here rather than handed to <see cref="ReconcileLoopAsync"/>: only the virtual servers of <paramref name="changes"/> are
    /// planned, against the table the last pass left, and nothing is read from the kernel first — as keepalived
    /// removes a failed server with one IPVS command — unless a drain needs live connection counts. A refused
    /// operation means the kernel differed (a hand edit): the pass then wakes a full one, which reads it; other drift
    /// waits for the resync, as before.
    /// </summary>
    private async Task HealthPassAsync(List<HealthEvent> changes, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        // Asked again under the gate: the pass run on the checker's thread usually applied them already.
        HealthPassUnderGate(changes.Where(Matters).Select(c => c.Server.VirtualServer).ToHashSet(StringComparer.Ordinal), cancellationToken);
    }

    /// <summary>
    /// The health pass of <paramref name="scope"/> (none when empty) with the gate already held, released here: a
    /// failed apply (e.g. the socket) must not end watching, so it is logged and a full pass retries.
    /// </summary>
    private void HealthPassUnderGate(IReadOnlySet<string> scope, CancellationToken cancellationToken)
    {
        try
        {
            if (scope.Count > 0)
            {
                Pass(_health, scope, cancellationToken, fromKnown: true);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReconcileFailed(_logger, ex);
            Wake();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReconcileLoopAsync()
    {
        try
        {
            await foreach (var _ in _wake.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await ReconcileAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed dump (e.g. the socket) must not end reconciling: the next wake retries.
                    LogReconcileFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} {Subject}")]
    private static partial void LogOperation(ILogger logger, string operation, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "applying {Count} IPVS operations: {Kinds}")]
    private static partial void LogOperations(ILogger logger, int count, string kinds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Operation} {Subject}")]
    private static partial void LogOperationDetail(ILogger logger, string operation, string subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} {Subject} failed: {Error}")]
    private static partial void LogOperationFailed(ILogger logger, string operation, string subject, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LVS configuration: {Warning}")]
    private static partial void LogModelWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "flushing the IPVS table ({Reason})")]
    private static partial void LogFlush(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "lvs_timeouts tcp {Tcp} tcpfin {TcpFin} udp {Udp}: the kernel refused them")]
    private static partial void LogTimeoutsFailed(ILogger logger, Exception error, double tcp, double tcpFin, double udp);

    [LoggerMessage(Level = LogLevel.Debug, Message = "health: {Server} is {Health}, weight {Weight}")]
    private static partial void LogHealth(ILogger logger, string server, Health health, int weight);

    [LoggerMessage(Level = LogLevel.Error, Message = "reconcile pass failed; retrying on the next trigger")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);
}
