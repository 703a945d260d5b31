using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kad.Config;
using Kad.Config.Model;
using Kad.Control;
using Kad.Daemon.Lvs;
using Kad.Daemon.Planning;
using Kad.Daemon.Systemd;
using Kad.Netlink.Protocol;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Hosting;

/// <summary>
/// The running configuration and everything that changes it: the first load, reloads (SIGHUP or the status socket),
/// and the status snapshot. Reloads are serialised; a configuration with errors is refused before anything is touched.
/// </summary>
internal sealed partial class DaemonController(
    KadArguments arguments,
    IEnumerable<IDaemonHalf> halves,
    ISystemdNotifier notifier,
    IKernelTableSource kernel,
    TimeProvider time,
    ILogger<DaemonController> logger) : IDisposable
{
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly IReadOnlyList<IDaemonHalf> _halves = [.. halves];
    private readonly VirtualServerDetails _details = new();

    /// <summary>The configuration file's loads (start and reloads): an edit inside one virtual_server block reads only that block.</summary>
    private readonly IncrementalConfigLoader _loader = new();
    private KeepalivedConfig? _config;
    /// <summary>The running configuration's hash, computed when the status first asks for it (off the reload's path).</summary>
    private ContentHash _configHash = ContentHash.Unread;
    private ReloadResult? _lastReload;

    /// <summary>Whether the last reload failed while applying: the halves may then be between two configurations, so the next one asks every half.</summary>
    private bool _applyFailed;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public IReadOnlyList<IDaemonHalf> Halves => _halves;

    /// <summary>Reads and validates the configuration; logs every diagnostic. Null when it has errors.</summary>
    public (KeepalivedConfig? Config, string Hash, IReadOnlyList<string> Diagnostics) Load()
    {
        var (config, hash, diagnostics) = Load(out _);
        return (config, hash.Value, diagnostics);
    }

    private (KeepalivedConfig? Config, ContentHash Hash, IReadOnlyList<string> Diagnostics) Load(out TimeSpan reading)
    {
        var (config, hash, diagnostics, unreadable) = Read(arguments.ConfigFile, _loader, out reading);
        if (unreadable is not null)
        {
            LogUnreadable(arguments.ConfigFile, unreadable);
            return (null, hash, [$"{arguments.ConfigFile}: {unreadable}"]);
        }

        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.IsError)
            {
                LogConfigError(diagnostic.ToString());
            }
            else
            {
                LogConfigWarning(diagnostic.ToString());
            }
        }

        return (config, hash, [.. diagnostics.Select(d => d.ToString())]);
    }

    /// <summary>
    /// Reads, hashes and validates <paramref name="file"/> without logging; Config is null when it has errors. With
    /// <paramref name="loader"/> (the running configuration's file), the load reuses the last one where it can.
    /// </summary>
    /// <remarks>
    /// The file is read once: the hash is of the very bytes the loader parsed (a file replaced in between cannot
    /// make the hash and the running configuration disagree); it is computed when first asked for (by the status).
    /// <paramref name="reading"/> is the read; with <paramref name="loader"/> the bytes go to it undecoded (an edit
    /// inside one block decodes only that block).
    /// </remarks>
    private (KeepalivedConfig? Config, ContentHash Hash, IReadOnlyList<ConfigDiagnostic> Diagnostics, string? Unreadable) Read(string file, IncrementalConfigLoader? loader, out TimeSpan reading)
    {
        var started = Stopwatch.GetTimestamp();
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reading = Stopwatch.GetElapsedTime(started);
            return (null, ContentHash.Unread, [], e.Message);
        }

        var hash = new ContentHash(bytes);
        reading = Stopwatch.GetElapsedTime(started);
        var result = loader is not null ? loader.LoadUtf8(bytes, file, arguments.LoadOptions()) : KeepalivedConfigLoader.LoadText(Decode(bytes), file, arguments.LoadOptions());
        return (result.HasErrors ? null : result.Config, hash, result.Diagnostics, null);
    }

    /// <summary>UTF-8 without its byte order mark, as <see cref="IncrementalConfigLoader.LoadUtf8"/> reads it.</summary>
    private static string Decode(byte[] bytes)
    {
        var content = bytes.AsSpan();
        return Encoding.UTF8.GetString(content.StartsWith(Encoding.UTF8.Preamble) ? content[Encoding.UTF8.Preamble.Length..] : content);
    }

    /// <summary>
    /// What a reload to <paramref name="file"/> would change, against the running configuration, the checkers' health
    /// and the kernel's IPVS table; applies nothing. Waits for a reload in progress, so the answer is about a settled state.
    /// </summary>
    public async Task<PlanResult> PlanAsync(string file, CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A plan of another file must not replace what the next reload starts from.
            var (config, hash, found, unreadable) = Read(file, loader: null, out _);
            IReadOnlyList<string> diagnostics = unreadable is null ? [.. found.Select(d => d.ToString())] : [$"{file}: {unreadable}"];
            var current = _config;
            if (config is null || current is null)
            {
                return new PlanResult(file, hash.Value, false, diagnostics, [], [], current is null ? ["the daemon has no running configuration yet"] : []);
            }

            var notes = new List<string>();
            IReadOnlyList<VrrpChange> vrrp = [];
            if (_halves.Any(h => h.Name == VrrpHalfName))
            {
                vrrp = ReloadPlanner.Vrrp(current, config);
            }
            else
            {
                notes.Add("the VRRP half is not running (--check): no VRRP changes");
            }

            IReadOnlyList<IpvsChange> ipvs = [];
            if (!_halves.Any(h => h.Name == LvsHalfName))
            {
                notes.Add("the checker half is not running (--vrrp): no IPVS changes");
            }
            else if (!current.VirtualServers.IsEmpty || !config.VirtualServers.IsEmpty)
            {
                ipvs = PlanIpvs(current, config, notes);
            }

            return new PlanResult(file, hash.Value, true, diagnostics, vrrp, ipvs, notes);
        }
        finally
        {
            _reloading.Release();
        }
    }

    private const string VrrpHalfName = "vrrp";
    private const string LvsHalfName = "lvs";

    private IReadOnlyList<IpvsChange> PlanIpvs(KeepalivedConfig current, KeepalivedConfig next, List<string> notes)
    {
        ActualTable actual;
        try
        {
            actual = kernel.Read();
        }
        catch (NetlinkException e)
        {
            notes.Add($"cannot read the IPVS table ({e.Message}): IPVS changes not computed");
            return [];
        }

        var parts = new StatusParts();
        foreach (var half in _halves)
        {
            half.AddStatus(parts);
        }

        var before = LvsConfigMapper.Map(current);
        var after = LvsConfigMapper.Map(next);
        notes.AddRange(after.Warnings);
        var operations = ReloadPlanner.Ipvs(before, after, ReloadPlanner.PredictHealth(before, after, parts.VirtualServers), actual, time.GetUtcNow());
        return [.. operations.Select(o => ReloadPlanner.Describe(o, actual))];
    }

    /// <summary>First start: load (a bad file stops the daemon) and bring every enabled half up.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var collections = GcCount.Now;
        var (config, hash, _) = Load(out var reading);
        var loaded = Stopwatch.GetElapsedTime(started);
        if (config is null)
        {
            throw new InvalidOperationException($"configuration {arguments.ConfigFile} has errors; not starting");
        }

        _config = config;
        _configHash = hash;
        notifier.Notify(SystemdMessages.Status("starting"));
        var stages = new List<string> { Milliseconds("read", reading), Milliseconds("parse+validate", loaded - reading) };
        foreach (var half in _halves)
        {
            var starting = Stopwatch.GetTimestamp();
            await half.StartAsync(config, cancellationToken).ConfigureAwait(false);
            stages.Add(Stage(half, Stopwatch.GetElapsedTime(starting)));
        }

        stages.Add(GcCount.Now.Since(collections));

        LogStarted(arguments.ConfigFile, string.Join(", ", _halves.Select(h => h.Name)), Stopwatch.GetElapsedTime(started).TotalMilliseconds, string.Join(", ", stages));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var half in _halves.Reverse())
        {
            try
            {
                await half.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogStopFailed(e, half.Name);
            }
        }
    }

    /// <summary>
    /// Reload: parse and validate first; with errors the running configuration stays and the reason is logged and
    /// returned. Otherwise each half applies only the difference, between RELOADING=1 and READY=1.
    /// </summary>
    public async Task<ReloadResult> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            LogReloading(arguments.ConfigFile);
            var started = Stopwatch.GetTimestamp();
            var collections = GcCount.Now;
            var (config, hash, diagnostics) = Load(out var reading);
            var loaded = Stopwatch.GetElapsedTime(started);
            if (config is null)
            {
                var refused = new ReloadResult(time.GetUtcNow(), false, "configuration has errors; the running configuration is kept", [], diagnostics);
                LogReloadRefused(arguments.ConfigFile);
                _lastReload = refused;
                return refused;
            }

            var notifying = Stopwatch.GetTimestamp();
            notifier.Notify(SystemdMessages.Reloading(Stopwatch.GetTimestamp()));
            var changes = new List<string>();
            var stages = new List<string>
            {
                Milliseconds("read", reading),
                Milliseconds("parse+validate", loaded - reading) + $" ({_loader.LastLoad})",
                Milliseconds("notify", Stopwatch.GetElapsedTime(notifying)),
            };
            try
            {
                foreach (var half in _halves)
                {
                    var applying = Stopwatch.GetTimestamp();
                    if (half.Name == VrrpHalfName && !_applyFailed && _config is { } running && ReloadScope.LeavesVrrpAlone(running, config))
                    {
                        stages.Add(Milliseconds(VrrpHalfName + " untouched (no VRRP setting changed)", Stopwatch.GetElapsedTime(applying)));
                        continue;
                    }

                    changes.AddRange(await half.ApplyAsync(config, cancellationToken).ConfigureAwait(false));
                    stages.Add(Stage(half, Stopwatch.GetElapsedTime(applying)));
                }

                _config = config;
                _configHash = hash;
                _applyFailed = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _applyFailed = true;
                LogReloadFailed(e);
                var failed = new ReloadResult(time.GetUtcNow(), false, "reload failed while applying: " + e.Message, changes, diagnostics);
                _lastReload = failed;
                return failed;
            }
            finally
            {
                notifier.Notify(SystemdMessages.Ready + "\n" + SystemdMessages.Status(StatusLine()));
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            stages.Add(GcCount.Now.Since(collections));
            var summary = changes.Count == 0
                ? string.Create(CultureInfo.InvariantCulture, $"applied: nothing changed ({elapsed.TotalMilliseconds:F0} ms)")
                : string.Create(CultureInfo.InvariantCulture, $"applied: {changes.Count} change(s) in {elapsed.TotalMilliseconds:F0} ms");
            LogReloaded(summary, string.Join(", ", stages));
            var result = new ReloadResult(time.GetUtcNow(), true, summary, changes, diagnostics);
            _lastReload = result;
            return result;
        }
        finally
        {
            _reloading.Release();
        }
    }

    public void Dispose() => _reloading.Dispose();

    /// <summary>A half's time, with its own account of it when it keeps one.</summary>
    private static string Stage(IDaemonHalf half, TimeSpan elapsed) =>
        half.LastApplyStages is { } detail ? $"{Milliseconds(half.Name, elapsed)} ({detail})" : Milliseconds(half.Name, elapsed);

    private static string Milliseconds(string stage, TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture, $"{stage} {elapsed.TotalMilliseconds:F1} ms");

    public DaemonStatus Status()
    {
        var parts = new StatusParts();
        foreach (var half in _halves)
        {
            half.AddStatus(parts);
        }

        var now = time.GetUtcNow();
        var info = new DaemonInfo(BuildInfo.Version, Environment.ProcessId, StartedAt, (now - StartedAt).TotalSeconds, arguments.ConfigFile, _configHash.Value, _lastReload);
        return new DaemonStatus(info, parts.Instances, _details.Complete(_config, parts.VirtualServers));
    }

    /// <summary>The statistics lines of the halves (for the SIGUSR2 dump).</summary>
    public IReadOnlyList<string> StatsLines()
    {
        var parts = new StatusParts();
        foreach (var half in _halves)
        {
            half.AddStatus(parts);
        }

        return parts.StatsLines;
    }

    /// <summary>systemd's STATUS= text: how many instances are master, how many virtual servers run.</summary>
    public string StatusLine()
    {
        // The halves' counts alone: this runs before READY=1, where the whole status (a dump of the IPVS table for
        // its counters) would delay READY=1 by the size of the table.
        var counts = _halves.Aggregate(default(StatusCounts), (sum, half) => sum + half.Counts());
        return $"{counts.Masters}/{counts.Instances} VRRP instances master, {counts.VirtualServers} virtual servers";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot read configuration {File}: {Reason}")]
    private partial void LogUnreadable(string file, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Diagnostic}")]
    private partial void LogConfigError(string diagnostic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Diagnostic}")]
    private partial void LogConfigWarning(string diagnostic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started with {File} ({Halves}) in {Milliseconds:F0} ms ({Stages})")]
    private partial void LogStarted(string file, string halves, double milliseconds, string stages);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stopping {Half} failed")]
    private partial void LogStopFailed(Exception error, string half);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloading {File}")]
    private partial void LogReloading(string file);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reload refused: {File} has errors; keeping the running configuration")]
    private partial void LogReloadRefused(string file);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reload failed while applying")]
    private partial void LogReloadFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reload {Summary} ({Stages})")]
    private partial void LogReloaded(string summary, string stages);
}

/// <summary>The SHA-256 of the bytes a load parsed, in hex, computed when first asked for.</summary>
internal sealed class ContentHash(byte[] bytes)
{
    private string? _value;

    /// <summary>For a file that could not be read: no hash.</summary>
    public static ContentHash Unread { get; } = new([]) { _value = "" };

    public string Value => _value ??= Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>Garbage collections and their pauses so far: a large configuration's parse leaves collections behind that
/// land in whichever stage runs next, so the start and reload log lines say how much of their time they took.</summary>
internal readonly record struct GcCount(int Gen0, int Gen1, int Gen2, TimeSpan Pause)
{
    public static GcCount Now => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public string Since(GcCount before) => string.Create(
        CultureInfo.InvariantCulture,
        $"gc {Gen0 - before.Gen0}/{Gen1 - before.Gen1}/{Gen2 - before.Gen2} (gen0/1/2) paused {(Pause - before.Pause).TotalMilliseconds:F1} ms");
}
