using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Kad.Config.Model;

namespace Kad.Config.Validation;

/// <summary>
/// Checks that need the whole configuration: names that refer to things, identities that must be unique, and
/// combinations keepalived rejects or that will not work. Everything found is reported; nothing stops at the first.
/// </summary>
internal static class ConfigValidator
{
    /// <summary>RFC 5798 §5.2.7: Max Advertise Interval is 12 bits of centiseconds.</summary>
    private static readonly TimeSpan MaxV3AdvertInterval = TimeSpan.FromMilliseconds(40_950);

    /// <summary>
    /// Validates <paramref name="config"/>. With <paramref name="servers"/>, each virtual server's own findings are
    /// noted in it (one list per virtual server); with <paramref name="unchanged"/> too, the virtual servers it
    /// marks are not checked again but given the findings its list noted for them last time (an incremental load
    /// reads one block again: every other virtual server is the same, and so are the groups it checks against).
    /// </summary>
    public static void Validate(KeepalivedConfig config, DiagnosticBag d, List<ImmutableArray<ConfigDiagnostic>>? servers = null, Func<int, bool>? unchanged = null)
    {
        RequireUniqueNames(config.VrrpScripts, s => s.Name, "vrrp_script", d);
        RequireUniqueNames(config.VrrpSyncGroups, g => g.Name, "vrrp_sync_group", d);
        RequireUniqueNames(config.VrrpInstances, i => i.Name, "vrrp_instance", d);
        RequireUniqueNames(config.VirtualServerGroups, g => g.Name, "virtual_server_group", d);

        var scripts = config.VrrpScripts.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var instances = config.VrrpInstances.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var script in config.VrrpScripts.Where(s => s.Script is null))
        {
            d.Error(DiagnosticCodes.Semantic, script.Location, $"vrrp_script {script.Name}: 'script' must be set");
        }

        foreach (var instance in config.VrrpInstances)
        {
            ValidateInstance(instance, config.Global, scripts, d);
        }

        ValidateTrackFiles(config, d);
        ValidateVirtualRouterIds(config, d);
        ValidateScriptSecurity(config, d);
        ValidateSyncGroups(config, scripts, instances, d);

        if (config.Global.LvsSyncDaemon?.Instance is { } syncInstance && !instances.Contains(syncInstance.Name))
        {
            d.Error(DiagnosticCodes.Reference, syncInstance.Location, $"lvs_sync_daemon: vrrp_instance '{syncInstance.Name}' is not defined");
        }

