using System.Globalization;
using Kad.Config.Model;
using Kad.Control;
using Kad.Daemon.Hosting;
using Kad.Netlink.Route;
using Kad.Vrrp.Engine;
using Kad.Vrrp.StateMachine;
using Kad.Vrrp.Tracking;
using Kad.Vrrp.Transport;
using Microsoft.Extensions.Logging;
using EngineInstance = Kad.Vrrp.Engine.VrrpInstance;

namespace Kad.Daemon.Vrrp;

/// <summary>
/// The VRRP half: one <see cref="VrrpEngine"/> per unit (sync group, or lone instance), the rtnetlink address port and
/// link-state source they share, and per-instance transition counts for the status socket. A reload stops only the
/// units whose configuration changed and starts only new or changed ones; the others keep running untouched.
/// </summary>
internal sealed partial class VrrpHalf(ILoggerFactory loggers, TimeProvider time) : IDaemonHalf, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<VrrpHalf>();
    private readonly Dictionary<string, RunningUnit> _running = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    // Serialises reloads with the start that vrrp_startup_delay defers, so a reload during the delay cannot start
    // the same units a second time.
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private KeepalivedConfig? _delayedConfig;
    private DateTimeOffset _delayedUntil;
    private Task _delayedStart = Task.CompletedTask;
    private readonly NotifyFifoSet _fifos = new();
    private readonly Dictionary<string, System.Diagnostics.Process> _fifoReaders = new(StringComparer.Ordinal);
    private RtnetlinkClient? _client;
    private RtnetlinkLinkStateSource? _links;
    private IVirtualAddressPort? _addresses;
    private IVirtualMacPort? _virtualMacs;

    public string Name => "vrrp";

    public async Task StartAsync(KeepalivedConfig config, CancellationToken cancellationToken)
    {
        _client = RtnetlinkClient.Open();
        _addresses = new RtnetlinkAddressPort(_client, loggers.CreateLogger<RtnetlinkAddressPort>());
        _virtualMacs = new RtnetlinkVirtualMacPort(_client, loggers.CreateLogger<RtnetlinkVirtualMacPort>());
        _links = new RtnetlinkLinkStateSource(loggers.CreateLogger<RtnetlinkLinkStateSource>());
        _links.Start();
        WarnUnsupported(config);
        InitTrackFiles(config, atStart: true);
        ApplyNotifyFifos(config);
        if (config.Global.VrrpStartupDelay is { } delay && delay > TimeSpan.Zero)
        {
            // keepalived's vrrp_startup_delay: give the network time to settle after boot before any instance runs.
            // Only the instances wait: the daemon (checkers, IPVS, READY=1, the status socket) starts now, as
            // keepalived's does — a long delay must not hold up the other half or run into systemd's start timeout.
            LogStartupDelay(delay.TotalSeconds);
            _delayedConfig = config;
            _delayedUntil = time.GetUtcNow() + delay;
            _delayedStart = StartAfterDelayAsync(delay);
            return;
        }

        foreach (var unit in VrrpOptionsMapper.Units(config))
        {
            await StartUnitAsync(unit, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StartAfterDelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time, _stopping.Token).ConfigureAwait(false);
            await _applyGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            // The configuration of the latest reload, if one came during the delay.
            var config = _delayedConfig!;
            _delayedConfig = null;
            foreach (var unit in VrrpOptionsMapper.Units(config))
            {
                try
                {
                    await StartUnitAsync(unit, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Nothing waits on this start any more, so a unit that cannot start is logged, not thrown.
                    LogDelayedStartFailed(unit.Key, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            _applyGate.Release();
        }
    }

    public async Task<IReadOnlyList<string>> ApplyAsync(KeepalivedConfig config, CancellationToken cancellationToken)
    {
        await _applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ApplyUnderGateAsync(config, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _applyGate.Release();
        }
    }

    private async Task<IReadOnlyList<string>> ApplyUnderGateAsync(KeepalivedConfig config, CancellationToken cancellationToken)
    {
        WarnUnsupported(config);
        InitTrackFiles(config, atStart: false);
        ApplyNotifyFifos(config);
        if (_delayedConfig is not null)
        {
            _delayedConfig = config;
            return [string.Create(CultureInfo.InvariantCulture, $"VRRP: vrrp_startup_delay runs until {_delayedUntil:u}; the instances of this configuration start then")];
        }

        var wanted = VrrpOptionsMapper.Units(config);
        List<VrrpUnit> running;
        lock (_gate)
        {
            running = [.. _running.Values.Select(r => r.Unit)];
        }

        var plan = VrrpReloadPlan.Compute(running, wanted);
        foreach (var key in plan.Removed.Concat(plan.Changed))
        {
            await StopUnitAsync(key).ConfigureAwait(false);
        }

        var byKey = wanted.ToDictionary(u => u.Key, StringComparer.Ordinal);
        var restart = new List<string>(plan.Changed);
        foreach (var key in plan.Updated)
        {
            if (!await UpdateUnitAsync(byKey[key]).ConfigureAwait(false))
            {
                await StopUnitAsync(key).ConfigureAwait(false);
                restart.Add(key);
            }
        }

        foreach (var key in plan.Added.Concat(restart))
        {
            await StartUnitAsync(byKey[key], cancellationToken).ConfigureAwait(false);
        }

        LogPlan(plan.Kept.Count, plan.Added.Count, plan.Updated.Count, plan.Changed.Count, plan.Removed.Count);
        return plan.Describe();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _delayedStart.ConfigureAwait(false);
        List<string> keys;
        lock (_gate)
        {
            keys = [.. _running.Keys];
        }

        await Task.WhenAll(keys.Select(StopUnitAsync)).ConfigureAwait(false);
        if (_links is not null)
        {
            await _links.DisposeAsync().ConfigureAwait(false);
            _links = null;
        }

        _client?.Dispose();
        _client = null;
        StopFifoReaders(_fifoReaders.Keys.ToList());
        _fifos.Dispose();
    }

    /// <summary>Releases the netlink sockets if the host is torn down without a stop (a failed start).</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _links?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _links = null;
        _client?.Dispose();
        _client = null;
        StopFifoReaders(_fifoReaders.Keys.ToList());
        _fifos.Dispose();
        _stopping.Dispose();
        _applyGate.Dispose();
    }

    public StatusCounts Counts()
    {
        lock (_gate)
        {
            var instances = _running.Values.SelectMany(u => u.Instances).ToList();
            return new StatusCounts(instances.Count, instances.Count(i => i.Instance.State == VrrpState.Master), 0);
        }
    }

    public void AddStatus(StatusParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        List<RunningUnit> units;
        lock (_gate)
        {
            units = [.. _running.Values];
        }

        if (_delayedConfig is not null)
        {
            parts.StatsLines.Add(string.Create(CultureInfo.InvariantCulture, $"VRRP: vrrp_startup_delay, instances start at {_delayedUntil:u}"));
        }

        foreach (var unit in units)
        {
            foreach (var (instance, stats) in unit.Instances)
            {
                parts.Instances.Add(Status(instance, stats));
                parts.StatsLines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"VRRP instance {instance.Name}: adverts received {instance.AdvertsReceived}, sent {instance.AdvertsSent}, became master {instance.BecameMaster}, transitions {stats.Transitions}, dropped {instance.Drops.Total}"));
            }
        }
    }

    internal static VrrpInstanceStatus Status(EngineInstance instance, InstanceStats stats)
    {
        var options = instance.Options;
        return new VrrpInstanceStatus(
            instance.Name,
            options.Interface,
            options.VirtualRouterId,
            (int)options.Version,
            StateWord(stats.State),
            options.Priority,
            instance.Priority,
            instance.MasterAddress?.ToString(),
            [.. options.VirtualAddresses.Concat(options.ExcludedAddresses).Select(a => a.ToString())],
            stats.Transitions,
            stats.LastTransition,
            instance.Drops.Snapshot().Where(d => d.Value > 0).ToDictionary(d => d.Key.ToString(), d => d.Value, StringComparer.Ordinal));
    }

    internal static string StateWord(VrrpState state) => state switch
    {
        VrrpState.Master => "MASTER",
        VrrpState.Backup => "BACKUP",
        VrrpState.Fault => "FAULT",
        _ => "INIT",
    };

    private async Task StartUnitAsync(VrrpUnit unit, CancellationToken cancellationToken)
    {
        var runner = new ProcessScriptRunner();
        var notify = new NotifyDispatcher(unit.Notify, runner, loggers.CreateLogger<NotifyDispatcher>(), fifos: _fifos);
        var engine = new VrrpEngine(unit.Options, new VrrpEnginePorts(_addresses!, notify, runner, _links) { VirtualMacs = _virtualMacs }, time, loggers);
        var instances = new List<(EngineInstance, InstanceStats)>();
        foreach (var instance in engine.Instances)
        {
            var stats = new InstanceStats(time);
            instance.StateChanged += (i, change) =>
            {
                stats.Record(change.To);
                LogTransition(i.Name, StateWord(change.From), StateWord(change.To), change.Reason);
            };
            instances.Add((instance, stats));
        }

        try
        {
            await engine.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            await notify.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        lock (_gate)
        {
            _running[unit.Key] = new RunningUnit(unit, engine, notify, instances);
        }

        LogStarted(unit.Key);
    }

    /// <summary>Applies a unit's new addresses, notify scripts and GARP timing to its running instances; false (and
    /// the caller restarts the unit) if the engine refused or did not answer.</summary>
    private async Task<bool> UpdateUnitAsync(VrrpUnit unit)
    {
        RunningUnit? running;
        lock (_gate)
        {
            running = _running.GetValueOrDefault(unit.Key);
        }

        if (running is null)
        {
            return false;
        }

        try
        {
            running.Notify.Replace(unit.Notify);
            await running.Engine.ReconfigureAsync(unit.Options.Instances, unit.Options.Scripts).WaitAsync(TimeSpan.FromSeconds(10), time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or TimeoutException)
        {
            LogUpdateFailed(unit.Key, ex.Message);
            return false;
        }

        lock (_gate)
        {
            _running[unit.Key] = running with { Unit = unit };
        }

        return true;
    }

    private async Task StopUnitAsync(string key)
    {
        RunningUnit? unit;
        lock (_gate)
        {
            if (!_running.Remove(key, out unit))
            {
                return;
            }
        }

        await unit.Engine.DisposeAsync().ConfigureAwait(false);
        await unit.Notify.DisposeAsync().ConfigureAwait(false);
        LogStopped(key);
    }

    /// <summary>
    /// keepalived's <c>init_file [VALUE] [overwrite]</c>: write VALUE to a track_file that does not exist, or at start
    /// over an existing one with <c>overwrite</c>. A reload only creates missing files: overwriting the value an
    /// operator has since written, just because the configuration was reloaded, would undo their change.
    /// </summary>
    internal void InitTrackFiles(KeepalivedConfig config, bool atStart)
    {
        foreach (var file in config.TrackFiles.Where(f => f is { InitValue: not null, File: not null }))
        {
            try
            {
                if ((file.InitOverwrite && atStart) || !File.Exists(file.File))
                {
                    File.WriteAllText(file.File!, string.Create(CultureInfo.InvariantCulture, $"{file.InitValue}\n"));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogTrackFileInitFailed(file.Name, file.File!, ex.Message);
            }
        }
    }

    /// <summary>
    /// Opens the FIFOs of <c>notify_fifo</c> and <c>vrrp_notify_fifo</c> (keeping those already open) and starts their
    /// <c>*_fifo_script</c> readers with the path appended, as keepalived does; readers and FIFOs no longer configured
    /// are stopped and closed. A FIFO that cannot be opened is logged and skipped: notify scripts still run.
    /// </summary>
    private void ApplyNotifyFifos(KeepalivedConfig config)
    {
        var global = config.Global;
        var wanted = new[] { (Path: global.NotifyFifo, Script: global.NotifyFifoScript), (Path: global.VrrpNotifyFifo, Script: global.VrrpNotifyFifoScript) }
            .Where(w => w.Path is not null)
            .DistinctBy(w => w.Path, StringComparer.Ordinal)
            .ToList();
        var open = _fifos.Current.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var next = new List<NotifyFifo>();
        foreach (var (path, _) in wanted)
        {
            if (open.TryGetValue(path!, out var existing))
            {
                next.Add(existing);
                continue;
            }

            try
            {
                next.Add(NotifyFifo.Open(path!));
            }
            catch (VrrpSocketException ex)
            {
                LogFifoFailed(path!, ex.Message);
            }
        }

        _fifos.Replace(next);

        // A reader is identified by its command line and FIFO: a changed one is restarted.
        var readers = wanted.Where(w => w.Script is not null && next.Any(f => f.Path == w.Path))
            .ToDictionary(w => string.Join('\0', [.. w.Script!.Arguments, w.Path!]), w => (IReadOnlyList<string>)[.. w.Script!.Arguments, w.Path!], StringComparer.Ordinal);
        StopFifoReaders(_fifoReaders.Keys.Where(k => !readers.ContainsKey(k)).ToList());
        foreach (var (key, argv) in readers.Where(r => !_fifoReaders.ContainsKey(r.Key)))
        {
            try
            {
                var start = new System.Diagnostics.ProcessStartInfo(argv[0]) { UseShellExecute = false };
                foreach (var argument in argv.Skip(1))
                {
                    start.ArgumentList.Add(argument);
                }

                _fifoReaders[key] = System.Diagnostics.Process.Start(start)!;
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                LogFifoFailed(argv[^1], $"reader {argv[0]} could not start: {ex.Message}");
            }
        }
    }

    private void StopFifoReaders(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            if (_fifoReaders.Remove(key, out var reader))
            {
                try
                {
                    reader.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // already exited
                }

                reader.Dispose();
            }
        }
    }

    private void WarnUnsupported(KeepalivedConfig config)
    {
        foreach (var warning in VrrpConfigWarnings.Collect(config))
        {
            LogUnsupported(warning);
        }
    }

    private sealed record RunningUnit(VrrpUnit Unit, VrrpEngine Engine, NotifyDispatcher Notify, IReadOnlyList<(EngineInstance Instance, InstanceStats Stats)> Instances);

    [LoggerMessage(Level = LogLevel.Information, Message = "VRRP_Instance({Name}) {From} -> {To} ({Reason})")]
    private partial void LogTransition(string name, string from, string to, VrrpTransitionReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogUnsupported(string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "VRRP: vrrp_startup_delay, instances start in {Seconds} s")]
    private partial void LogStartupDelay(double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "VRRP {Unit} could not start after vrrp_startup_delay: {Error}")]
    private partial void LogDelayedStartFailed(string unit, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "track_file {Name}: init_file could not write {Path}: {Error}")]
    private partial void LogTrackFileInitFailed(string name, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "notify FIFO {Path}: {Error}")]
    private partial void LogFifoFailed(string path, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "VRRP {Unit} started")]
    private partial void LogStarted(string unit);

    [LoggerMessage(Level = LogLevel.Information, Message = "VRRP {Unit} stopped")]
    private partial void LogStopped(string unit);

    [LoggerMessage(Level = LogLevel.Information, Message = "VRRP reload: {Kept} unchanged, {Added} added, {Updated} updated in place, {Changed} restarted, {Removed} removed")]
    private partial void LogPlan(int kept, int added, int updated, int changed, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VRRP {Unit}: in-place update refused ({Reason}); restarting it")]
    private partial void LogUpdateFailed(string unit, string reason);
}

/// <summary>
/// Transitions of one instance, counted on its interface thread and read by the status server. The state shown is the
/// one recorded here, not the router's: the router enters a state before the transition's work (addresses, GARP) is
/// done and recorded, and a status read in between would show the new state beside the old count.
/// </summary>
internal sealed class InstanceStats(TimeProvider time)
{
    private long _transitions;
    private long _lastTicks;
    private int _state = (int)VrrpState.Initialize;

    /// <summary>Read before the count: a reader that sees a state also sees the count recorded with it.</summary>
    public VrrpState State => (VrrpState)Volatile.Read(ref _state);

    public long Transitions => Interlocked.Read(ref _transitions);

    public DateTimeOffset? LastTransition
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public void Record(VrrpState state)
    {
        Interlocked.Increment(ref _transitions);
        Interlocked.Exchange(ref _lastTicks, time.GetUtcNow().UtcTicks);
        Volatile.Write(ref _state, (int)state);
    }
}
