using Kad.Config.Model;
using Kad.Control;

namespace Kad.Daemon.Hosting;

/// <summary>
/// One half of the daemon (VRRP, or checkers with the IPVS reconciler). The host starts the enabled halves before
/// READY=1, hands them each validated reload, and stops them in reverse order.
/// </summary>
internal interface IDaemonHalf
{
    string Name { get; }

    /// <summary>Brings the half up with the first configuration; completes when it is running (sockets open).</summary>
    Task StartAsync(KeepalivedConfig config, CancellationToken cancellationToken);

    /// <summary>Applies only the difference to <paramref name="config"/>; returns one line per change made.</summary>
    Task<IReadOnlyList<string>> ApplyAsync(KeepalivedConfig config, CancellationToken cancellationToken);

    /// <summary>Where the last start or <see cref="ApplyAsync"/> spent its time, for the log; null when not measured.</summary>
    string? LastApplyStages => null;

    /// <summary>Graceful stop (VRRP: priority 0 and VIPs released).</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Adds this half's part of the status (instances, or virtual servers).</summary>
    void AddStatus(StatusParts parts);
}

/// <summary>Status pieces the halves fill in; the status server adds the daemon info.</summary>
internal sealed class StatusParts
{
    public List<VrrpInstanceStatus> Instances { get; } = [];

    public List<VirtualServerStatus> VirtualServers { get; } = [];

    /// <summary>Extra counters for the SIGUSR2 stats dump, one "name: value" line each.</summary>
    public List<string> StatsLines { get; } = [];
}
