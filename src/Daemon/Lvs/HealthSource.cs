using Kad.Checkers;
using Kad.Checkers.Scheduling;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Lvs;

/// <summary>
/// Where health comes from: the checkers. A seam over <see cref="HealthMonitor"/> so the reconciler's tests can
/// drive health directly.
/// </summary>
public interface IHealthSource : IAsyncDisposable
{
    /// <summary>Transitions; the reconciler re-plans on each.</summary>
    System.Threading.Channels.ChannelReader<HealthEvent> Events { get; }

    /// <summary>
    /// Where each transition is also handed over on the thread that recorded it, before <see cref="Events"/> is read
    /// (<see cref="HealthMonitor.TransitionRecorded"/>); set before <see cref="Start"/>. Sources without such a
    /// thread ignore it: their events arrive through <see cref="Events"/> alone.
    /// </summary>
    Action<HealthEvent>? TransitionRecorded
    {
        get => null;
        set { }
    }

    void Start();

    /// <summary>Health and weight of a watched server; null when it has no checkers.</summary>
    (Health Health, int Weight)? Get(RealServerKey server);

    Task UpdateAsync(IReadOnlyList<RealServerChecks> servers);

    void SetSuspended(string virtualServer, bool suspended);

    IReadOnlyList<ServerSnapshot> Snapshot();

    Task StopAsync();
}

/// <summary>The real checkers.</summary>
public sealed class MonitorHealthSource(IReadOnlyList<RealServerChecks> servers, TimeProvider timeProvider, ILoggerFactory loggerFactory) : IHealthSource
{
    private readonly HealthMonitor _monitor = new(servers, timeProvider, loggerFactory.CreateLogger<HealthMonitor>());

    public System.Threading.Channels.ChannelReader<HealthEvent> Events => _monitor.Events;

    public Action<HealthEvent>? TransitionRecorded
    {
        get => _monitor.TransitionRecorded;
        set => _monitor.TransitionRecorded = value;
    }

    public void Start() => _monitor.Start();

    // Asked for every real server on every pass: a lookup, not an exception, for servers without checkers.
    public (Health Health, int Weight)? Get(RealServerKey server) =>
        _monitor.TryGetServer(server, out var state) ? state : null;

    public Task UpdateAsync(IReadOnlyList<RealServerChecks> servers) => _monitor.UpdateAsync(servers);

    public void SetSuspended(string virtualServer, bool suspended) => _monitor.SetSuspended(virtualServer, suspended);

    public IReadOnlyList<ServerSnapshot> Snapshot() => _monitor.Snapshot();

    public Task StopAsync() => _monitor.StopAsync();

    public ValueTask DisposeAsync() => _monitor.DisposeAsync();
}
