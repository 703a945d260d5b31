namespace Kad.Control;

/// <summary>
/// The status protocol: one JSON request, one JSON response, each a single line (UTF-8, '\n'-terminated) over the
/// daemon's unix stream socket. <see cref="ProtocolVersion"/> changes only when an existing field changes meaning;
/// new fields may appear in any version, and readers ignore what they do not know.
/// </summary>
public static class ControlProtocol
{
    public const int ProtocolVersion = 1;

    /// <summary>Longest line either side accepts: a status of thousands of real servers fits comfortably.</summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;
}

/// <summary>What the client asks for.</summary>
public enum ControlCommand
{
    Status,
    Reload,

    /// <summary>What a reload to <see cref="ControlRequest.ConfigFile"/> would change; applies nothing.</summary>
    Plan,
}

/// <summary>A request; <paramref name="ConfigFile"/> (an absolute path) is the file a <see cref="ControlCommand.Plan"/> is for.</summary>
public sealed record ControlRequest(int Version, ControlCommand Command, string? ConfigFile = null);

/// <summary>The daemon's answer. Exactly one of the payloads is set on success; <see cref="Error"/> otherwise.</summary>
public sealed record ControlResponse(
    int Version,
    bool Ok,
    string? Error = null,
    DaemonStatus? Status = null,
    ReloadResult? Reload = null,
    PlanResult? Plan = null);

public sealed record DaemonStatus(
    DaemonInfo Daemon,
    IReadOnlyList<VrrpInstanceStatus> Instances,
    IReadOnlyList<VirtualServerStatus> VirtualServers);

public sealed record DaemonInfo(
    string Version,
    int Pid,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    string ConfigFile,
    string ConfigSha256,
    ReloadResult? LastReload);

public sealed record ReloadResult(DateTimeOffset At, bool Applied, string Summary, IReadOnlyList<string> Changes, IReadOnlyList<string> Diagnostics);

public sealed record VrrpInstanceStatus(
    string Name,
    string Interface,
    int VirtualRouterId,
    int Version,
    string State,
    int Priority,
    int EffectivePriority,
    string? MasterAddress,
    IReadOnlyList<string> VirtualAddresses,
    long Transitions,
    DateTimeOffset? LastTransition,
    IReadOnlyDictionary<string, long> DropsByReason);

/// <summary>
/// A virtual server: <paramref name="Scheduler"/> (lb_algo), <paramref name="ForwardingMethod"/> (NAT, DR, TUN; several
/// joined by '/' when real servers differ), <paramref name="PersistenceSeconds"/> (null: not persistent), and the
/// IPVS services it stands for (several for a virtual_server_group).
/// </summary>
public sealed record VirtualServerStatus(
    string Key,
    string Scheduler,
    string ForwardingMethod,
    bool InKernel,
    bool QuorumUp,
    IReadOnlyList<RealServerStatus> RealServers,
    uint? PersistenceSeconds = null,
    IReadOnlyList<string>? Services = null);

public sealed record RealServerStatus(
    string Address,
    string Health,
    int ConfiguredWeight,
    int? KernelWeight,
    string? LastResult,
    double? LastLatencyMs,
    DateTimeOffset? LastCheck,
    long ActiveConnections,
    long InactiveConnections,
    long ConnectionsPerSecond,
    long BytesInPerSecond,
    long BytesOutPerSecond);
