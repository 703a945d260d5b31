using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kad.Checkers;
using Kad.Config.Model;
using Kad.Control;
using Kad.Daemon.Lvs;
using Kad.Daemon.Vrrp;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Planning;

/// <summary>
/// What a reload would change, computed with the same pieces the reload uses and applying nothing: the VRRP
/// units' <see cref="VrrpReloadPlan"/>, and for IPVS a fresh <see cref="LvsPlanner"/> taken from the running model to
/// the new one (so removed services and servers are retired as the reload retires them), planned — over the changed
/// virtual servers only, as the reload's pass is — against the kernel's table and the checkers' health, then
/// <see cref="IpvsDiff"/>. Pure.
/// </summary>
internal static class ReloadPlanner
{
    /// <summary>One entry per VRRP instance that a reload from <paramref name="current"/> to <paramref name="next"/> adds, removes, restarts or updates in place.</summary>
    public static IReadOnlyList<VrrpChange> Vrrp(KeepalivedConfig current, KeepalivedConfig next)
    {
        var running = VrrpOptionsMapper.Units(current);
        var wanted = VrrpOptionsMapper.Units(next);
        var plan = VrrpReloadPlan.Compute(running, wanted);
        var before = running.ToDictionary(u => u.Key, StringComparer.Ordinal);
        var after = wanted.ToDictionary(u => u.Key, StringComparer.Ordinal);
        var changes = new List<VrrpChange>();
        foreach (var key in plan.Removed)
        {
            changes.AddRange(before[key].Options.Instances.Select(i => Whole(VrrpChangeKind.Remove, key, i.Instance)));
        }

        foreach (var key in plan.Changed)
        {
            var old = InstancesByName(before[key]);
            foreach (var settings in after[key].Options.Instances)
            {
                var instance = settings.Instance;
                changes.Add(old.TryGetValue(instance.Name, out var was)
                    ? Restart(key, was, instance)
                    : Whole(VrrpChangeKind.Add, key, instance));
            }

            var kept = after[key].Options.Instances.Select(i => i.Instance.Name).ToHashSet(StringComparer.Ordinal);
            changes.AddRange(old.Values.Where(i => !kept.Contains(i.Name)).Select(i => Whole(VrrpChangeKind.Remove, key, i)));
        }

        foreach (var key in plan.Updated)
        {
            // Applied in place: same instances, so each is described against its running self.
            var old = InstancesByName(before[key]);
            changes.AddRange(after[key].Options.Instances
                .Where(i => old.ContainsKey(i.Instance.Name))
                .Select(i => Restart(key, old[i.Instance.Name], i.Instance) with { Kind = VrrpChangeKind.Update }));
        }

        foreach (var key in plan.Added)
        {
            changes.AddRange(after[key].Options.Instances.Select(i => Whole(VrrpChangeKind.Add, key, i.Instance)));
        }

        return changes;
    }

    /// <summary>
    /// The IPVS operations, in the order the reload sends them. <paramref name="health"/> is what the reload's
    /// checkers would report (null: no checker, the server counts as up with its configured weight).
    /// </summary>
    public static IReadOnlyList<IpvsOperation> Ipvs(
        LvsModel current,
        LvsModel next,
        Func<RealServerKey, (Health Health, int Weight)?> health,
        ActualTable actual,
        DateTimeOffset now)
    {
        var planner = new LvsPlanner();
        planner.SetModel(current);
        var changed = planner.SetModel(next);
        // The reload's own choice: a pass over the changed virtual servers only, unless most of the table changed.
        var partial = planner.PartialScope(changed, actual.Services.Count) is not null;
        var plan = planner.Plan(health, actual, now, partial ? changed : null);
        return IpvsDiff.Compute(plan.Desired, actual);
    }

    /// <summary>
    /// The health the reloaded checkers would report: a server whose checkers are unchanged keeps its health (and
    /// any dynamic weight offset, over the new configured weight); a new or changed one starts as its checkers do —
    /// down with <c>alpha</c>, otherwise unknown, which keeps it in service. <paramref name="status"/> is the running
    /// status (virtual servers by name, real servers by endpoint).
    /// </summary>
    public static Func<RealServerKey, (Health Health, int Weight)?> PredictHealth(LvsModel current, LvsModel next, IReadOnlyList<VirtualServerStatus> status)
    {
        var old = current.VirtualServers.SelectMany(v => v.RealServers).GroupBy(r => r.HealthKey).ToDictionary(g => g.Key, g => g.First());
        var running = status
            .SelectMany(v => v.RealServers.Select(r => (v.Key, r.Address, r.Health, r.ConfiguredWeight)))
            .GroupBy(r => (r.Key, r.Address))
            .ToDictionary(g => g.Key, g => g.First());
        var predicted = new Dictionary<RealServerKey, (Health, int)>();
        foreach (var vs in next.VirtualServers)
        {
            foreach (var rs in vs.RealServers.Where(r => r.Checkers.Count > 0))
            {
                var weight = (int)rs.Destination.Weight;
                if (old.TryGetValue(rs.HealthKey, out var was) && was.Checkers.SequenceEqual(rs.Checkers) &&
                    running.TryGetValue((vs.Name, rs.Key.ToString()), out var now) && Enum.TryParse<Health>(now.Health, out var state))
                {
                    predicted[rs.HealthKey] = (state, Math.Max(0, weight + now.ConfiguredWeight - (int)was.Destination.Weight));
                }
                else
                {
                    predicted[rs.HealthKey] = (rs.Checkers.Any(c => c.Alpha == true) ? Health.Down : Health.Unknown, weight);
                }
            }
        }

        return key => predicted.TryGetValue(key, out var value) ? value : null;
    }

