using Kad.Vrrp.Tracking;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Vrrp.Engine;

/// <summary>What one instance tracks (<c>track_interface</c>, <c>track_script</c>, <c>track_file</c>).</summary>
public sealed record VrrpTrackingOptions
{
    public IReadOnlyList<TrackedInterfaceOptions> Interfaces { get; init; } = [];

    public IReadOnlyList<TrackedScriptOptions> Scripts { get; init; } = [];

    public IReadOnlyList<TrackedFileOptions> Files { get; init; } = [];

    /// <summary><c>dont_track_primary</c>: the instance's own interface going down does not put it in Fault.</summary>
    public bool DontTrackPrimary { get; init; }
}

public sealed record TrackedInterfaceOptions(string Name, int Weight = 0, bool Reverse = false);

/// <summary>A <c>track_script</c> entry: the <c>vrrp_script</c> name and an optional weight overriding the script's own.</summary>
public sealed record TrackedScriptOptions(string Name, int? Weight = null, bool Reverse = false);

public sealed record TrackedFileOptions(string Name, string Path, int Weight = 1, bool Reverse = false);

/// <summary>One instance and its tracking.</summary>
public sealed record VrrpInstanceSettings(VrrpInstanceOptions Instance, VrrpTrackingOptions? Tracking = null);

/// <summary>A <c>vrrp_script</c> with its default weight.</summary>
public sealed record VrrpScriptSettings(VrrpScriptOptions Script, int Weight = 0);

/// <summary>Everything the engine runs: instances, sync groups (name → member instance names), scripts.</summary>
public sealed record VrrpEngineOptions
{
    public IReadOnlyList<VrrpInstanceSettings> Instances { get; init; } = [];

