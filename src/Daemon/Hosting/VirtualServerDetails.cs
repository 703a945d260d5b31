using Kad.Config.Model;
using Kad.Control;
using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Hosting;

/// <summary>
/// Fills in what a virtual server's status row says about its configuration — scheduler, forwarding method,
/// persistence, the IPVS services — from the running configuration resolved as the reconciler resolves it.
/// Pure; the model is built once per configuration.
/// </summary>
internal sealed class VirtualServerDetails
{
    private readonly Lock _gate = new();
    private KeepalivedConfig? _config;
    private Dictionary<string, ManagedVirtualServer> _byName = new(StringComparer.Ordinal);

    public IReadOnlyList<VirtualServerStatus> Complete(KeepalivedConfig? config, IReadOnlyList<VirtualServerStatus> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (config is null)
        {
            return servers;
        }

        var byName = Model(config);
        return [.. servers.Select(s => byName.TryGetValue(s.Key, out var vs) ? Complete(s, vs) : s)];
    }

    internal static VirtualServerStatus Complete(VirtualServerStatus status, ManagedVirtualServer vs)
    {
        var first = vs.Services.Count > 0 ? vs.Services[0] : null;
        var methods = vs.RealServers.Select(r => Method(r.Destination.ForwardingMethod)).Distinct().Order(StringComparer.Ordinal).ToList();
        return status with
        {
            Scheduler = first?.Scheduler ?? status.Scheduler,
            ForwardingMethod = methods.Count == 0 ? status.ForwardingMethod : string.Join('/', methods),
            PersistenceSeconds = first is not null && first.Flags.HasFlag(IpvsServiceFlags.Persistent) ? first.PersistenceTimeout : null,
            Services = [.. vs.Services.Select(s => s.Key.ToString())],
        };
    }

    /// <summary>keepalived's lb_kind words.</summary>
    internal static string Method(IpvsForwardingMethod method) => method switch
    {
        IpvsForwardingMethod.Masquerade => "NAT",
        IpvsForwardingMethod.Tunnel => "TUN",
        _ => "DR",
    };

    private Dictionary<string, ManagedVirtualServer> Model(KeepalivedConfig config)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(config, _config))
            {
                _byName = LvsConfigMapper.Map(config).VirtualServers.GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                _config = config;
            }

            return _byName;
        }
    }
}
