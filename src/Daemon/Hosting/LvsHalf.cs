using System.Diagnostics;
using System.Globalization;
using Kad.Config.Model;
using Kad.Control;
using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;
using Kad.Netlink.Protocol;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Hosting;

/// <summary>
/// The checkers-and-IPVS half (keepalived's --check process) as the host sees it: the reconciler's
/// <see cref="LvsService"/> over the IPVS netlink client. IPVS is opened only once the configuration has a
/// virtual_server, so a VRRP-only director does not need the ip_vs module. With an <c>ha_suspend</c> virtual server
/// the host's addresses are followed through rtnetlink (<see cref="LocalAddressWatcher"/>), as keepalived does.
/// </summary>
internal sealed class LvsHalf(ILoggerFactory loggers, TimeProvider time) : IDaemonHalf, IDisposable
{
    private IpvsClient? _client;
    private LvsService? _service;
    private LocalAddressWatcher? _addresses;

    /// <summary>Keeps each unchanged virtual server's resolution from one configuration to the next.</summary>
    private readonly LvsModelMapper _mapper = new();

    public string Name => "lvs";

    public string? LastApplyStages { get; private set; }

    public Task StartAsync(KeepalivedConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.VirtualServers.IsEmpty ? Task.CompletedTask : StartServiceAsync(config, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ApplyAsync(KeepalivedConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (_service is null)
        {
            if (config.VirtualServers.IsEmpty)
            {
                return [];
            }

            await StartServiceAsync(config, cancellationToken).ConfigureAwait(false);
            return [string.Create(CultureInfo.InvariantCulture, $"lvs: started with {config.VirtualServers.Length} virtual server(s)")];
        }

        var before = _service.TotalOperations;
        WatchAddressesIfNeeded(config);
        var mapping = Stopwatch.GetTimestamp();
        var model = _mapper.Map(config);
        var mapped = Stopwatch.GetElapsedTime(mapping);
        var pass = await _service.ReloadAsync(model, cancellationToken).ConfigureAwait(false);
        LastApplyStages = string.Create(CultureInfo.InvariantCulture, $"map {_mapper.LastMapped} of {config.VirtualServers.Length} {mapped.TotalMilliseconds:F1} ms, {pass}");
        var operations = _service.TotalOperations - before;
        return operations == 0 ? [] : [string.Create(CultureInfo.InvariantCulture, $"lvs: {operations} IPVS operation(s)")];
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_service is not null)
        {
            await _service.StopAsync(cancellationToken).ConfigureAwait(false);
            await _service.DisposeAsync().ConfigureAwait(false);
            _service = null;
        }

        if (_addresses is not null)
        {
            await _addresses.DisposeAsync().ConfigureAwait(false);
            _addresses = null;
        }

        _client?.Dispose();
        _client = null;
    }

    /// <summary>Releases the IPVS socket if the host is torn down without a stop (a failed start).</summary>
    public void Dispose()
    {
        _addresses?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _addresses = null;
        _client?.Dispose();
        _client = null;
    }

    public StatusCounts Counts() => new(0, 0, _service?.VirtualServerCount ?? 0);

    public void AddStatus(StatusParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (_service is null)
        {
            return;
        }

        var status = _service.GetStatus();
        var live = ReadLiveCounters();
        foreach (var server in status.VirtualServers)
        {
            parts.VirtualServers.Add(new VirtualServerStatus(
                server.Name,
                "-",
                "-",
                server.Services.Count > 0,
                server.QuorumUp ?? true,
                [.. server.RealServers.Select(r =>
                {
                    // Counters summed over every service the virtual server stands for (several for a group).
                    var counters = server.Services
                        .Select(service => live?.GetValueOrDefault((service, r.Endpoint)))
                        .OfType<IpvsDestinationStatus>()
                        .ToList();
                    var inKernel = counters.Count > 0;
                    return new RealServerStatus(
                        r.Endpoint,
                        r.Health.ToString(),
                        r.Weight,
                        inKernel ? (int)counters[0].Destination.Weight : r.KernelWeight is { } w ? (int)w : null,
                        r.LastResult,
                        r.LastLatency?.TotalMilliseconds,
                        r.LastCheck,
                        inKernel ? counters.Sum(c => (long)c.ActiveConnections) : r.ActiveConnections,
                        counters.Sum(c => (long)c.InactiveConnections),
                        counters.Sum(c => (long)c.Stats.ConnectionsPerSecond),
                        counters.Sum(c => (long)c.Stats.InBytesPerSecond),
                        counters.Sum(c => (long)c.Stats.OutBytesPerSecond));
                })]));
        }

        parts.StatsLines.Add(string.Create(CultureInfo.InvariantCulture,
            $"LVS reconciler: passes {status.Passes}, operations {status.TotalOperations}, failures {status.TotalFailures}, last pass {status.LastReconcile:u}"));
    }

    /// <summary>
    /// Connection counts and rates as the kernel has them now, by (service, destination) text, from a dump on a socket
    /// of its own (the reconciler's socket is not shared across threads); null if IPVS cannot be read, and the
    /// status then shows the reconciler's last view without rates.
    /// </summary>
    private Dictionary<(string Service, string Endpoint), IpvsDestinationStatus>? ReadLiveCounters()
    {
        try
        {
            using var client = IpvsClient.Open();
            var counters = new Dictionary<(string, string), IpvsDestinationStatus>();
            foreach (var (service, destinations) in client.GetTable())
            {
                var key = service.Service.Key.ToString();
                foreach (var destination in destinations)
                {
                    counters[(key, destination.Destination.ToString())] = destination;
                }
            }

            return counters;
        }
        catch (Exception ex) when (ex is Kad.Netlink.Protocol.NetlinkException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    private async Task StartServiceAsync(KeepalivedConfig config, CancellationToken cancellationToken)
    {
        _client = IpvsClient.Open();
        _service = new LvsService(new NetlinkIpvsTable(_client), timeProvider: time, loggerFactory: loggers);
        WatchAddressesIfNeeded(config);
        var mapping = Stopwatch.GetTimestamp();
        var model = _mapper.Map(config);
        var mapped = Stopwatch.GetElapsedTime(mapping);
        var pass = await _service.StartAsync(model, cancellationToken).ConfigureAwait(false);
        LastApplyStages = string.Create(CultureInfo.InvariantCulture, $"map {mapped.TotalMilliseconds:F1} ms, first pass: {pass}");
        if (model.VirtualServers.SelectMany(v => v.Services).FirstOrDefault() is { } first)
        {
            var client = _client;
            _ = Task.Run(() => RehearseServiceRead(client, first.Key), CancellationToken.None);
        }
    }

    /// <summary>
    /// One service read the way a reload reads a changed one (read-only; the client is thread-safe), beside READY=1:
    /// a start only dumps the table, so the first reload would otherwise compile the single-service read (tens of
    /// milliseconds in the emulated lab) before its change reaches the kernel. See <see cref="ReloadRehearsal"/>.
    /// </summary>
    private static void RehearseServiceRead(IpvsClient client, IpvsServiceKey key)
    {
        try
        {
            _ = new NetlinkIpvsTable(client).ReadService(key);
        }
        catch (Exception e) when (e is NetlinkException or ObjectDisposedException)
        {
            // Only a warm-up: the service may be gone, or the daemon stopping.
        }
    }

    /// <summary>Starts following the host's addresses once a configuration has ha_suspend (the first report comes before this returns).</summary>
    private void WatchAddressesIfNeeded(KeepalivedConfig config)
    {
        if (_addresses is not null || _service is not { } service || !config.VirtualServers.Any(v => v.HaSuspend))
        {
            return;
        }

        _addresses = new LocalAddressWatcher(loggers.CreateLogger<LocalAddressWatcher>());
        _addresses.Start(service.SetVrrpState);
    }
}
