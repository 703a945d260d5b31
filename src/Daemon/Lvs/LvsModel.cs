using System.Net;
using Kad.Checkers;
using Kad.Config.Model;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Lvs;

/// <summary>
/// A real server with every inherited value resolved: the destination it becomes (configured weight), what happens
/// when it fails, its scripts and its checkers.
/// </summary>
public sealed record ManagedRealServer(
    RealServerKey HealthKey,
    IpvsDestination Destination,
    bool InhibitOnFailure,
    ScriptCommand? NotifyUp,
    ScriptCommand? NotifyDown,
    IReadOnlyList<CheckerOptions> Checkers)
{
    public DestinationKey Key => DestinationKey.Of(Destination);

    /// <summary>kad extension <c>kad_drain_timeout</c> on the real server; null = the virtual server's.</summary>
    public TimeSpan? DrainTimeout { get; init; }

    public bool Equals(ManagedRealServer? other) =>
        ReferenceEquals(this, other) || (other is not null && HealthKey == other.HealthKey && Destination == other.Destination && InhibitOnFailure == other.InhibitOnFailure &&
        NotifyUp == other.NotifyUp && NotifyDown == other.NotifyDown && Checkers.SequenceEqual(other.Checkers) && DrainTimeout == other.DrainTimeout);

    public override int GetHashCode() => HashCode.Combine(HealthKey, Destination);
}

/// <summary>
/// One <c>virtual_server</c> block resolved: the IPVS services it stands for (several for a
/// <c>virtual_server_group</c>), its real servers, sorry server and quorum settings.
/// </summary>
public sealed record ManagedVirtualServer(string Name, IReadOnlyList<IpvsService> Services, IReadOnlyList<ManagedRealServer> RealServers)
{
    /// <summary><c>sorry_server</c> as a destination (weight 1), or null.</summary>
    public IpvsDestination? SorryServer { get; init; }

    public bool SorryServerInhibit { get; init; }

    /// <summary><c>quorum</c> (default 1): the live weight needed to be "up".</summary>
    public int Quorum { get; init; } = 1;

    public int Hysteresis { get; init; }

    public ScriptCommand? QuorumUp { get; init; }

    public ScriptCommand? QuorumDown { get; init; }

    /// <summary><c>omega</c>: on shutdown, run notify_down / quorum_down for what is removed.</summary>
    public bool Omega { get; init; }

    /// <summary><c>ha_suspend</c>: checkers pause while <see cref="VirtualAddresses"/> are not held by this director.</summary>
    public bool HaSuspend { get; init; }

    /// <summary>The virtual addresses (none for firewall-mark services).</summary>
    public IReadOnlyList<IPAddress> VirtualAddresses { get; init; } = [];

    /// <summary>kad extension: drain (weight 0, then remove) a leaving real server for up to this long; null = remove at once.</summary>
    public TimeSpan? DrainTimeout { get; init; }

    public bool Equals(ManagedVirtualServer? other) =>
        ReferenceEquals(this, other) || (other is not null && Name == other.Name && Services.SequenceEqual(other.Services) && RealServers.SequenceEqual(other.RealServers) &&
        SorryServer == other.SorryServer && SorryServerInhibit == other.SorryServerInhibit && Quorum == other.Quorum &&
        Hysteresis == other.Hysteresis && QuorumUp == other.QuorumUp && QuorumDown == other.QuorumDown && Omega == other.Omega &&
        HaSuspend == other.HaSuspend && VirtualAddresses.SequenceEqual(other.VirtualAddresses) && DrainTimeout == other.DrainTimeout);

    public override int GetHashCode() => HashCode.Combine(Name, Services.Count, RealServers.Count);
}

/// <summary>Everything the reconciler manages, resolved from the configuration.</summary>
public sealed record LvsModel(IReadOnlyList<ManagedVirtualServer> VirtualServers)
{
    public static LvsModel Empty { get; } = new([]);

    /// <summary><c>lvs_flush</c>: flush the whole table at start (keepalived's option; off by default).</summary>
    public bool FlushOnStart { get; init; }

    /// <summary><c>lvs_flush_on_stop</c>.</summary>
    public LvsFlushOnStop FlushOnStop { get; init; }

    /// <summary><c>lvs_timeouts</c> (zero fields: not written, the kernel keeps its value); null when not configured.</summary>
    public IpvsTimeouts? Timeouts { get; init; }

    /// <summary>What problems the mapping found (unsupported values), for the log.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