    /// <summary>An operation in ipvsadm's terms; an edit carries the kernel entry it replaces.</summary>
    public static IpvsChange Describe(IpvsOperation operation, ActualTable actual)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(actual);
        switch (operation)
        {
            case IpvsOperation.AddService add:
                return Service(IpvsChangeKind.AddService, add.Service);
            case IpvsOperation.UpdateService update:
                var edit = Service(IpvsChangeKind.EditService, update.Service);
                return actual.Services.TryGetValue(update.Service.Key, out var had)
                    ? edit with { Was = Service(IpvsChangeKind.EditService, had.Settings).Settings() }
                    : edit;
            case IpvsOperation.DeleteService delete:
                return Key(IpvsChangeKind.DeleteService, delete.Key);
            case IpvsOperation.AddDestination addDestination:
                return Server(IpvsChangeKind.AddServer, addDestination.Service, addDestination.Destination);
            case IpvsOperation.UpdateDestination updateDestination:
                var change = Server(IpvsChangeKind.EditServer, updateDestination.Service, updateDestination.Destination);
                return actual.Services.TryGetValue(updateDestination.Service, out var service) &&
                    service.Destinations.TryGetValue(DestinationKey.Of(updateDestination.Destination), out var existing)
                    ? change with { Was = Server(IpvsChangeKind.EditServer, updateDestination.Service, existing.Settings).Settings() }
                    : change;
            case IpvsOperation.DeleteDestination deleteDestination:
                return Key(IpvsChangeKind.DeleteServer, deleteDestination.Service) with { RealServer = Endpoint(deleteDestination.Address, deleteDestination.Port) };
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown IPVS operation");
        }
    }

    private static VrrpChange Whole(VrrpChangeKind kind, string unit, Kad.Vrrp.Engine.VrrpInstanceOptions instance)
    {
        var addresses = Addresses(instance);
        return new VrrpChange(
            kind,
            unit,
            instance.Name,
            instance.Interface,
            instance.VirtualRouterId,
            kind == VrrpChangeKind.Add ? addresses : [],
            kind == VrrpChangeKind.Remove ? addresses : [],
            []);
    }

    private static Dictionary<string, Kad.Vrrp.Engine.VrrpInstanceOptions> InstancesByName(VrrpUnit unit) =>
        unit.Options.Instances.ToDictionary(i => i.Instance.Name, i => i.Instance, StringComparer.Ordinal);

    private static VrrpChange Restart(string unit, Kad.Vrrp.Engine.VrrpInstanceOptions was, Kad.Vrrp.Engine.VrrpInstanceOptions now)
    {
        var before = Addresses(was);
        var after = Addresses(now);
        var changes = new List<string>();
        Compare(changes, "interface", was.Interface, now.Interface);
        Compare(changes, "virtual_router_id", was.VirtualRouterId, now.VirtualRouterId);
        Compare(changes, "version", was.Version, now.Version);
        Compare(changes, "priority", was.Priority, now.Priority);
        Compare(changes, "advert_int", was.AdvertisementInterval.TotalSeconds, now.AdvertisementInterval.TotalSeconds);
        Compare(changes, "state", was.InitialState, now.InitialState);
        Compare(changes, "preempt", was.Preempt, now.Preempt);
        Compare(changes, "preempt_delay", was.PreemptDelay.TotalSeconds, now.PreemptDelay.TotalSeconds);
        Compare(changes, "unicast_peer", string.Join(' ', was.UnicastPeers), string.Join(' ', now.UnicastPeers));
        Compare(changes, "mcast_src_ip", was.SourceAddress?.ToString() ?? "-", now.SourceAddress?.ToString() ?? "-");
        Compare(changes, "use_vmac", VirtualMac(was), VirtualMac(now));
        Compare(changes, "authentication", was.AuthType + (was.AuthPassword is null ? "" : " (password)"), now.AuthType + (now.AuthPassword is null ? "" : " (password)"));
        if (was.AuthPassword is not null && now.AuthPassword is not null && was.AuthPassword != now.AuthPassword)
        {
            changes.Add("auth_pass changed");
        }

        if (changes.Count == 0 && before.SequenceEqual(after))
        {
            // Something else of the unit differs: tracking, scripts, notify, garp, or a sync-group member.
            changes.Add("other settings (tracking, scripts, notify, garp or sync group)");
        }

        return new VrrpChange(
            VrrpChangeKind.Restart,
            unit,
            now.Name,
            now.Interface,
            now.VirtualRouterId,
            [.. after.Except(before, StringComparer.Ordinal)],
            [.. before.Except(after, StringComparer.Ordinal)],
            changes);
    }

    private static string VirtualMac(Kad.Vrrp.Engine.VrrpInstanceOptions options) => options.VirtualMac is { } vmac
        ? $"{vmac.InterfaceName} {Kad.Vrrp.Engine.VirtualMac.ToColonString(vmac.MacAddress)}{(vmac.TransmitOnBase ? " vmac_xmit_base" : "")}"
        : "-";

    private static void Compare<T>(List<string> changes, string name, T was, T now)
    {
        if (!EqualityComparer<T>.Default.Equals(was, now))
        {
            changes.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {was} -> {now}"));
        }
    }

    private static List<string> Addresses(Kad.Vrrp.Engine.VrrpInstanceOptions instance) =>
        [.. instance.VirtualAddresses.Concat(instance.ExcludedAddresses).Select(a => a.ToString())];

    private static IpvsChange Key(IpvsChangeKind kind, IpvsServiceKey key) => key.IsFirewallMark
        ? new IpvsChange(kind, "fwm", key.FirewallMark.ToString(CultureInfo.InvariantCulture), Ipv6FirewallMark: key.Family == AddressFamily.InterNetworkV6)
        : new IpvsChange(kind, key.Protocol.ToString().ToLowerInvariant(), Endpoint(key.Address!, key.Port));

    private static IpvsChange Service(IpvsChangeKind kind, IpvsService service)
    {
        var persistent = service.Flags.HasFlag(IpvsServiceFlags.Persistent);
        return Key(kind, service.Key) with
        {
            Scheduler = service.Scheduler,
            PersistenceSeconds = persistent ? service.PersistenceTimeout : null,
            PersistenceMask = persistent ? Mask(service) : null,
            PersistenceEngine = service.PersistenceEngine,
            SchedulerFlags = SchedulerFlags(service),
            OnePacket = service.Flags.HasFlag(IpvsServiceFlags.OnePacket),
        };
    }

    private static IpvsChange Server(IpvsChangeKind kind, IpvsServiceKey service, IpvsDestination destination) => Key(kind, service) with
    {
        RealServer = destination.ToString(),
        Forwarding = destination.ForwardingMethod switch
        {
            IpvsForwardingMethod.Masquerade => "-m",
            IpvsForwardingMethod.Tunnel => "-i",
            _ => "-g",
        },
        Weight = destination.Weight,
        UpperThreshold = destination.UpperThreshold,
        LowerThreshold = destination.LowerThreshold,
    };

    /// <summary>ipvsadm's -M: a netmask for IPv4, a prefix length for IPv6; null for a single address (the default).</summary>
    private static string? Mask(IpvsService service)
    {
        var ipv6 = service.Key.Family == AddressFamily.InterNetworkV6;
        if (service.PersistencePrefixLength is not { } prefix || prefix == (ipv6 ? 128 : 32))
        {
            return null;
        }

        if (ipv6)
        {
            return prefix.ToString(CultureInfo.InvariantCulture);
        }

        var bits = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return new IPAddress([(byte)(bits >> 24), (byte)(bits >> 16), (byte)(bits >> 8), (byte)bits]).ToString();
    }

    /// <summary>ipvsadm's -b names: sh-fallback/sh-port, mh-fallback/mh-port, else flag-1..flag-3.</summary>
    private static string? SchedulerFlags(IpvsService service)
    {
        var names = new List<string>();
        var prefix = service.Scheduler is "sh" or "mh" ? service.Scheduler : null;
        if (service.Flags.HasFlag(IpvsServiceFlags.SchedulerFlag1))
        {
            names.Add(prefix is null ? "flag-1" : prefix + "-fallback");
        }

        if (service.Flags.HasFlag(IpvsServiceFlags.SchedulerFlag2))
        {
            names.Add(prefix is null ? "flag-2" : prefix + "-port");
        }

        if (service.Flags.HasFlag(IpvsServiceFlags.SchedulerFlag3))
        {
            names.Add("flag-3");
        }

        return names.Count == 0 ? null : string.Join(',', names);
    }

    private static string Endpoint(IPAddress address, ushort port) => new IPEndPoint(address, port).ToString();
}
