using Kad.Checkers;

namespace Kad.Daemon.Lvs;

/// <summary>A real server in the status output: configured endpoint, health, weight wanted and weight in the kernel.</summary>
public sealed record LvsRealServerStatus(string Endpoint, Health Health, int Weight, long? KernelWeight, uint ActiveConnections, bool Suspended, bool Draining);

/// <summary>A virtual server in the status output.</summary>
public sealed record LvsVirtualServerStatus(string Name, IReadOnlyList<string> Services, bool? QuorumUp, bool SorryServerActive, IReadOnlyList<LvsRealServerStatus> RealServers);

/// <summary>What the status socket shows for LVS: each virtual server and the reconciler's last pass.</summary>
public sealed record LvsStatus(
    IReadOnlyList<LvsVirtualServerStatus> VirtualServers,
    DateTimeOffset? LastReconcile,
    int LastOperations,
    long TotalOperations,
    long TotalFailures,
    long Passes);