    public IReadOnlyDictionary<string, IReadOnlyList<string>> SyncGroups { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public IReadOnlyList<VrrpScriptSettings> Scripts { get; init; } = [];

    /// <summary><c>vrrp_rt_priority</c>: SCHED_RR priority of the interface threads; null = normal scheduling.</summary>
    public int? RealtimePriority { get; init; }

    /// <summary>How often <c>track_file</c> files are re-read.</summary>
    public TimeSpan TrackFilePollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>The engine's ports to the outside (implemented by the Daemon).</summary>
public sealed record VrrpEnginePorts(IVirtualAddressPort Addresses, IVrrpNotifyPort Notify, IScriptRunner Scripts, ILinkStateSource? Links = null)
{
    /// <summary>Runs first on every interface thread (tests enter a network namespace there).</summary>
    public Action? OnThreadStart { get; init; }

    /// <summary>Creates and deletes <c>use_vmac</c> interfaces; required when an instance uses one.</summary>
    public IVirtualMacPort? VirtualMacs { get; init; }
}

/// <summary>
/// The VRRP engine: one <see cref="VrrpInterfaceLoop"/> (dedicated thread) per interface, tracking feeding each
/// instance's priority and fault through posts to that thread, sync groups, and script / file monitors on the
/// thread pool. Start opens every socket; stop makes masters resign (priority 0) and release their addresses.
/// </summary>
public sealed class VrrpEngine : IAsyncDisposable
{
    private readonly VrrpEngineOptions _options;
    private readonly VrrpEnginePorts _ports;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly List<VrrpInterfaceLoop> _loops = [];
    private readonly Dictionary<string, (VrrpInstance Instance, VrrpInterfaceLoop Loop, InstanceTracker Tracker)> _byName = new(StringComparer.Ordinal);
    private readonly List<SyncGroup> _groups = [];
    private readonly List<Task> _monitors = [];
    private readonly CancellationTokenSource _stopping = new();

    public VrrpEngine(VrrpEngineOptions options, VrrpEnginePorts ports, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _ports = ports ?? throw new ArgumentNullException(nameof(ports));
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        Build();
    }

    public IReadOnlyList<VrrpInstance> Instances => [.. _byName.Values.Select(v => v.Instance)];

    public IReadOnlyList<VrrpInterfaceLoop> Loops => _loops;

    public IReadOnlyList<SyncGroup> SyncGroups => _groups;

    public VrrpInstance Instance(string name) => _byName[name].Instance;

    public InstanceTracker Tracker(string name) => _byName[name].Tracker;

    /// <summary>Opens every interface and starts every instance; completes when all are running (throws if any failed).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var loop in _loops)
        {
            loop.Start();
        }

        await Task.WhenAll(_loops.Select(l => l.Started)).WaitAsync(cancellationToken).ConfigureAwait(false);
        var scriptSettings = _options.Scripts.ToDictionary(s => s.Script.Name, StringComparer.Ordinal);
        foreach (var settings in scriptSettings.Values)
        {
            var monitor = new ScriptMonitor(settings.Script, _ports.Scripts, _time, OnScriptHealth);
            _monitors.Add(Task.Run(() => monitor.RunAsync(_stopping.Token), CancellationToken.None));
        }

        if (_options.Instances.Any(i => i.Tracking?.Files.Count > 0))
        {
            _monitors.Add(Task.Run(() => PollFilesAsync(_stopping.Token), CancellationToken.None));
        }

        if (_ports.Links is { } links)
        {
            links.LinkChanged += OnLinkChanged;
        }
    }

    /// <summary>
    /// Reload in place: each instance takes its new options on its interface thread (see
    /// <see cref="VrrpInstance.Reconfigure"/>); completes when all have, faults if one refused.
    /// </summary>
    public Task ReconfigureAsync(IEnumerable<VrrpInstanceOptions> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var applied = new List<Task>();
        foreach (var options in instances)
        {
            var (instance, loop, _) = _byName.TryGetValue(options.Name, out var found) ? found : throw new ArgumentException($"no instance {options.Name}");
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Post(() =>
            {
                try
                {
                    instance.Reconfigure(options);
                    done.SetResult();
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            });
            applied.Add(done.Task);
        }

        return Task.WhenAll(applied);
    }

    /// <summary>
    /// Reload in place with tracking: the same as <see cref="ReconfigureAsync(IEnumerable{VrrpInstanceOptions})"/>, and
    /// each instance's tracker takes the new weights of the objects it tracks (see <see cref="InstanceTracker.Reweigh"/>),
    /// so a weight change moves the priority the way a tracked object's change would, without leaving the state.
    /// Throws <see cref="ArgumentException"/> before changing anything when an instance tracks other objects now.
    /// </summary>
    public Task ReconfigureAsync(IEnumerable<VrrpInstanceSettings> instances, IEnumerable<VrrpScriptSettings> scripts)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(scripts);
        var scriptWeights = scripts.ToDictionary(s => s.Script.Name, s => s, StringComparer.Ordinal);
        var reweighed = new List<(InstanceTracker Tracker, List<TrackedInput> Inputs)>();
        var options = new List<VrrpInstanceOptions>();
        foreach (var settings in instances)
        {
            var tracker = _byName.TryGetValue(settings.Instance.Name, out var found) ? found.Tracker : throw new ArgumentException($"no instance {settings.Instance.Name}");
            var inputs = TrackedInputs(settings, scriptWeights);
            if (!tracker.TracksExactly(inputs))
            {
                throw new ArgumentException($"{settings.Instance.Name}: the tracked objects changed and need a restart of the instance");
            }

            reweighed.Add((tracker, inputs));
            options.Add(settings.Instance);
        }

        foreach (var (tracker, inputs) in reweighed)
        {
            tracker.Reweigh(inputs);
        }

        return ReconfigureAsync(options);
    }

    /// <summary>Masters send priority 0 and release their addresses; threads and monitors stop.</summary>
    public async Task StopAsync()
    {
        if (_ports.Links is { } links)
        {
            links.LinkChanged -= OnLinkChanged;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var loop in _loops)
        {
            loop.Stop(TimeSpan.FromSeconds(5));
        }

        try
        {
            await Task.WhenAll(_monitors).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // expected: monitors end by cancellation
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Build()
    {
        var scriptWeights = _options.Scripts.ToDictionary(s => s.Script.Name, s => s, StringComparer.Ordinal);
        var instances = new List<(VrrpInstanceSettings Settings, VrrpInstance Instance)>();
        foreach (var settings in _options.Instances)
        {
            var instance = new VrrpInstance(settings.Instance, _time, _ports.Addresses, _ports.Notify, _loggers.CreateLogger("Kad.Vrrp." + settings.Instance.Name));
            instances.Add((settings, instance));
        }

        // One thread per interface that carries adverts: with use_vmac that is the VMAC (keepalived sends and reads
        // adverts there), so each VMAC instance has its own loop unless vmac_xmit_base keeps it on the base.
        foreach (var group in instances.GroupBy(i => i.Settings.Instance.AdvertInterface, StringComparer.Ordinal))
        {
            var loop = new VrrpInterfaceLoop(group.Key, group.Select(g => g.Instance), _time, _loggers.CreateLogger<VrrpInterfaceLoop>(), _ports.OnThreadStart, _options.RealtimePriority, _ports.VirtualMacs);
            _loops.Add(loop);
            foreach (var (settings, instance) in group)
            {
                var tracker = new InstanceTracker(TrackedInputs(settings, scriptWeights), result => loop.Post(() =>
                {
                    instance.SetPriorityAdjustment(result.PriorityAdjustment);
                    instance.SetFault(result.Fault);
                }));

                // Before the thread starts: the instance applies these when it binds.
                instance.SetPriorityAdjustment(tracker.Current.PriorityAdjustment);
                instance.SetFault(tracker.Current.Fault);
                _byName.Add(settings.Instance.Name, (instance, loop, tracker));
            }
        }

        foreach (var (name, members) in _options.SyncGroups)
        {
            _groups.Add(new SyncGroup(name, members.Select(m =>
            {
                var (instance, loop, _) = _byName.TryGetValue(m, out var found) ? found : throw new ArgumentException($"sync group {name}: no instance {m}");
                return new SyncGroupMember(instance, loop.Post);
            }), _ports.Notify));
        }
    }

    private List<TrackedInput> TrackedInputs(VrrpInstanceSettings settings, Dictionary<string, VrrpScriptSettings> scripts)
    {
        var tracking = settings.Tracking ?? new VrrpTrackingOptions();
        var inputs = new List<TrackedInput>();
        var interfaces = tracking.Interfaces.ToList();
        if (!tracking.DontTrackPrimary && interfaces.All(i => i.Name != settings.Instance.Interface))
        {
            interfaces.Add(new TrackedInterfaceOptions(settings.Instance.Interface));
        }

        foreach (var tracked in interfaces)
        {
            inputs.Add(new HealthInput(tracked.Name, _ports.Links?.IsUp(tracked.Name) ?? true, tracked.Weight, tracked.Reverse, TrackKind.Interface));
        }

        foreach (var tracked in tracking.Scripts)
        {
            if (!scripts.TryGetValue(tracked.Name, out var script))
            {
                throw new ArgumentException($"{settings.Instance.Name}: track_script {tracked.Name} has no vrrp_script");
            }

            inputs.Add(new HealthInput(tracked.Name, !script.Script.InitFail, tracked.Weight ?? script.Weight, tracked.Reverse, TrackKind.Script));
        }

        foreach (var tracked in tracking.Files)
        {
            inputs.Add(new FileInput(tracked.Name, TrackFile.Read(tracked.Path), tracked.Weight, tracked.Reverse));
        }

        return inputs;
    }

    private void OnScriptHealth(string script, bool healthy)
    {
        foreach (var (_, _, tracker) in _byName.Values)
        {
            tracker.SetHealth(TrackKind.Script, script, healthy);
        }
    }

    private void OnLinkChanged(string interfaceName, bool up)
    {
        foreach (var (_, _, tracker) in _byName.Values)
        {
            tracker.SetHealth(TrackKind.Interface, interfaceName, up);
        }
    }

    private async Task PollFilesAsync(CancellationToken cancellationToken)
    {
        var files = _options.Instances
            .SelectMany(i => (i.Tracking?.Files ?? []).Select(f => (i.Instance.Name, f.Name, f.Path)))
            .ToList();
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(_options.TrackFilePollInterval, _time, cancellationToken).ConfigureAwait(false);
            foreach (var (instance, name, path) in files)
            {
                _byName[instance].Tracker.SetFileValue(name, TrackFile.Read(path));
            }
        }
    }
}