        var groups = config.VirtualServerGroups.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var group in config.VirtualServerGroups.Where(g => g.Entries.IsEmpty))
        {
            d.Warning(DiagnosticCodes.Semantic, group.Location, $"virtual_server_group {group.Name} is empty");
        }

        var seen = new Dictionary<(VirtualServerTarget, LvsProtocol?), VirtualServer>(config.VirtualServers.Length);
        var endpoints = new Dictionary<RealServerAddress, SourceLocation>();
        for (var i = 0; i < config.VirtualServers.Length; i++)
        {
            var server = config.VirtualServers[i];
            if (!seen.TryAdd((server.Target, server.Protocol), server))
            {
                d.Error(DiagnosticCodes.Duplicate, server.Location, $"virtual_server {server.Target} is already defined at {seen[(server.Target, server.Protocol)].Location}");
            }

            if (servers is not null && unchanged is not null && unchanged(i))
            {
                d.AddRange(servers[i]);
                continue;
            }

            var found = d.Items.Count;
            endpoints.Clear();
            ValidateVirtualServer(server, groups, endpoints, d);
            if (servers is not null)
            {
                var own = found == d.Items.Count ? [] : ImmutableArray.CreateRange(d.Items.Skip(found));
                if (unchanged is null)
                {
                    servers.Add(own);
                }
                else
                {
                    servers[i] = own;
                }
            }
        }
    }

    private static void RequireUniqueNames<T>(EquatableArray<T> items, Func<T, string> name, string what, DiagnosticBag d)
        where T : ConfigElement
    {
        var first = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!first.TryAdd(name(item), item.Location))
            {
                d.Error(DiagnosticCodes.Duplicate, item.Location, $"{what} {name(item)} is already defined at {first[name(item)]}");
            }
        }
    }

    /// <summary>The address family of an instance: its virtual addresses', else its peers' or source's, else IPv4.</summary>
    private static AddressFamily FamilyOf(VrrpInstance instance) =>
        !instance.VirtualAddresses.IsEmpty ? instance.VirtualAddresses[0].Address.AddressFamily
        : !instance.UnicastPeers.IsEmpty ? instance.UnicastPeers[0].Address.AddressFamily
        : instance.SourceAddress?.AddressFamily ?? AddressFamily.InterNetwork;

    private static int EffectiveVersion(VrrpInstance instance, GlobalDefinitions global) =>
        FamilyOf(instance) == AddressFamily.InterNetworkV6 ? 3 : instance.Version ?? global.VrrpVersion ?? 2;

    private static void ValidateVirtualMac(VrrpInstance v, string where, DiagnosticBag d)
    {
        if (v.VirtualMac is null)
        {
            if (v.VirtualMacTransmitBase)
            {
                d.Warning(DiagnosticCodes.Semantic, v.Location, $"{where}: 'vmac_xmit_base' has no effect without 'use_vmac'");
            }

            return;
        }

        if (v.VirtualMac.InterfaceName is { } name && name == v.Interface)
        {
            d.Error(DiagnosticCodes.Semantic, v.VirtualMac.Location, $"{where}: the use_vmac interface {name} cannot be the instance's own interface");
        }

        if (v.UnicastPeerBlock && !v.VirtualMacTransmitBase)
        {
            // keepalived.conf(5): use_vmac with unicast peers needs vmac_xmit_base.
            d.Warning(DiagnosticCodes.Semantic, v.VirtualMac.Location, $"{where}: use_vmac with unicast_peer needs 'vmac_xmit_base'; adverts are sent from {v.Interface ?? "the base interface"} as if it were set");
        }
    }

    private static void ValidateInstance(VrrpInstance v, GlobalDefinitions global, HashSet<string> scripts, DiagnosticBag d)
    {
        var where = $"vrrp_instance {v.Name}";
        if (v.VirtualRouterId is null)
        {
            d.Error(DiagnosticCodes.Semantic, v.Location, $"{where}: 'virtual_router_id' must be set");
        }

        if (v.Interface is null && v.UnicastPeers.IsEmpty)
        {
            d.Error(DiagnosticCodes.Semantic, v.Location, $"{where}: 'interface' must be set (it may be left out only with unicast peers)");
        }

        ValidateVirtualMac(v, where, d);
        var family = FamilyOf(v);
        var mixed = v.VirtualAddresses.FirstOrDefault(a => a.Address.AddressFamily != family);
        if (mixed is not null)
        {
            d.Error(DiagnosticCodes.Semantic, mixed.Location, $"{where}: {mixed.Address} is not the family of the first virtual_ipaddress; put other-family addresses in virtual_ipaddress_excluded");
        }

        var strict = v.StrictMode ?? global.VrrpStrict;
        if (v.VirtualAddresses.IsEmpty)
        {
            if (strict)
            {
                d.Error(DiagnosticCodes.Semantic, v.Location, $"{where}: strict mode needs at least one virtual_ipaddress");
            }
            else
            {
                d.Warning(DiagnosticCodes.Semantic, v.Location, $"{where}: no virtual_ipaddress");
            }
        }

        if (v.SourceAddress is { } source && source.AddressFamily != family)
        {
            d.Error(DiagnosticCodes.Semantic, v.Location, $"{where}: source address {source} is not the family of the virtual addresses");
        }

        var peers = new HashSet<IPAddress>();
        foreach (var peer in v.UnicastPeers)
        {
            if (peer.Address.AddressFamily != family)
            {
                d.Error(DiagnosticCodes.Semantic, peer.Location, $"{where}: unicast peer {peer.Address} is not the family of the virtual addresses");
            }

            if (!peers.Add(peer.Address))
            {
                d.Warning(DiagnosticCodes.Duplicate, peer.Location, $"{where}: unicast peer {peer.Address} is listed twice");
            }

            if (peer.MinTtl > peer.MaxTtl)
            {
                d.Error(DiagnosticCodes.Semantic, peer.Location, $"{where}: unicast peer {peer.Address}: min_ttl is above max_ttl");
            }
        }

        var version = EffectiveVersion(v, global);
        if (family == AddressFamily.InterNetworkV6 && v.Version == 2)
        {
            d.Warning(DiagnosticCodes.Semantic, v.Location, $"{where}: VRRPv2 cannot carry IPv6 addresses; version 3 is used");
        }

        if (v.AdvertInterval is { } interval)
        {
            if (version == 3 && interval > MaxV3AdvertInterval)
            {
                d.Error(DiagnosticCodes.Semantic, v.Location, $"{where}: VRRPv3 advert_int cannot exceed 40.95 s");
            }
            else if (version == 3 && interval.Ticks % (TimeSpan.TicksPerMillisecond * 10) != 0)
            {
                d.Warning(DiagnosticCodes.Semantic, v.Location, $"{where}: VRRPv3 adverts carry centiseconds; advert_int {interval.TotalSeconds} s cannot be sent exactly");
            }
            else if (version == 2 && interval.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                d.Warning(DiagnosticCodes.Semantic, v.Location, $"{where}: VRRPv2 adverts carry whole seconds; advert_int {interval.TotalSeconds} s cannot be sent exactly");
            }
        }

        if (v.Authentication is { } auth)
        {
            if (version == 3)
            {
                d.Warning(DiagnosticCodes.Semantic, auth.Location, $"{where}: VRRPv3 has no authentication (RFC 5798); 'authentication' is ignored");
            }
            else if (auth.Type is null)
            {
                d.Error(DiagnosticCodes.Semantic, auth.Location, $"{where}: 'authentication' needs auth_type");
            }
            else if (auth.Type == VrrpAuthType.Password && string.IsNullOrEmpty(auth.Password))
            {
                d.Error(DiagnosticCodes.Semantic, auth.Location, $"{where}: auth_type PASS needs auth_pass");
            }
        }

        if (v.State == VrrpInitialState.Master && v.Preempt == false)
        {
            d.Warning(DiagnosticCodes.Semantic, v.Location, $"{where}: nopreempt has no effect with state MASTER");
        }

        if (v.State == VrrpInitialState.Master && v.PreemptDelay > TimeSpan.Zero)
        {
            d.Warning(DiagnosticCodes.Semantic, v.Location, $"{where}: preempt_delay has no effect with state MASTER");
        }

        if (strict)
        {
            void StrictError(string message) => d.Error(DiagnosticCodes.Semantic, v.Location, $"{where}: strict mode: {message}");
            if (!v.UnicastPeers.IsEmpty)
            {
                StrictError("unicast peers are not allowed");
            }

            if (v.Authentication is not null)
            {
                StrictError("authentication is not allowed");
            }

            if (v.State == VrrpInitialState.Master && v.Priority != 255)
            {
                StrictError("state MASTER needs priority 255");
            }

            if (v.PreemptDelay > TimeSpan.Zero)
            {
                StrictError("preempt_delay is not allowed");
            }

            if (version == 2 && v.Accept == true)
            {
                StrictError("accept is not allowed with VRRPv2");
            }
        }

        foreach (var track in v.TrackScripts.Where(t => !scripts.Contains(t.Name)))
        {
            d.Error(DiagnosticCodes.Reference, track.Location, $"{where}: track_script '{track.Name}' is not a defined vrrp_script");
        }
    }

    /// <summary>
    /// track_file blocks need a <c>file</c>; instances and sync groups may only name defined ones. (keepalived 2.2.7's
    /// <c>-t</c> does not return on a reference to an undefined track_file; kad reports it like an undefined
    /// track_script, which keepalived -t refuses.)
    /// </summary>
    private static void ValidateTrackFiles(KeepalivedConfig config, DiagnosticBag d)
    {
        RequireUniqueNames(config.TrackFiles, f => f.Name, "track_file", d);
        foreach (var file in config.TrackFiles.Where(f => f.File is null))
        {
            d.Error(DiagnosticCodes.Semantic, file.Location, $"track_file {file.Name}: 'file' must be set");
        }

        var defined = config.TrackFiles.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var references = config.VrrpInstances.SelectMany(i => i.TrackFiles.Select(t => (Where: $"vrrp_instance {i.Name}", Track: t)))
            .Concat(config.VrrpSyncGroups.SelectMany(g => g.TrackFiles.Select(t => (Where: $"vrrp_sync_group {g.Name}", Track: t))));
        foreach (var (where, track) in references.Where(r => !defined.Contains(r.Track.Name)))
        {
            d.Error(DiagnosticCodes.Reference, track.Location, $"{where}: track_file '{track.Name}' is not a defined track_file");
        }
    }

    /// <summary>
    /// Two instances may not share a VRID on the same interface and family unless they use different multicast
    /// groups or unicast with disjoint peers (keepalived.conf(5), virtual_router_id).
    /// </summary>
    private static void ValidateVirtualRouterIds(KeepalivedConfig config, DiagnosticBag d)
    {
        // Only instances on the same interface, VRID and family can clash: compare within those groups.
        var groups = config.VrrpInstances
            .Where(i => i.VirtualRouterId is not null && i.Interface is not null)
            .GroupBy(i => (i.Interface, i.VirtualRouterId, FamilyOf(i)))
            .Where(g => g.Skip(1).Any());
        foreach (var group in groups)
        {
            var instances = group.ToList();
            for (var a = 0; a < instances.Count; a++)
            {
                for (var b = a + 1; b < instances.Count; b++)
                {
                    var x = instances[a];
                    var y = instances[b];
                    var clash = (x.UnicastPeers.IsEmpty, y.UnicastPeers.IsEmpty) switch
                    {
                        (true, true) => Equals(x.MulticastDestination, y.MulticastDestination),
                        (false, false) => x.UnicastPeers.Any(p => y.UnicastPeers.Any(q => q.Address.Equals(p.Address))),
                        _ => false,
                    };
                    if (clash)
                    {
                        d.Error(DiagnosticCodes.Duplicate, y.Location, $"vrrp_instance {y.Name}: virtual_router_id {y.VirtualRouterId} on {y.Interface} is already used by {x.Name} ({x.Location})");
                    }
                }
            }
        }
    }

    /// <summary>keepalived -t fails (exit 6, "SECURITY VIOLATION") a file that runs scripts without
    /// enable_script_security, though the daemon runs them; kad says so once, at the first script.</summary>
    private static void ValidateScriptSecurity(KeepalivedConfig config, DiagnosticBag d)
    {
        if (config.Global.EnableScriptSecurity || FirstScript(config) is not { } script)
        {
            return;
        }

        d.Warning(DiagnosticCodes.Semantic, script.Location, "scripts are configured but enable_script_security is not set: keepalived -t rejects such a file (exit 6) and then runs them anyway; set enable_script_security (and script_user) to run them as a chosen user");
    }

    private static ScriptCommand? FirstScript(KeepalivedConfig config)
    {
        static ScriptCommand? Notify(VrrpNotifyScripts n) => n.Master ?? n.Backup ?? n.Fault ?? n.Stop ?? n.Any ?? n.Deleted ?? n.MasterRxLowerPriority;

        foreach (var script in config.VrrpScripts)
        {
            if (script.Script is not null)
            {
                return script.Script;
            }
        }

        foreach (var instance in config.VrrpInstances)
        {
            if (Notify(instance.Notify) is { } notify)
            {
                return notify;
            }
        }

        foreach (var group in config.VrrpSyncGroups)
        {
            if (Notify(group.Notify) is { } notify)
            {
                return notify;
            }
        }

        foreach (var server in config.VirtualServers)
        {
            if ((server.QuorumUp ?? server.QuorumDown) is { } quorum)
            {
                return quorum;
            }

            foreach (var real in server.RealServers)
            {
                if ((real.NotifyUp ?? real.NotifyDown) is { } notify)
                {
                    return notify;
                }

                foreach (var checker in real.Checkers)
                {
                    if (checker is MiscCheck { Path: { } path })
                    {
                        return path;
                    }
                }
            }
        }

        return null;
    }

    private static void ValidateSyncGroups(KeepalivedConfig config, HashSet<string> scripts, HashSet<string> instances, DiagnosticBag d)
    {
        var groupOf = new Dictionary<string, VrrpSyncGroup>(StringComparer.Ordinal);
        foreach (var group in config.VrrpSyncGroups)
        {
            foreach (var member in group.Members)
            {
                if (!instances.Contains(member.Name))
                {
                    d.Error(DiagnosticCodes.Reference, member.Location, $"vrrp_sync_group {group.Name}: vrrp_instance '{member.Name}' is not defined");
                }
                else if (!groupOf.TryAdd(member.Name, group) && groupOf[member.Name] != group)
                {
                    d.Error(DiagnosticCodes.Duplicate, member.Location, $"vrrp_sync_group {group.Name}: {member.Name} is already in sync group {groupOf[member.Name].Name}");
                }
            }

            if (group.Members.Length < 2)
            {
                d.Warning(DiagnosticCodes.Semantic, group.Location, $"vrrp_sync_group {group.Name} has {group.Members.Length} member(s); a sync group synchronises two or more instances");
            }

            foreach (var track in group.TrackScripts.Where(t => !scripts.Contains(t.Name)))
            {
                d.Error(DiagnosticCodes.Reference, track.Location, $"vrrp_sync_group {group.Name}: track_script '{track.Name}' is not a defined vrrp_script");
            }
        }
    }

    /// <summary>One virtual server; <paramref name="endpoints"/> is an empty scratch map, reused to spare a large
    /// configuration one dictionary per server.</summary>
    private static void ValidateVirtualServer(VirtualServer server, HashSet<string> groups, Dictionary<RealServerAddress, SourceLocation> endpoints, DiagnosticBag d)
    {
        // Named only when there is something to report: a reload validates every virtual server again.
        string Where() => $"virtual_server {server.Target}";
        AddressFamily? family = null;
        switch (server.Target)
        {
            case VirtualServerAddress { Port: null or 0 } address when server.PersistenceTimeout is null:
                d.Error(DiagnosticCodes.Semantic, server.Location, $"{Where()}: the port may be left out only for a persistent service");
                family = address.Address.AddressFamily;
                break;
            case VirtualServerAddress address:
                family = address.Address.AddressFamily;
                break;
            case VirtualServerGroupTarget group when !groups.Contains(group.Name):
                d.Error(DiagnosticCodes.Reference, server.Location, $"{Where()}: virtual_server_group '{group.Name}' is not defined");
                break;
        }

        family ??= server.IpFamily;

        if (server.Target is VirtualServerFirewallMark && server.Protocol is not null)
        {
            d.Warning(DiagnosticCodes.Semantic, server.Location, $"{Where()}: 'protocol' has no meaning for a firewall-mark service and is ignored (keepalived -t counts it as an error)");
        }

        if (server.OnePacketScheduling && server.Protocol is not LvsProtocol.Udp)
        {
            d.Warning(DiagnosticCodes.Semantic, server.Location, $"{Where()}: 'ops' (one-packet scheduling) applies to UDP services only");
        }

        if (server.PersistenceGranularity is { } granularity && family is { } f)
        {
            var isPrefix = !granularity.Contains('.', StringComparison.Ordinal);
            if ((f == AddressFamily.InterNetworkV6) != isPrefix)
            {
                d.Error(DiagnosticCodes.Semantic, server.Location, $"{Where()}: persistence_granularity must be a netmask for IPv4 and a prefix length for IPv6");
            }
        }

        var defaultTunnel = server.Forwarding?.Kind == LvsForwardingKind.Tunnel;
        if (server.SorryServer is { } sorry && family is { } sf && sorry.Address.AddressFamily != sf &&
            (server.SorryServerForwarding?.Kind ?? server.Forwarding?.Kind) != LvsForwardingKind.Tunnel)
        {
            d.Error(DiagnosticCodes.Semantic, server.Location, $"{Where()}: sorry_server {sorry.Address} is not the family of the virtual server (only tunnelled servers may differ)");
        }

        foreach (var real in server.RealServers)
        {
            if (!endpoints.TryAdd(real.Endpoint, real.Location))
            {
                d.Error(DiagnosticCodes.Duplicate, real.Location, $"{Where()}: real_server {real.Endpoint} is already defined at {endpoints[real.Endpoint]}");
            }

            var tunnelled = real.Forwarding?.Kind == LvsForwardingKind.Tunnel || (real.Forwarding is null && defaultTunnel);
            if (family is { } rf && real.Endpoint.Address.AddressFamily != rf && !tunnelled)
            {
                d.Error(DiagnosticCodes.Semantic, real.Location, $"{Where()}: real_server {real.Endpoint.Address} is not the family of the virtual server (only tunnelled servers may differ)");
            }

            if (real.LowerThreshold > real.UpperThreshold && real.UpperThreshold > 0)
            {
                d.Error(DiagnosticCodes.Semantic, real.Location, $"{Where()}: real_server {real.Endpoint}: lthreshold is above uthreshold");
            }

            foreach (var checker in real.Checkers)
            {
                switch (checker)
                {
                    case MiscCheck { Path: null }:
                        d.Error(DiagnosticCodes.Semantic, checker.Location, $"{Where()}: real_server {real.Endpoint}: MISC_CHECK needs misc_path");
                        break;
                    case UdpCheck udp when udp.MinReplyLength > udp.MaxReplyLength:
                        d.Error(DiagnosticCodes.Semantic, checker.Location, $"{Where()}: real_server {real.Endpoint}: UDP_CHECK min_reply_length is above max_reply_length");
                        break;
                }
            }
        }
    }
}
