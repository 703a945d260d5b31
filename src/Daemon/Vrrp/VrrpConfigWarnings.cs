using Kad.Config;
using Kad.Config.Model;
using ModelInstance = Kad.Config.Model.VrrpInstance;

namespace Kad.Daemon.Vrrp;

/// <summary>
/// VRRP settings the configuration model binds but kad does not act on: each one written produces a warning at load
/// and reload naming where it was written, so nothing an operator wrote is silently dropped (docs/vrrp.md lists them).
/// </summary>
internal static class VrrpConfigWarnings
{
    public static IReadOnlyList<string> Collect(KeepalivedConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var warnings = new List<string>();
        var global = config.Global;
        void Warn(SourceLocation where, string what) => warnings.Add($"{Where(where)}{what}");

        if (global.VrrpStrict)
        {
            Warn(global.Location, "global_defs: vrrp_strict is not implemented (no firewall rules, no strict RFC checks); instances run as without it");
        }

        if (global.ScriptUser is not null)
        {
            Warn(global.Location, "global_defs: script_user is not implemented; VRRP scripts run as kad's own user");
        }

        foreach (var instance in config.VrrpInstances)
        {
            InstanceWarnings(instance, w => Warn(instance.Location, $"vrrp_instance {instance.Name}: {w}"));
        }

        var instances = config.VrrpInstances.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var fileWeights = config.TrackFiles.GroupBy(f => f.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Weight ?? 1, StringComparer.Ordinal);
        foreach (var group in config.VrrpSyncGroups)
        {
            var where = $"vrrp_sync_group {group.Name}: ";
            NotifyWarnings(group.Notify, w => Warn(group.Location, where + w));
            var weighted = group.Members.Select(m => instances.GetValueOrDefault(m.Name)).Any(i => i is not null
                && (i.TrackInterfaces.Any(t => t.Weight is not null and not 0) || i.TrackScripts.Any(t => t.Weight is not null and not 0)
                    || i.TrackFiles.Any(t => (t.Weight ?? fileWeights.GetValueOrDefault(t.Name, 1)) != 0)));
            if (weighted && !group.SyncGroupTrackingWeight)
            {
                Warn(group.Location, where + "members track with weights: kad applies them (as keepalived does only with sync_group_tracking_weight)");
            }
        }

        foreach (var script in config.VrrpScripts)
        {
            if (script.User is not null || script.Script?.User is not null)
            {
                Warn(script.Location, $"vrrp_script {script.Name}: user/group is not implemented; the script runs as kad's own user");
            }
        }

        return warnings;
    }

    private static void InstanceWarnings(ModelInstance instance, Action<string> warn)
    {
        if (instance.StrictMode == true)
        {
            warn("strict_mode is not implemented (no firewall rules, no strict RFC checks)");
        }

        if (instance.Accept == false)
        {
            warn("no_accept is not implemented: kad manages no firewall, so the VIPs accept traffic as with 'accept'");
        }

        if (instance.TrackSourceAddress)
        {
            warn("track_src_ip is not implemented: losing the source address does not put the instance in FAULT");
        }

        if (instance.UnicastFaultNoPeer)
        {
            warn("unicast_fault_no_peer is not implemented");
        }

        if (instance.PromoteSecondaries)
        {
            warn("promote_secondaries is not implemented: set net.ipv4.conf.IF.promote_secondaries with sysctl");
        }

        if (instance.Garp.LowerPriorityDelay is not null)
        {
            warn("garp_lower_prio_delay is not implemented: the lower-priority GARP burst is sent at once");
        }

        if (instance.UnicastPeers.Any(p => p.MinTtl is not null || p.MaxTtl is not null))
        {
            warn("unicast_peer min_ttl/max_ttl are not implemented: unicast adverts are accepted with any TTL");
        }

        foreach (var address in instance.VirtualAddresses.Concat(instance.ExcludedVirtualAddresses))
        {
            if (address.Broadcast is not null || address.Peer is not null || address.Home || address.NoDad || address.ManageTemporaryAddress
                || address.NoPrefixRoute || address.AutoJoin || address.NoTrack || address.PreferredLifetime is not null)
            {
                warn($"virtual_ipaddress {address.Address}: only dev, label and scope are applied (brd, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track and preferred_lft are not)");
            }
        }

        NotifyWarnings(instance.Notify, warn);
    }

    private static void NotifyWarnings(VrrpNotifyScripts notify, Action<string> warn)
    {
        if (notify.ReportDeleted || notify.Deleted is not null)
        {
            warn("notify_deleted is not implemented: an instance removed by a reload is reported as STOP");
        }

        ScriptCommand?[] scripts = [notify.Master, notify.Backup, notify.Fault, notify.Stop, notify.Any, notify.MasterRxLowerPriority];
        if (scripts.Any(s => s?.User is not null))
        {
            warn("notify script user/group is not implemented; notify scripts run as kad's own user");
        }
    }

    private static string Where(SourceLocation location) => location.Line == 0 ? "" : $"{location}: ";
}
