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

    /// <summary>
    /// How many VRRP instances run, how many of them are master, and how many virtual servers: systemd's STATUS=
    /// line, sent with READY=1 after each start and reload, so it must cost next to nothing (the default builds the
    /// whole status).
    /// </summary>
    StatusCounts Counts()
    {
        var parts = new StatusParts();
        AddStatus(parts);
        return new StatusCounts(parts.Instances.Count, parts.Instances.Count(i => i.State == "MASTER"), parts.VirtualServers.Count);
    }
}

/// <summary>What systemd's STATUS= line says.</summary>
internal readonly record struct StatusCounts(int Instances, int Masters, int VirtualServers)
{
    public static StatusCounts operator +(StatusCounts a, StatusCounts b) =>
        new(a.Instances + b.Instances, a.Masters + b.Masters, a.VirtualServers + b.VirtualServers);
}

/// <summary>Status pieces the halves fill in; the status server adds the daemon info.</summary>
internal sealed class StatusParts
{
    public List<VrrpInstanceStatus> Instances { get; } = [];

    public List<VirtualServerStatus> VirtualServers { get; } = [];

    /// <summary>Extra counters for the SIGUSR2 stats dump, one "name: value" line each.</summary>
    public List<string> StatsLines { get; } = [];
}
