using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Kad.Config.Model;
using Kad.Config.Syntax;

namespace Kad.Config.Binding;

/// <summary>
/// Turns the syntax tree into the typed model. One handler table per block, keyed by the keyword's canonical name:
/// a handler takes the record built so far and returns it with that keyword applied. The tables are also the list
/// of what kad models; a test checks them against the "modelled" keywords of the keyword file, both ways.
/// Keywords kad ignores have no handler (the parser has already warned about them).
/// </summary>
internal static class ConfigBinder
{
    private delegate T Handler<T>(T target, ConfigNode node, BindContext c);

    /// <summary>
    /// What binding one top-level node did: the findings it reported ([<see cref="FirstDiagnostic"/>,
    /// <see cref="EndDiagnostic"/>) of the bag) and the index of the virtual server it added (-1: none). Each node
    /// binds on its own, so an incremental load can replace one node's part.
    /// </summary>
    internal readonly record struct BoundNode(int FirstDiagnostic, int EndDiagnostic, int VirtualServer);

    /// <summary>Binds the top-level <paramref name="nodes"/>; with <paramref name="trace"/>, records a <see cref="BoundNode"/> for each.</summary>
    public static KeepalivedConfig Bind(ImmutableArray<ConfigNode> nodes, BindContext c, List<BoundNode>? trace = null)
    {
        // Lists, not repeated immutable appends: a ~SEQ can generate tens of thousands of instances.
        var global = new GlobalDefinitions { Location = SourceLocation.None };
        SslSettings? ssl = null;
        var scripts = new List<VrrpScript>();
        var trackFiles = new List<VrrpTrackFile>();
        var syncGroups = new List<VrrpSyncGroup>();
        var instances = new List<VrrpInstance>();
        var serverGroups = new List<VirtualServerGroup>();
        var servers = new List<VirtualServer>();
        foreach (var node in nodes)
        {
            var found = c.Diagnostics.Items.Count;
            var serverCount = servers.Count;
            switch (node.Keyword)
            {
                case "global_defs":
                    global = Apply(global with { Location = node.Location }, node, GlobalDefs, c);
                    break;
                case "SSL":
                    ssl = Apply(ssl ?? new SslSettings { Location = node.Location }, node, Ssl, c);
                    break;
                case "vrrp_script" when Name(node, c) is { } name:
                    scripts.Add(Apply(new VrrpScript(name) { Location = node.Location }, node, Script, c));
                    break;
                case "track_file" when Name(node, c) is { } name:
                    trackFiles.Add(Apply(new VrrpTrackFile(name) { Location = node.Location }, node, TrackFileTable, c));
                    break;
                case "vrrp_sync_group" when Name(node, c) is { } name:
                    syncGroups.Add(Apply(new VrrpSyncGroup(name) { Location = node.Location }, node, SyncGroup, c));
                    break;
                case "vrrp_instance" when Name(node, c) is { } name:
                    instances.Add(Apply(new VrrpInstance(name) { Location = node.Location }, node, Instance, c));
                    break;
                case "virtual_server_group" when Name(node, c) is { } name:
                    serverGroups.Add(BindVirtualServerGroup(new VirtualServerGroup(name) { Location = node.Location }, node, c));
                    break;
                case "virtual_server" when BindTopLevelVirtualServer(node, c) is { } server:
                    servers.Add(server);
                    break;
            }

            trace?.Add(new BoundNode(found, c.Diagnostics.Items.Count, servers.Count > serverCount ? serverCount : -1));
        }

        return new KeepalivedConfig
        {
            Global = global,
            Ssl = ssl,
            VrrpScripts = [.. scripts],
            TrackFiles = [.. trackFiles],
            VrrpSyncGroups = [.. syncGroups],
            VrrpInstances = [.. instances],
            VirtualServerGroups = [.. serverGroups],
            VirtualServers = [.. servers],
        };
    }

    /// <summary>Every keyword path the binder handles ("vrrp_instance/priority"), for the schema test.</summary>
    public static IEnumerable<string> HandledPaths()
    {
        string[] top = ["global_defs", "SSL", "vrrp_script", "track_file", "vrrp_sync_group", "vrrp_instance", "virtual_server_group", "virtual_server"];
        IEnumerable<string> Under<T>(string prefix, Dictionary<string, Handler<T>> table) => table.Keys.Select(k => prefix + "/" + k);
        var paths = top
            .Concat(Under("global_defs", GlobalDefs))
            .Concat(Under("SSL", Ssl))
            .Concat(Under("vrrp_script", Script))
            .Concat(Under("track_file", TrackFileTable))
            .Concat(Under("vrrp_sync_group", SyncGroup))
            .Concat(Under("vrrp_instance", Instance))
            .Concat(Under("vrrp_instance/authentication", Authentication))
            .Concat(Under("virtual_server", VirtualServerTable))
            .Concat(TimingKeywords.Select(k => "virtual_server/" + k))
            .Append("virtual_server/real_server")
            .Concat(Under("virtual_server/real_server", RealServerTable))
            .Concat(TimingKeywords.Select(k => "virtual_server/real_server/" + k));
        foreach (var (kind, _) in CheckerFactories)
        {
            paths = paths
                .Concat(Under($"virtual_server/real_server/{kind}", CheckerTable(kind)))
                .Concat(TimingKeywordsOf(kind).Select(k => $"virtual_server/real_server/{kind}/{k}"));
        }

        return paths
            .Concat(Under("virtual_server/real_server/HTTP_GET/url", Url))
            .Concat(Under("virtual_server/real_server/SSL_GET/url", Url));
    }

    /// <summary>
    /// <see cref="Apply"/> for a block that also takes the timing keywords (<paramref name="timingKeywords"/>): those
    /// are gathered in a <see cref="TimingDraft"/> and set once, through <paramref name="withTiming"/>, at the end.
    /// </summary>
    private static T ApplyTimed<T>(T target, ConfigNode block, Dictionary<string, Handler<T>> table, IReadOnlySet<string> timingKeywords, CheckTiming timing, Func<T, CheckTiming, T> withTiming, BindContext c)
    {
        var draft = new TimingDraft(timing);
        foreach (var child in block.Children)
        {
            if (timingKeywords.Contains(child.Keyword))
            {
                draft.Apply(child, c);
            }
            else if (table.TryGetValue(child.Keyword, out var handler))
            {
                target = handler(target, child, c);
            }
        }

        return draft.IsChanged ? withTiming(target, draft.Build()) : target;
    }

    private static T Apply<T>(T target, ConfigNode block, Dictionary<string, Handler<T>> table, BindContext c)
    {
        foreach (var child in block.Children)
        {
            if (table.TryGetValue(child.Keyword, out var handler))
            {
                target = handler(target, child, c);
            }
        }

        return target;
    }

    private static string? Name(ConfigNode node, BindContext c)
    {
        c.AtMost(node, 2);
        return c.Word(node, 1, "a name");
    }

    // ---------------------------------------------------------------- global_defs

    private static readonly Dictionary<string, Handler<GlobalDefinitions>> GlobalDefs = WithGarp<GlobalDefinitions>("vrrp_", g => g.Garp, (g, x) => g with { Garp = x }, new(StringComparer.Ordinal)
    {
        ["router_id"] = (g, n, c) => g with { RouterId = c.String(n, "a router id") ?? g.RouterId },
        ["default_interface"] = (g, n, c) => g with { DefaultInterface = c.String(n, "an interface name") ?? g.DefaultInterface },
        ["vmac_prefix"] = (g, n, c) => g with { VmacPrefix = VmacPrefix(n, c) ?? g.VmacPrefix },
        ["vrrp_mcast_group4"] = (g, n, c) => g with { VrrpMulticastGroup4 = MulticastGroup(n, c, AddressFamily.InterNetwork) ?? g.VrrpMulticastGroup4 },
        ["vrrp_mcast_group6"] = (g, n, c) => g with { VrrpMulticastGroup6 = MulticastGroup(n, c, AddressFamily.InterNetworkV6) ?? g.VrrpMulticastGroup6 },
        ["vrrp_version"] = (g, n, c) => g with { VrrpVersion = c.Int(n, 2, 3, "2 or 3") ?? g.VrrpVersion },
        ["vrrp_strict"] = (g, n, c) => g with { VrrpStrict = c.Flag(n) },
        ["vrrp_garp_interval"] = (g, n, c) => g with { GarpInterval = c.Seconds(n, 0, 86400) ?? g.GarpInterval },
        ["vrrp_gna_interval"] = (g, n, c) => g with { GnaInterval = c.Seconds(n, 0, 86400) ?? g.GnaInterval },
        ["vrrp_min_garp"] = (g, n, c) => g with { MinGarp = c.Bool(n) ?? g.MinGarp },
        ["vrrp_lower_prio_no_advert"] = (g, n, c) => g with { LowerPriorityNoAdvert = c.Bool(n) ?? g.LowerPriorityNoAdvert },
        ["vrrp_higher_prio_send_advert"] = (g, n, c) => g with { HigherPrioritySendAdvert = c.Bool(n) ?? g.HigherPrioritySendAdvert },
        ["vrrp_check_unicast_src"] = (g, n, c) => g with { CheckUnicastSource = c.Flag(n) },
        ["vrrp_skip_check_adv_addr"] = (g, n, c) => g with { SkipCheckAdvertAddresses = c.Bool(n) ?? g.SkipCheckAdvertAddresses },
        ["vrrp_down_timer_adverts"] = (g, n, c) => g with { DownTimerAdverts = c.Int(n, 1, 100) ?? g.DownTimerAdverts },
        ["vrrp_startup_delay"] = (g, n, c) => g with { VrrpStartupDelay = c.Seconds(n, 0, 86400) ?? g.VrrpStartupDelay },
        ["notify_fifo"] = (g, n, c) => g with { NotifyFifo = FifoPath(n, c) ?? g.NotifyFifo },
        ["notify_fifo_script"] = (g, n, c) => g with { NotifyFifoScript = c.Script(n, true) ?? g.NotifyFifoScript },
        ["vrrp_notify_fifo"] = (g, n, c) => g with { VrrpNotifyFifo = FifoPath(n, c) ?? g.VrrpNotifyFifo },
        ["vrrp_notify_fifo_script"] = (g, n, c) => g with { VrrpNotifyFifoScript = c.Script(n, true) ?? g.VrrpNotifyFifoScript },
        ["script_user"] = (g, n, c) => c.UserAndGroup(n) is { } ug ? g with { ScriptUser = ug.User, ScriptGroup = ug.Group } : g,
        ["enable_script_security"] = (g, n, c) => g with { EnableScriptSecurity = c.Flag(n) },
        ["lvs_sync_daemon"] = (g, n, c) => g with { LvsSyncDaemon = SyncDaemon(n, c) ?? g.LvsSyncDaemon },
        ["lvs_timeouts"] = (g, n, c) => g with { LvsTimeouts = Timeouts(n, c) ?? g.LvsTimeouts },
        ["lvs_flush"] = (g, n, c) => g with { LvsFlush = c.Flag(n) },
        ["lvs_flush_on_stop"] = (g, n, c) => g with { LvsFlushOnStop = FlushOnStop(n, c) ?? g.LvsFlushOnStop },
        ["checker_log_all_failures"] = (g, n, c) => g with { CheckerLogAllFailures = c.Bool(n) ?? g.CheckerLogAllFailures },
        ["rs_init_notifies"] = (g, n, c) => g with { RealServerInitNotifies = c.Flag(n) },
        ["random_seed"] = (g, n, c) => g with { RandomSeed = c.String(n) is { } w ? c.ParseUInt(n, w) ?? g.RandomSeed : g.RandomSeed },

        // Applied while the files were read (includes that follow it); nothing to keep.
        ["include_check"] = (g, _, _) => g,
    });

    /// <summary>Adds the garp_* keywords (global_defs spells them vrrp_garp_*) for a record holding <see cref="GarpSettings"/>.</summary>
    private static Dictionary<string, Handler<T>> WithGarp<T>(string prefix, Func<T, GarpSettings> get, Func<T, GarpSettings, T> set, Dictionary<string, Handler<T>> table)
    {
        table[prefix + "garp_master_delay"] = (t, n, c) => set(t, get(t) with { MasterDelay = WholeSeconds(n, c) ?? get(t).MasterDelay });
        table[prefix + "garp_master_repeat"] = (t, n, c) => set(t, get(t) with { MasterRepeat = c.Int(n, 0, int.MaxValue) ?? get(t).MasterRepeat });
        table[prefix + "garp_lower_prio_delay"] = (t, n, c) => set(t, get(t) with { LowerPriorityDelay = WholeSeconds(n, c) ?? get(t).LowerPriorityDelay });
        table[prefix + "garp_lower_prio_repeat"] = (t, n, c) => set(t, get(t) with { LowerPriorityRepeat = c.Int(n, 0, int.MaxValue) ?? get(t).LowerPriorityRepeat });
        table[prefix + "garp_master_refresh"] = (t, n, c) => set(t, get(t) with { MasterRefresh = WholeSeconds(n, c) ?? get(t).MasterRefresh });
        table[prefix + "garp_master_refresh_repeat"] = (t, n, c) => set(t, get(t) with { MasterRefreshRepeat = c.Int(n, 0, int.MaxValue) ?? get(t).MasterRefreshRepeat });
        return table;
    }

    /// <summary>Adds notify_master/backup/fault/stop and notify for a record holding <see cref="VrrpNotifyScripts"/>.</summary>
    private static Dictionary<string, Handler<T>> WithNotify<T>(Func<T, VrrpNotifyScripts> get, Func<T, VrrpNotifyScripts, T> set, Dictionary<string, Handler<T>> table)
    {
        table["notify_master"] = (t, n, c) => set(t, get(t) with { Master = c.Script(n, true) ?? get(t).Master });
        table["notify_backup"] = (t, n, c) => set(t, get(t) with { Backup = c.Script(n, true) ?? get(t).Backup });
        table["notify_fault"] = (t, n, c) => set(t, get(t) with { Fault = c.Script(n, true) ?? get(t).Fault });
        table["notify_stop"] = (t, n, c) => set(t, get(t) with { Stop = c.Script(n, true) ?? get(t).Stop });
        table["notify"] = (t, n, c) => set(t, get(t) with { Any = c.Script(n, true) ?? get(t).Any });
        return table;
    }

    private static TimeSpan? WholeSeconds(ConfigNode n, BindContext c) =>
        c.Int(n, 0, 86400, "a number of seconds") is { } s ? TimeSpan.FromSeconds(s) : null;

    private static IPAddress? MulticastGroup(ConfigNode n, BindContext c, AddressFamily family)
    {
        c.AtMost(n, 2);
        var address = c.Address(n, 1, "a multicast address");
        if (address is null)
        {
            return null;
        }

        var multicast = family == AddressFamily.InterNetwork
            ? address.AddressFamily == family && (address.GetAddressBytes()[0] & 0xf0) == 0xe0
            : address.AddressFamily == family && address.IsIPv6Multicast;
        if (!multicast)
        {
            c.Error(n, $"'{n.WrittenKeyword}': {address} is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} multicast address");
            return null;
        }

        return address;
    }

    private static LvsSyncDaemon? SyncDaemon(ConfigNode n, BindContext c)
    {
        var iface = c.Word(n, 1, "an interface name");
        if (iface is null)
        {
            return null;
        }

        var result = new LvsSyncDaemon(iface) { Location = n.Location };
        var i = 2;
        while (i < n.Words.Length)
        {
            var word = n.Words[i++];
            string? Next(string what) => c.Word(n, i++, what);
            switch (word)
            {
                case "inst":
                    result = Next("a vrrp_instance name") is { } inst ? result with { Instance = new NameReference(inst) { Location = n.Location } } : result;
                    break;
                case "id":
                    result = result with { SyncId = Next("a sync id") is { } id ? c.ParseInt(n, id, 0, 255) : null };
                    break;
                case "maxlen":
                    result = result with { MaxLength = Next("a length") is { } len ? c.ParseInt(n, len, 1, 65507) : null };
                    break;
                case "port":
                    result = result with { Port = Next("a port") is { } port ? c.ParseInt(n, port, 1, 65535) : null };
                    break;
                case "ttl":
                    result = result with { Ttl = Next("a TTL") is { } ttl ? c.ParseInt(n, ttl, 1, 255) : null };
                    break;
                case "group":
                    result = result with { Group = Next("a multicast group") is { } grp ? c.ParseAddress(n, grp) : null };
                    break;
                default:
                    // "inst" may be omitted: a bare word in second place is the instance (keepalived's old syntax).
                    if (i == 3 && result.Instance is null)
                    {
                        result = result with { Instance = new NameReference(word) { Location = n.Location } };
                    }
                    else
                    {
                        c.ErrorAt(n, word, $"'lvs_sync_daemon': unexpected '{word}'");
                    }

                    break;
            }
        }

        return result;
    }

    private static LvsTimeouts? Timeouts(ConfigNode n, BindContext c)
    {
        if (n.Words.Length < 3)
        {
            c.Error(n, "'lvs_timeouts' needs at least one of tcp SECS, tcpfin SECS, udp SECS");
            return null;
        }

        TimeSpan? tcp = null, fin = null, udp = null;
        for (var i = 1; i < n.Words.Length; i += 2)
        {
            var value = i + 1 < n.Words.Length ? n.Words[i + 1] : null;
            TimeSpan? Read() => value is null ? null : c.ParseInt(n, value, 1, LvsMaxTimeout) is { } s ? TimeSpan.FromSeconds(s) : null;
            switch (n.Words[i])
            {
                case "tcp":
                    tcp = Read();
                    break;
                case "tcpfin":
                    fin = Read();
                    break;
                case "udp":
                    udp = Read();
                    break;
                default:
                    c.ErrorAt(n, n.Words[i], $"'lvs_timeouts': unknown option '{n.Words[i]}' (tcp, tcpfin or udp)");
                    i--;
                    continue;
            }

            if (value is null)
            {
                c.ErrorAt(n, n.Words[i], $"'lvs_timeouts': '{n.Words[i]}' needs a number of seconds");
            }
        }

        return new LvsTimeouts(tcp, fin, udp);
    }

    /// <summary>keepalived's LVS_MAX_TIMEOUT: 31 days.</summary>
    internal const int LvsMaxTimeout = 86400 * 31;

    private static LvsFlushOnStop? FlushOnStop(ConfigNode n, BindContext c)
    {
        c.AtMost(n, 2);
        if (n.Words.Length == 1)
        {
            return LvsFlushOnStop.All;
        }

        if (n.Words[1] == "VS")
        {
            return LvsFlushOnStop.VirtualServers;
        }

        c.ErrorAt(n, n.Words[1], $"'lvs_flush_on_stop': unexpected '{n.Words[1]}' (nothing or VS)");
        return null;
    }

    /// <summary><c>notify_fifo PATH [USER [GROUP]]</c>: the owner words are accepted and reported, not applied.</summary>
    private static string? FifoPath(ConfigNode n, BindContext c)
    {
        var path = c.Word(n, 1, "a FIFO path");
        if (n.Words.Length > 2)
        {
            c.WarningAt(n, 2, $"'{n.WrittenKeyword}': the FIFO's owner is not applied; kad creates it as its own user with mode 0600");
        }

        return path;
    }

    // ---------------------------------------------------------------- SSL

    private static readonly Dictionary<string, Handler<SslSettings>> Ssl = new(StringComparer.Ordinal)
    {
        ["password"] = (s, n, c) => s with { Password = c.String(n) ?? s.Password },
        ["ca"] = (s, n, c) => s with { CertificateAuthority = c.String(n, "a file") ?? s.CertificateAuthority },
        ["certificate"] = (s, n, c) => s with { Certificate = c.String(n, "a file") ?? s.Certificate },
        ["key"] = (s, n, c) => s with { Key = c.String(n, "a file") ?? s.Key },
    };

    // ---------------------------------------------------------------- vrrp_script

    private static readonly Dictionary<string, Handler<VrrpScript>> Script = new(StringComparer.Ordinal)
    {
        ["script"] = (s, n, c) => s with { Script = c.Script(n, allowUser: false) ?? s.Script },
        ["interval"] = (s, n, c) => s with { Interval = c.Seconds(n, 0.000001, 86400) ?? s.Interval },
        ["timeout"] = (s, n, c) => s with { Timeout = c.Seconds(n, 0.000001, 86400) ?? s.Timeout },
        ["weight"] = (s, n, c) => WeightAndReverse(n, c, -253, 253) is { } w ? s with { Weight = w.Weight, WeightReverse = w.Reverse } : s,
        ["rise"] = (s, n, c) => s with { Rise = c.Int(n, 1, int.MaxValue) ?? s.Rise },
        ["fall"] = (s, n, c) => s with { Fall = c.Int(n, 1, int.MaxValue) ?? s.Fall },
        ["user"] = (s, n, c) => c.UserAndGroup(n) is { } ug ? s with { User = ug.User, Group = ug.Group } : s,
        ["init_fail"] = (s, n, c) => s with { InitFail = c.Flag(n) },
    };

    // ---------------------------------------------------------------- track_file

    private static readonly Dictionary<string, Handler<VrrpTrackFile>> TrackFileTable = new(StringComparer.Ordinal)
    {
        ["file"] = (f, n, c) => f with { File = c.String(n, "a file") ?? f.File },
        ["weight"] = (f, n, c) => WeightAndReverse(n, c, -2147483647, 2147483647) is { } w ? f with { Weight = w.Weight, WeightReverse = w.Reverse } : f,
        ["init_file"] = (f, n, c) =>
        {
            // init_file [VALUE] [overwrite]: VALUE defaults to 0.
            c.AtMost(n, 3);
            long value = 0;
            var overwrite = false;
            foreach (var word in n.Words.Skip(1))
            {
                if (word == "overwrite")
                {
                    overwrite = true;
                }
                else if (c.ParseInt(n, word, int.MinValue, int.MaxValue) is { } parsed)
                {
                    value = parsed;
                }
            }

            return f with { InitValue = value, InitOverwrite = overwrite };
        },
    };

    /// <summary><c>weight W [reverse]</c> of a vrrp_script or track_file block; null (reported) when W is bad.</summary>
    private static (int Weight, bool Reverse)? WeightAndReverse(ConfigNode n, BindContext c, long min, long max)
    {
        c.AtMost(n, 3);
        var weight = c.Word(n, 1, "a weight") is { } w ? c.ParseInt(n, w, min, max) : null;
        var reverse = n.Words.Length > 2 && ReverseWord(n, 2, c);
        return weight is { } value ? (value, reverse) : null;
    }

    private static bool ReverseWord(ConfigNode n, int index, BindContext c)
    {
        if (n.Words[index] == "reverse")
        {
            return true;
        }

        c.ErrorAt(n, n.Words[index], $"'{n.WrittenKeyword}': unexpected '{n.Words[index]}' (expected reverse)");
        return false;
    }

    // ---------------------------------------------------------------- vrrp_sync_group

    private static readonly Dictionary<string, Handler<VrrpSyncGroup>> SyncGroup = WithNotify<VrrpSyncGroup>(g => g.Notify, (g, x) => g with { Notify = x }, new(StringComparer.Ordinal)
    {
        ["group"] = (g, n, c) => g with { Members = g.Members.AddRange(n.Children.SelectMany(line => line.Words.Select(w => new NameReference(w) { Location = line.Location }))) },
        ["track_interface"] = (g, n, c) => g with { TrackInterfaces = g.TrackInterfaces.AddRange(TrackInterfaces(n, c)) },
        ["track_script"] = (g, n, c) => g with { TrackScripts = g.TrackScripts.AddRange(TrackScripts(n, c)) },
        ["track_file"] = (g, n, c) => g with { TrackFiles = g.TrackFiles.AddRange(TrackFiles(n, c)) },
        ["sync_group_tracking_weight"] = (g, n, c) => g with { SyncGroupTrackingWeight = c.Flag(n) },
    });

    private static IEnumerable<TrackedInterface> TrackInterfaces(ConfigNode block, BindContext c)
    {
        foreach (var line in block.Children)
        {
            var clause = c.WeightClause(line, 1, -253, 253);
            if (clause is { Reverse: false })
            {
                c.Error(line, $"'{line.Words[0]}': track_interface takes 'reverse' only");
            }

            yield return new TrackedInterface(line.Words[0]) { Location = line.Location, Weight = clause?.Weight, Reverse = clause?.Reverse == true };
        }
    }

    private static IEnumerable<TrackedScript> TrackScripts(ConfigNode block, BindContext c)
    {
        foreach (var line in block.Children)
        {
            var clause = c.WeightClause(line, 1, -253, 253);
            yield return new TrackedScript(line.Words[0]) { Location = line.Location, Weight = clause?.Weight, Reverse = clause?.Reverse };
        }
    }

    private static IEnumerable<TrackedFile> TrackFiles(ConfigNode block, BindContext c)
    {
        foreach (var line in block.Children)
        {
            var clause = c.WeightClause(line, 1, -254, 254);
            yield return new TrackedFile(line.Words[0]) { Location = line.Location, Weight = clause?.Weight, Reverse = clause?.Reverse };
        }
    }

    // ---------------------------------------------------------------- vrrp_instance

    private static readonly Dictionary<string, Handler<VrrpAuthentication>> Authentication = new(StringComparer.Ordinal)
    {
        ["auth_type"] = (a, n, c) =>
        {
            var word = c.String(n, "PASS or AH");
            VrrpAuthType? type = word switch
            {
                "PASS" => VrrpAuthType.Password,
                "AH" => VrrpAuthType.AuthenticationHeader,
                _ => null,
            };
            if (word is not null && type is null)
            {
                c.ErrorAt(n, word, $"'auth_type': unknown type '{word}' (PASS or AH)");
            }

            return a with { Type = type ?? a.Type };
        },
        ["auth_pass"] = (a, n, c) =>
        {
            var password = c.String(n, "a password");
            if (password is { Length: > 8 })
            {
                c.Warning(n, "'auth_pass': only the first 8 characters are used");
                password = password[..8];
            }

            return a with { Password = password ?? a.Password };
        },
    };

    private static readonly Dictionary<string, Handler<VrrpInstance>> Instance = WithGarp<VrrpInstance>("", v => v.Garp, (v, x) => v with { Garp = x }, WithNotify<VrrpInstance>(v => v.Notify, (v, x) => v with { Notify = x }, new(StringComparer.Ordinal)
    {
        ["state"] = (v, n, c) => v with { State = InitialState(n, c) ?? v.State },
        ["interface"] = (v, n, c) => v with { Interface = c.String(n, "an interface name") ?? v.Interface },
        ["virtual_router_id"] = (v, n, c) => v with { VirtualRouterId = c.Int(n, 1, 255) ?? v.VirtualRouterId },
        ["priority"] = (v, n, c) => v with { Priority = c.Int(n, 1, 255) ?? v.Priority },
        ["advert_int"] = (v, n, c) => v with { AdvertInterval = AdvertInterval(n, c) ?? v.AdvertInterval },
        ["version"] = (v, n, c) => v with { Version = c.Int(n, 2, 3, "2 or 3") ?? v.Version },
        ["accept"] = (v, n, c) => v with { Accept = c.Flag(n) },
        ["no_accept"] = (v, n, c) => v with { Accept = !c.Flag(n) },
        ["preempt"] = (v, n, c) => v with { Preempt = c.Flag(n) },
        ["nopreempt"] = (v, n, c) => v with { Preempt = !c.Flag(n) },
        ["preempt_delay"] = (v, n, c) => v with { PreemptDelay = c.Seconds(n, 0, 1000) ?? v.PreemptDelay },
        ["mcast_src_ip"] = (v, n, c) => v with { SourceAddress = SingleAddress(n, c) ?? v.SourceAddress },
        ["unicast_src_ip"] = (v, n, c) => v with { SourceAddress = SingleAddress(n, c) ?? v.SourceAddress },
        ["mcast_dst_ip"] = (v, n, c) => v with { MulticastDestination = MulticastDestination(n, c) ?? v.MulticastDestination },
        ["unicast_peer"] = (v, n, c) => v with { UnicastPeers = v.UnicastPeers.AddRange(UnicastPeers(n, c)), UnicastPeerBlock = true },
        ["unicast_ttl"] = (v, n, c) => v with { UnicastTtl = c.Int(n, 0, 255) ?? v.UnicastTtl },
        ["unicast_fault_no_peer"] = (v, n, c) => v with { UnicastFaultNoPeer = c.Flag(n) },
        ["check_unicast_src"] = (v, n, c) => v with { CheckUnicastSource = c.Flag(n) },
        ["track_src_ip"] = (v, n, c) => v with { TrackSourceAddress = c.Flag(n) },
        ["dont_track_primary"] = (v, n, c) => v with { DontTrackPrimary = c.Flag(n) },
        ["authentication"] = (v, n, c) => v with { Authentication = Apply(new VrrpAuthentication(null, null) { Location = n.Location }, n, Authentication, c) },
        ["virtual_ipaddress"] = (v, n, c) => v with { VirtualAddresses = v.VirtualAddresses.AddRange(VirtualAddresses(n, c)) },
        ["virtual_ipaddress_excluded"] = (v, n, c) => v with { ExcludedVirtualAddresses = v.ExcludedVirtualAddresses.AddRange(VirtualAddresses(n, c)) },
        ["track_interface"] = (v, n, c) => v with { TrackInterfaces = v.TrackInterfaces.AddRange(TrackInterfaces(n, c)) },
        ["track_script"] = (v, n, c) => v with { TrackScripts = v.TrackScripts.AddRange(TrackScripts(n, c)) },
        ["track_file"] = (v, n, c) => v with { TrackFiles = v.TrackFiles.AddRange(TrackFiles(n, c)) },
        ["notify_deleted"] = (v, n, c) => v with { Notify = v.Notify with { ReportDeleted = true, Deleted = n.Words.Length > 1 ? c.Script(n, true) : null } },
        ["notify_master_rx_lower_pri"] = (v, n, c) => v with { Notify = v.Notify with { MasterRxLowerPriority = c.Script(n, true) ?? v.Notify.MasterRxLowerPriority } },
        ["lower_prio_no_advert"] = (v, n, c) => v with { LowerPriorityNoAdvert = c.Bool(n) ?? v.LowerPriorityNoAdvert },
        ["higher_prio_send_advert"] = (v, n, c) => v with { HigherPrioritySendAdvert = c.Bool(n) ?? v.HigherPrioritySendAdvert },
        ["down_timer_adverts"] = (v, n, c) => v with { DownTimerAdverts = c.Int(n, 1, 100) ?? v.DownTimerAdverts },
        ["skip_check_adv_addr"] = (v, n, c) => v with { SkipCheckAdvertAddresses = c.Bool(n) ?? v.SkipCheckAdvertAddresses },
        ["strict_mode"] = (v, n, c) => v with { StrictMode = c.Bool(n) ?? v.StrictMode },
        ["promote_secondaries"] = (v, n, c) => v with { PromoteSecondaries = c.Flag(n) },
        ["use_vmac"] = (v, n, c) => v with { VirtualMac = VirtualMac(n, c) ?? v.VirtualMac },
        ["vmac_xmit_base"] = (v, n, c) => v with { VirtualMacTransmitBase = c.Flag(n) },
    }));

    /// <summary><c>vmac_prefix STRING</c>: with ".255" the longest name must still fit the kernel's 15 characters.</summary>
    private static string? VmacPrefix(ConfigNode n, BindContext c)
    {
        var prefix = c.String(n, "a name prefix");
        if (prefix is not null && (prefix.Length > 11 || prefix.Contains('/', StringComparison.Ordinal) || prefix.Contains(':', StringComparison.Ordinal)))
        {
            c.ErrorAt(n, prefix, $"'vmac_prefix': '{prefix}' cannot start an interface name PREFIX.VRID (at most 11 characters, no '/' or ':')");
            return null;
        }

        return prefix;
    }

    /// <summary><c>use_vmac [NAME] [MAC]</c>: a word that reads as a MAC address (5 or 6 octets) is the MAC, the other the name.</summary>
    private static VrrpVirtualMac? VirtualMac(ConfigNode n, BindContext c)
    {
        c.AtMost(n, 3);
        string? name = null, mac = null;
        for (var i = 1; i < Math.Min(n.Words.Length, 3); i++)
        {
            var word = n.Words[i];
            if (ParseMac(word) is { } octets)
            {
                if (mac is not null)
                {
                    c.ErrorAt(n, word, $"'use_vmac': a second MAC address '{word}'");
                    return null;
                }

                mac = string.Join(':', octets.Select(o => o.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
            }
            else if (name is null && i == 1)
            {
                // IFNAMSIZ is 16 with the NUL; the kernel refuses '/', ':' is an IPv4 label separator, whitespace is a word break.
                if (word.Length > 15 || word.Contains('/', StringComparison.Ordinal) || word.Contains(':', StringComparison.Ordinal) || word is "." or "..")
                {
                    c.ErrorAt(n, word, $"'use_vmac': '{word}' is not a valid interface name (at most 15 characters, no '/' or ':')");
                    return null;
                }

                name = word;
            }
            else
            {
                c.ErrorAt(n, word, $"'use_vmac': '{word}' is not a MAC address (5 or 6 hex octets separated by ':')");
                return null;
            }
        }

        return new VrrpVirtualMac { InterfaceName = name, MacAddress = mac, Location = n.Location };
    }

    /// <summary>5 or 6 octets of hex separated by ':'; null if <paramref name="word"/> is not one.</summary>
    private static byte[]? ParseMac(string word)
    {
        var parts = word.Split(':');
        if (parts.Length is not (5 or 6))
        {
            return null;
        }

        var octets = new byte[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length is < 1 or > 2 || !byte.TryParse(parts[i], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out octets[i]))
            {
                return null;
            }
        }

        return octets;
    }


    private static VrrpInitialState? InitialState(ConfigNode n, BindContext c) => c.String(n, "MASTER or BACKUP") switch
    {
        "MASTER" => VrrpInitialState.Master,
        "BACKUP" => VrrpInitialState.Backup,
        null => null,
        var other => Fail<VrrpInitialState>(n, c, $"'state': unknown state '{other}' (MASTER or BACKUP)"),
    };

    private static T? Fail<T>(ConfigNode n, BindContext c, string message)
        where T : struct
    {
        c.Error(n, message);
        return null;
    }

    /// <summary>advert_int: seconds, fractions allowed (VRRPv3 has centisecond resolution); must be above 0.</summary>
    private static TimeSpan? AdvertInterval(ConfigNode n, BindContext c)
    {
        var interval = c.Seconds(n, 0, 255);
        if (interval == TimeSpan.Zero)
        {
            c.Error(n, "'advert_int' must be more than 0");
            return null;
        }

        return interval;
    }

    private static IPAddress? SingleAddress(ConfigNode n, BindContext c)
    {
        c.AtMost(n, 2);
        return c.Address(n, 1);
    }

    private static IPAddress? MulticastDestination(ConfigNode n, BindContext c)
    {
        var address = SingleAddress(n, c);
        if (address is null)
        {
            return null;
        }

        var ok = address.AddressFamily == AddressFamily.InterNetwork
            ? (address.GetAddressBytes()[0] & 0xf0) == 0xe0
            : address.IsIPv6Multicast && (address.GetAddressBytes()[1] & 0x0f) == 2;
        if (!ok)
        {
            c.Error(n, $"'mcast_dst_ip': {address} is not a multicast address (IPv6: link-local scope, ffX2::)");
            return null;
        }

        return address;
    }

    private static IEnumerable<UnicastPeer> UnicastPeers(ConfigNode block, BindContext c)
    {
        foreach (var line in block.Children)
        {
            var address = c.ParseAddress(line, line.Words[0]);
            if (address is null)
            {
                continue;
            }

            var peer = new UnicastPeer(address) { Location = line.Location };
            for (var i = 1; i < line.Words.Length; i += 2)
            {
                var value = c.Word(line, i + 1, $"a TTL after '{line.Words[i]}'");
                var ttl = value is null ? null : c.ParseInt(line, value, 0, 255);
                switch (line.Words[i])
                {
                    case "min_ttl":
                        peer = peer with { MinTtl = ttl };
                        break;
                    case "max_ttl":
                        peer = peer with { MaxTtl = ttl };
                        break;
                    default:
                        c.ErrorAt(line, line.Words[i], $"unicast_peer {address}: unexpected '{line.Words[i]}' (min_ttl or max_ttl)");
                        break;
                }
            }

            yield return peer;
        }
    }

    private static IEnumerable<VirtualIpAddress> VirtualAddresses(ConfigNode block, BindContext c)
    {
        foreach (var line in block.Children)
        {
            if (VirtualAddress(line, c) is { } vip)
            {
                yield return vip;
            }
        }
    }

    /// <summary>One virtual_ipaddress line, with the options of `ip address add`.</summary>
    private static VirtualIpAddress? VirtualAddress(ConfigNode line, BindContext c)
    {
        if (c.ParseAddressWithPrefix(line, line.Words[0]) is not { } head)
        {
            return null;
        }

        var vip = new VirtualIpAddress(head.Address) { Location = line.Location, PrefixLength = head.Prefix };
        var i = 1;
        string? Next(string option) => c.Word(line, i++, $"a value after '{option}'");
        while (i < line.Words.Length)
        {
            var option = line.Words[i++];
            switch (option)
            {
                case "brd" or "broadcast":
                    var brd = Next(option);
                    if (brd is "+" or "-" || (brd is not null && c.ParseAddress(line, brd) is not null))
                    {
                        vip = vip with { Broadcast = brd };
                    }

                    break;
                case "dev":
                    vip = vip with { Device = Next(option) };
                    break;
                case "scope":
                    var scope = Next(option);
                    if (scope is not null && scope is not ("global" or "site" or "link" or "host" or "nowhere") && !int.TryParse(scope, out _))
                    {
                        c.ErrorAt(line, scope, $"'{scope}' is not a scope (global, site, link, host, nowhere or a number)");
                    }

                    vip = vip with { Scope = scope };
                    break;
                case "label":
                    vip = vip with { Label = Next(option) };
                    break;
                case "peer":
                    vip = vip with { Peer = Next(option) is { } p ? c.ParseAddress(line, p) : null };
                    break;
                case "home":
                    vip = vip with { Home = true };
                    break;
                case "-nodad" or "nodad":
                    vip = vip with { NoDad = true };
                    break;
                case "mngtmpaddr":
                    vip = vip with { ManageTemporaryAddress = true };
                    break;
                case "noprefixroute":
                    vip = vip with { NoPrefixRoute = true };
                    break;
                case "autojoin":
                    vip = vip with { AutoJoin = true };
                    break;
                case "no_track":
                    vip = vip with { NoTrack = true };
                    break;
                case "preferred_lft":
                    var lft = Next(option);
                    vip = vip with
                    {
                        PreferredLifetime = lft == "forever" ? uint.MaxValue : lft is null ? null : c.ParseUInt(line, lft),
                    };
                    break;
                case "use_vmac":
                    c.Diagnostics.Warning(DiagnosticCodes.Unsupported, line.Location, "'use_vmac' on an address is not supported by kad and is ignored: per-address VMACs are not implemented (the address goes on its dev, or on the instance's use_vmac interface)", "use_vmac");
                    if (i < line.Words.Length && !IsAddressOption(line.Words[i]))
                    {
                        i++;
                    }

                    break;
                case "track_group":
                    c.Warning(line, "'track_group' applies to static addresses only; ignored");
                    i++;
                    break;
                default:
                    c.ErrorAt(line, option, $"{line.Words[0]}: unknown address option '{option}'");
                    break;
            }
        }

        if (vip.Peer is { } peerAddress && peerAddress.AddressFamily != vip.Address.AddressFamily)
        {
            c.Error(line, $"{line.Words[0]}: peer {peerAddress} is not the same address family");
        }

        return vip;
    }

    private static bool IsAddressOption(string word) => word is "brd" or "broadcast" or "dev" or "scope" or "label" or "peer" or "home" or "-nodad"
        or "nodad" or "mngtmpaddr" or "noprefixroute" or "autojoin" or "no_track" or "preferred_lft" or "track_group";

    // ---------------------------------------------------------------- virtual_server_group

    private static VirtualServerGroup BindVirtualServerGroup(VirtualServerGroup group, ConfigNode node, BindContext c)
    {
        var entries = ImmutableArray.CreateBuilder<VirtualServerGroupEntry>();
        foreach (var line in node.Children)
        {
            if (line.Words[0] == "fwmark")
            {
                var mark = c.Word(line, 1, "a firewall mark") is { } m ? c.ParseUInt(line, m) : null;
                AddressFamily? family = null;
                if (line.Words.Length > 2)
                {
                    family = line.Words[2] switch
                    {
                        "inet" => AddressFamily.InterNetwork,
                        "inet6" => AddressFamily.InterNetworkV6,
                        _ => null,
                    };
                    if (family is null)
                    {
                        c.ErrorAt(line, line.Words[2], $"fwmark: unexpected '{line.Words[2]}' (inet or inet6)");
                    }

                    c.AtMost(line, 3);
                }

                if (mark is not null)
                {
                    entries.Add(new VirtualServerGroupFirewallMark(mark.Value, family) { Location = line.Location });
                }

                continue;
            }

            c.AtMost(line, 2);
            var range = AddressRange(line, line.Words[0], c);
            var port = line.Words.Length > 1 ? c.ParsePort(line, line.Words[1]) : null;
            if (range is { } r)
            {
                entries.Add(new VirtualServerGroupAddressRange(r.First, r.Last, port) { Location = line.Location });
            }
        }

        return group with { Entries = new(entries.ToImmutable()) };
    }

    /// <summary>ADDR, A.B.C.D-E (last octet; IPv6: last group in hex), A.B.C.D-E.F.G.H, or A.B.C.D/NN.</summary>
    private static (IPAddress First, IPAddress Last)? AddressRange(ConfigNode line, string word, BindContext c)
    {
        if (word.Contains('/', StringComparison.Ordinal))
        {
            if (c.ParseAddressWithPrefix(line, word) is not { Prefix: { } prefix } parsed)
            {
                return null;
            }

            var bytes = parsed.Address.GetAddressBytes();
            var first = (byte[])bytes.Clone();
            var last = (byte[])bytes.Clone();
            for (var bit = prefix; bit < bytes.Length * 8; bit++)
            {
                var mask = (byte)(0x80 >> (bit % 8));
                first[bit / 8] &= (byte)~mask;
                last[bit / 8] |= mask;
            }

            return (new IPAddress(first), new IPAddress(last));
        }

        var dash = word.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var single = c.ParseAddress(line, word);
            return single is null ? null : (single, single);
        }

        var start = c.ParseAddress(line, word[..dash]);
        if (start is null)
        {
            return null;
        }

        var tail = word[(dash + 1)..];
        IPAddress? end;
        if (tail.Contains('.', StringComparison.Ordinal) || tail.Contains(':', StringComparison.Ordinal))
        {
            end = c.ParseAddress(line, tail);
        }
        else
        {
            var v4 = start.AddressFamily == AddressFamily.InterNetwork;
            var endBytes = start.GetAddressBytes();
            if (v4 && byte.TryParse(tail, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var octet))
            {
                endBytes[3] = octet;
                end = new IPAddress(endBytes);
            }
            else if (!v4 && ushort.TryParse(tail, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var group))
            {
                endBytes[14] = (byte)(group >> 8);
                endBytes[15] = (byte)group;
                end = new IPAddress(endBytes);
            }
            else
            {
                c.ErrorAt(line, word, $"'{word}': the end of the range is not a number");
                return null;
            }
        }

        if (end is null)
        {
            return null;
        }

        if (end.AddressFamily != start.AddressFamily || Compare(end, start) < 0)
        {
            c.ErrorAt(line, word, $"'{word}': the range must run upwards within one address family");
            return null;
        }

        return (start, end);
    }

    private static int Compare(IPAddress a, IPAddress b)
    {
        var x = a.GetAddressBytes();
        var y = b.GetAddressBytes();
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] != y[i])
            {
                return x[i].CompareTo(y[i]);
            }
        }

        return 0;
    }

    // ---------------------------------------------------------------- virtual_server / real_server

    /// <summary>A top-level virtual_server node; null when its target is unusable (reported).</summary>
    internal static VirtualServer? BindTopLevelVirtualServer(ConfigNode node, BindContext c) =>
        VirtualServerTargetOf(node, c) is { } target ? BindVirtualServer(new VirtualServer(target) { Location = node.Location }, node, c) : null;

    private static VirtualServerTarget? VirtualServerTargetOf(ConfigNode node, BindContext c)
    {
        var first = c.Word(node, 1, "an address, 'fwmark N' or 'group NAME'");
        switch (first)
        {
            case null:
                return null;
            case "fwmark":
                c.AtMost(node, 3);
                return c.Word(node, 2, "a firewall mark") is { } mark && c.ParseUInt(node, mark) is { } m ? new VirtualServerFirewallMark(m) : null;
            case "group":
                c.AtMost(node, 3);
                return c.Word(node, 2, "a group name") is { } name ? new VirtualServerGroupTarget(name) : null;
            default:
                c.AtMost(node, 3);
                var address = c.ParseAddress(node, first);
                var port = node.Words.Length > 2 ? c.ParsePort(node, node.Words[2]) : null;
                return address is null ? null : new VirtualServerAddress(address, port);
        }
    }

    private static RealServerAddress? EndpointOf(ConfigNode node, BindContext c)
    {
        c.AtMost(node, 3);
        var address = c.Address(node, 1);
        var port = node.Words.Length > 2 ? c.ParsePort(node, node.Words[2]) : null;
        return address is null ? null : new RealServerAddress(address, port);
    }


    private static Dictionary<string, Handler<RealServer>> BuildRealServerTable()
    {
        var table = new Dictionary<string, Handler<RealServer>>(StringComparer.Ordinal)
        {
            ["weight"] = (r, n, c) => r with { Weight = c.Int(n, 0, 65535) ?? r.Weight },
            ["lvs_method"] = (r, n, c) => r with { Forwarding = c.Forwarding(n) ?? r.Forwarding },
            ["notify_up"] = (r, n, c) => r with { NotifyUp = c.Script(n, true) ?? r.NotifyUp },
            ["notify_down"] = (r, n, c) => r with { NotifyDown = c.Script(n, true) ?? r.NotifyDown },
            ["uthreshold"] = (r, n, c) => r with { UpperThreshold = c.Int(n, 0, int.MaxValue) ?? r.UpperThreshold },
            ["lthreshold"] = (r, n, c) => r with { LowerThreshold = c.Int(n, 0, int.MaxValue) ?? r.LowerThreshold },
            ["alpha"] = (r, n, c) => r with { Alpha = c.Bool(n) ?? r.Alpha },
            ["inhibit_on_failure"] = (r, n, c) => r with { InhibitOnFailure = c.Bool(n) ?? r.InhibitOnFailure },
            ["virtualhost"] = (r, n, c) => r with { Virtualhost = c.String(n, "a host name") ?? r.Virtualhost },
            ["kad_drain_timeout"] = (r, n, c) => r with { DrainTimeout = c.Seconds(n, 0, LvsMaxTimeout) ?? r.DrainTimeout },
        };
        foreach (var (kind, create) in CheckerFactories)
        {
            var checkerTable = CheckerTable(kind);
            var timingKeywords = TimingKeywordsOf(kind);
            table[kind] = (r, n, c) =>
            {
                c.AtMost(n, 1);
                var check = ApplyTimed(create(n.Location), n, checkerTable, timingKeywords, CheckTiming.Unset, static (k, t) => k with { Timing = t }, c);
                return r with { Checkers = r.Checkers.Add(check) };
            };
        }

        return table;
    }

    private static string? Scheduler(ConfigNode n, BindContext c)
    {
        var name = c.String(n, "a scheduler name");
        if (name is not null && !KnownSchedulers.Contains(name))
        {
            c.Warning(n, $"'{name}' is not a scheduler the kernel ships ({string.Join(", ", KnownSchedulers)}); it must exist as an IPVS module");
        }

        return name;
    }

    private static readonly string[] KnownSchedulers = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"];

    private static LvsProtocol? Protocol(ConfigNode n, BindContext c) => c.String(n, "TCP, UDP or SCTP") switch
    {
        "TCP" => LvsProtocol.Tcp,
        "UDP" => LvsProtocol.Udp,
        "SCTP" => LvsProtocol.Sctp,
        null => null,
        var other => Fail<LvsProtocol>(n, c, $"'protocol': unknown protocol '{other}' (TCP, UDP or SCTP)"),
    };

    private static AddressFamily? Family(ConfigNode n, BindContext c) => c.String(n, "inet or inet6") switch
    {
        "inet" => AddressFamily.InterNetwork,
        "inet6" => AddressFamily.InterNetworkV6,
        null => null,
        var other => Fail<AddressFamily>(n, c, $"'ip_family': unknown family '{other}' (inet or inet6)"),
    };

    /// <summary>persistence_timeout [SECS]: without a value keepalived uses 6 minutes.</summary>
    private static TimeSpan? PersistenceTimeout(ConfigNode n, BindContext c)
    {
        c.AtMost(n, 2);
        if (n.Words.Length == 1)
        {
            return TimeSpan.FromSeconds(360);
        }

        return c.ParseInt(n, n.Words[1], 1, LvsMaxTimeout) is { } s ? TimeSpan.FromSeconds(s) : null;
    }

    /// <summary>persistence_granularity: an IPv4 netmask (contiguous) or an IPv6 prefix length 1..128.</summary>
    private static string? Granularity(ConfigNode n, BindContext c)
    {
        var word = c.String(n, "a netmask");
        if (word is null)
        {
            return null;
        }

        if (int.TryParse(word, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix) && prefix is >= 1 and <= 128)
        {
            return word;
        }

        if (IPAddress.TryParse(word, out var mask) && mask.AddressFamily == AddressFamily.InterNetwork)
        {
            var bits = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(mask.GetAddressBytes());
            if (bits != 0 && (~bits & (~bits + 1)) == 0)
            {
                return word;
            }
        }

        c.ErrorAt(n, word, $"'persistence_granularity': '{word}' is not a contiguous netmask or an IPv6 prefix length");
        return null;
    }

    // ---------------------------------------------------------------- checkers

    private static readonly (string Kind, Func<SourceLocation, HealthCheck> Create)[] CheckerFactories =
    [
        ("TCP_CHECK", at => new TcpCheck { Location = at }),
        ("HTTP_GET", at => new HttpCheck(false) { Location = at }),
        ("SSL_GET", at => new HttpCheck(true) { Location = at }),
        ("MISC_CHECK", at => new MiscCheck { Location = at }),
        ("DNS_CHECK", at => new DnsCheck { Location = at }),
        ("SMTP_CHECK", at => new SmtpCheck { Location = at }),
        ("UDP_CHECK", at => new UdpCheck { Location = at }),
        ("PING_CHECK", at => new PingCheck { Location = at }),
    ];

    private static readonly Dictionary<string, Handler<HealthCheck>> CommonChecker = new(StringComparer.Ordinal)
    {
        ["alpha"] = (k, n, c) => k with { Alpha = c.Bool(n) ?? k.Alpha },
        ["log_all_failures"] = (k, n, c) => k with { LogAllFailures = c.Bool(n) ?? k.LogAllFailures },
    };

    private static readonly Dictionary<string, Handler<HealthCheck>> ConnectionChecker = new(StringComparer.Ordinal)
    {
        ["connect_ip"] = (k, n, c) => k with { Connection = k.Connection with { ConnectIp = SingleAddress(n, c) ?? k.Connection.ConnectIp } },
        ["connect_port"] = (k, n, c) => k with { Connection = k.Connection with { ConnectPort = c.Int(n, 0, 65535) ?? k.Connection.ConnectPort } },
        ["bindto"] = (k, n, c) => k with { Connection = k.Connection with { BindTo = SingleAddress(n, c) ?? k.Connection.BindTo } },
        ["bind_if"] = (k, n, c) => k with { Connection = k.Connection with { BindInterface = c.String(n, "an interface name") ?? k.Connection.BindInterface } },
        ["bind_port"] = (k, n, c) => k with { Connection = k.Connection with { BindPort = c.Int(n, 0, 65535) ?? k.Connection.BindPort } },
        ["fwmark"] = (k, n, c) => k with { Connection = k.Connection with { FirewallMark = c.String(n, "a firewall mark") is { } w ? c.ParseUInt(n, w) ?? k.Connection.FirewallMark : k.Connection.FirewallMark } },
    };

    private static readonly Dictionary<string, Handler<HttpCheckUrl>> Url = new(StringComparer.Ordinal)
    {
        ["path"] = (u, n, c) => u with { Path = c.String(n, "a path") ?? u.Path },
        ["digest"] = (u, n, c) => u with { Digest = Digest(n, c) ?? u.Digest },
        ["status_code"] = (u, n, c) => u with { StatusCodes = u.StatusCodes.AddRange(StatusCodes(n, c)) },
        ["virtualhost"] = (u, n, c) => u with { Virtualhost = c.String(n, "a host name") ?? u.Virtualhost },
        ["regex"] = (u, n, c) => u with { Regex = c.String(n, "a regular expression") ?? u.Regex },
        ["regex_no_match"] = (u, n, c) => u with { RegexNoMatch = c.Flag(n) },
        ["regex_options"] = (u, n, c) => u with { RegexOptions = u.RegexOptions.AddRange(RegexOptions(n, c)) },
        ["regex_min_offset"] = (u, n, c) => u with { RegexMinOffset = c.Int(n, 0, int.MaxValue) ?? u.RegexMinOffset },
        ["regex_max_offset"] = (u, n, c) => u with { RegexMaxOffset = c.Int(n, 0, int.MaxValue) ?? u.RegexMaxOffset },
    };

    private static readonly Dictionary<string, Handler<HealthCheck>> HttpChecker = new(StringComparer.Ordinal)
    {
        ["http_protocol"] = (k, n, c) => Http(k) with { HttpProtocol = HttpProtocol(n, c) ?? Http(k).HttpProtocol },
        ["fast_recovery"] = (k, n, c) => Http(k) with { FastRecovery = c.Bool(n) ?? Http(k).FastRecovery },
        ["virtualhost"] = (k, n, c) => Http(k) with { Virtualhost = c.String(n, "a host name") ?? Http(k).Virtualhost },
        ["enable_sni"] = (k, n, c) => Http(k) with { EnableSni = c.Flag(n) },
        ["url"] = (k, n, c) => Http(k) with { Urls = Http(k).Urls.Add(Apply(new HttpCheckUrl { Location = n.Location }, n, Url, c)) },
    };

    private static readonly Dictionary<string, Handler<HealthCheck>> MiscChecker = new(StringComparer.Ordinal)
    {
        ["misc_path"] = (k, n, c) => Misc(k) with { Path = c.Script(n, allowUser: false) ?? Misc(k).Path },
        ["misc_timeout"] = (k, n, c) => Misc(k) with { Timeout = c.Seconds(n, 0.000001, LvsMaxTimeout) ?? Misc(k).Timeout },
        ["misc_dynamic"] = (k, n, c) => Misc(k) with { Dynamic = c.Flag(n) },
        ["user"] = (k, n, c) => c.UserAndGroup(n) is { } ug ? Misc(k) with { User = ug.User, Group = ug.Group } : k,
    };

    private static readonly Dictionary<string, Handler<HealthCheck>> DnsChecker = new(StringComparer.Ordinal)
    {
        ["type"] = (k, n, c) => ((DnsCheck)k) with { Type = DnsType(n, c) ?? ((DnsCheck)k).Type },
        ["name"] = (k, n, c) => ((DnsCheck)k) with { Name = c.String(n, "a domain name") ?? ((DnsCheck)k).Name },
    };

    private static readonly Dictionary<string, Handler<HealthCheck>> SmtpChecker = new(StringComparer.Ordinal)
    {
        ["helo_name"] = (k, n, c) => ((SmtpCheck)k) with { HeloName = c.String(n, "a name") ?? ((SmtpCheck)k).HeloName },
    };

    private static readonly Dictionary<string, Handler<HealthCheck>> UdpChecker = new(StringComparer.Ordinal)
    {
        ["payload"] = (k, n, c) => ((UdpCheck)k) with
        {
            Payload = n.Words.Length < 2 ? Missing(n, c, "hex bytes") : c.Hex(n, n.Words.Skip(1), false, out _) ?? ((UdpCheck)k).Payload,
        },
        ["require_reply"] = (k, n, c) =>
        {
            string? pattern = null;
            if (n.Words.Length > 1 && c.Hex(n, n.Words.Skip(1), true, out var normalized) is not null)
            {
                pattern = normalized;
            }

            return ((UdpCheck)k) with { RequireReply = true, ReplyPattern = pattern };
        },
        ["min_reply_length"] = (k, n, c) => ((UdpCheck)k) with { MinReplyLength = c.Int(n, 0, 65535) ?? ((UdpCheck)k).MinReplyLength },
        ["max_reply_length"] = (k, n, c) => ((UdpCheck)k) with { MaxReplyLength = c.Int(n, 0, 65535) ?? ((UdpCheck)k).MaxReplyLength },
    };

    private static EquatableArray<byte>? Missing(ConfigNode n, BindContext c, string what)
    {
        c.Error(n, $"'{n.WrittenKeyword}' needs {what}");
        return null;
    }

    private static IReadOnlySet<string> TimingKeywords => TimingDraft.Keywords;

    /// <summary>The timing keywords a checker takes: MISC_CHECK has misc_timeout instead of connect_timeout.</summary>
    private static IReadOnlySet<string> TimingKeywordsOf(string kind) =>
        kind == "MISC_CHECK" ? TimingDraft.KeywordsWithoutConnectTimeout : TimingDraft.Keywords;

    private static Dictionary<string, Handler<HealthCheck>> CheckerTable(string kind)
    {
        IEnumerable<KeyValuePair<string, Handler<HealthCheck>>> entries = kind switch
        {
            // MISC_CHECK has no connection options (and no connect_timeout: see TimingKeywordsOf).
            "MISC_CHECK" => CommonChecker.Concat(MiscChecker),
            "HTTP_GET" or "SSL_GET" => CommonChecker.Concat(ConnectionChecker).Concat(HttpChecker),
            "DNS_CHECK" => CommonChecker.Concat(ConnectionChecker).Concat(DnsChecker),
            "SMTP_CHECK" => CommonChecker.Concat(ConnectionChecker).Concat(SmtpChecker),
            "UDP_CHECK" => CommonChecker.Concat(ConnectionChecker).Concat(UdpChecker),
            _ => CommonChecker.Concat(ConnectionChecker),
        };
        return entries.ToDictionary(StringComparer.Ordinal);
    }

    private static HttpCheck Http(HealthCheck k) => (HttpCheck)k;

    private static MiscCheck Misc(HealthCheck k) => (MiscCheck)k;

    private static string? HttpProtocol(ConfigNode n, BindContext c)
    {
        var word = c.String(n, "1.0, 1.0C or 1.1");
        if (word is null or "1.0" or "1.0C" or "1.0c" or "1.1")
        {
            return word;
        }

        c.ErrorAt(n, word, $"'http_protocol': unknown version '{word}' (1.0, 1.0C or 1.1)");
        return null;
    }

    private static string? DnsType(ConfigNode n, BindContext c)
    {
        var word = c.String(n, "a query type");
        if (word is null)
        {
            return null;
        }

        var upper = word.ToUpperInvariant();
        if (upper is "A" or "NS" or "CNAME" or "SOA" or "MX" or "TXT" or "AAAA")
        {
            return upper;
        }

        c.ErrorAt(n, word, $"'type': unknown DNS query type '{word}' (A, NS, CNAME, SOA, MX, TXT or AAAA)");
        return null;
    }


    private static string? Digest(ConfigNode n, BindContext c)
    {
        var word = c.String(n, "an MD5 digest");
        if (word is { Length: 32 } && word.All(Uri.IsHexDigit))
        {
            return word.ToLowerInvariant();
        }

        if (word is not null)
        {
            c.ErrorAt(n, word, $"'digest': '{word}' is not 32 hex digits (an MD5 as printed by genhash)");
        }

        return null;
    }

    /// <summary>status_code N|N-M ..., each code 100..999.</summary>
    private static IEnumerable<StatusCodeRange> StatusCodes(ConfigNode n, BindContext c)
    {
        if (n.Words.Length < 2)
        {
            c.Error(n, "'status_code' needs at least one code or range");
        }

        foreach (var word in n.Words.Skip(1))
        {
            var dash = word.IndexOf('-', StringComparison.Ordinal);
            var from = c.ParseInt(n, dash < 0 ? word : word[..dash], 100, 999);
            var to = dash < 0 ? from : c.ParseInt(n, word[(dash + 1)..], 100, 999);
            if (from is null || to is null)
            {
                continue;
            }

            if (to < from)
            {
                c.ErrorAt(n, word, $"'status_code': range '{word}' runs backwards");
                continue;
            }

            yield return new StatusCodeRange(from.Value, to.Value);
        }
    }

    private static readonly string[] KnownRegexOptions =
    [
        "allow_empty_class", "alt_bsux", "auto_callout", "caseless", "dollar_endonly", "dotall", "dupnames", "extended", "firstline",
        "match_unset_backref", "multiline", "never_ucp", "never_utf", "no_auto_capture", "no_auto_possess", "no_dotstar_anchor",
        "no_start_optimize", "ucp", "ungreedy", "utf", "never_backslash_c", "alt_circumflex", "alt_verbnames", "use_offset_limit",
    ];

    private static IEnumerable<string> RegexOptions(ConfigNode n, BindContext c)
    {
        foreach (var word in n.Words.Skip(1))
        {
            if (KnownRegexOptions.Contains(word))
            {
                yield return word;
            }
            else
            {
                c.ErrorAt(n, word, $"'regex_options': unknown option '{word}'");
            }
        }
    }

    // Static fields initialise in order: each table comes after the tables its handlers use.
    private static readonly Dictionary<string, Handler<RealServer>> RealServerTable = BuildRealServerTable();

    private static readonly Dictionary<string, Handler<VirtualServer>> VirtualServerTable = new(StringComparer.Ordinal)
    {
        ["lvs_sched"] = (s, n, c) => s with { Scheduler = Scheduler(n, c) ?? s.Scheduler },
        ["flag-1"] = (s, n, c) => s with { SchedulerFlags = s.SchedulerFlags | (c.Flag(n) ? IpvsSchedulerFlags.Flag1 : 0) },
        ["flag-2"] = (s, n, c) => s with { SchedulerFlags = s.SchedulerFlags | (c.Flag(n) ? IpvsSchedulerFlags.Flag2 : 0) },
        ["flag-3"] = (s, n, c) => s with { SchedulerFlags = s.SchedulerFlags | (c.Flag(n) ? IpvsSchedulerFlags.Flag3 : 0) },
        ["sh-fallback"] = (s, n, c) => s with { SchedulerFlags = s.SchedulerFlags | (c.Flag(n) ? IpvsSchedulerFlags.Flag1 : 0) },
        ["sh-port"] = (s, n, c) => s with { SchedulerFlags = s.SchedulerFlags | (c.Flag(n) ? IpvsSchedulerFlags.Flag2 : 0) },
        ["mh-fallback"] = (s, n, c) => s with { SchedulerFlags = s.SchedulerFlags | (c.Flag(n) ? IpvsSchedulerFlags.Flag1 : 0) },
        ["mh-port"] = (s, n, c) => s with { SchedulerFlags = s.SchedulerFlags | (c.Flag(n) ? IpvsSchedulerFlags.Flag2 : 0) },
        ["ops"] = (s, n, c) => s with { OnePacketScheduling = c.Flag(n) },
        ["lvs_method"] = (s, n, c) => s with { Forwarding = c.Forwarding(n) ?? s.Forwarding },
        ["protocol"] = (s, n, c) => s with { Protocol = Protocol(n, c) ?? s.Protocol },
        ["persistence_timeout"] = (s, n, c) => s with { PersistenceTimeout = PersistenceTimeout(n, c) ?? s.PersistenceTimeout },
        ["persistence_granularity"] = (s, n, c) => s with { PersistenceGranularity = Granularity(n, c) ?? s.PersistenceGranularity },
        ["ha_suspend"] = (s, n, c) => s with { HaSuspend = c.Flag(n) },
        ["alpha"] = (s, n, c) => s with { Alpha = c.Flag(n) },
        ["omega"] = (s, n, c) => s with { Omega = c.Flag(n) },
        ["quorum"] = (s, n, c) => s with { Quorum = c.Int(n, 1, int.MaxValue) ?? s.Quorum },
        ["hysteresis"] = (s, n, c) => s with { Hysteresis = c.Int(n, 0, int.MaxValue) ?? s.Hysteresis },
        ["quorum_up"] = (s, n, c) => s with { QuorumUp = c.Script(n, true) ?? s.QuorumUp },
        ["quorum_down"] = (s, n, c) => s with { QuorumDown = c.Script(n, true) ?? s.QuorumDown },
        ["ip_family"] = (s, n, c) => s with { IpFamily = Family(n, c) ?? s.IpFamily },
        ["sorry_server"] = (s, n, c) => s with { SorryServer = EndpointOf(n, c) ?? s.SorryServer },
        ["sorry_server_inhibit"] = (s, n, c) => s with { SorryServerInhibit = c.Flag(n) },
        ["sorry_server_lvs_method"] = (s, n, c) => s with { SorryServerForwarding = c.Forwarding(n) ?? s.SorryServerForwarding },
        ["inhibit_on_failure"] = (s, n, c) => s with { InhibitOnFailure = c.Bool(n) ?? s.InhibitOnFailure },
        ["virtualhost"] = (s, n, c) => s with { Virtualhost = c.String(n, "a host name") ?? s.Virtualhost },
        ["weight"] = (s, n, c) => s with { Weight = c.Int(n, 0, 65535) ?? s.Weight },
        ["kad_drain_timeout"] = (s, n, c) => s with { DrainTimeout = c.Seconds(n, 0, LvsMaxTimeout) ?? s.DrainTimeout },
    };

    /// <summary>
    /// A virtual_server block: its keywords through <see cref="VirtualServerTable"/>, its real servers and timing
    /// gathered and set once at the end. Appending each real server with a copy of the whole virtual server record (as a handler
    /// would) made a configuration of 1,000 x 10 servers allocate 10,000 throw-away records.
    /// </summary>
    private static VirtualServer BindVirtualServer(VirtualServer server, ConfigNode block, BindContext c)
    {
        var realServers = ImmutableArray.CreateBuilder<RealServer>();
        var timing = new TimingDraft(server.Timing);
        foreach (var child in block.Children)
        {
            if (TimingKeywords.Contains(child.Keyword))
            {
                timing.Apply(child, c);
            }
            else if (child.Keyword == "real_server")
            {
                if (EndpointOf(child, c) is { } endpoint)
                {
                    var real = new RealServer(endpoint) { Location = child.Location };
                    realServers.Add(ApplyTimed(real, child, RealServerTable, TimingKeywords, real.Timing, static (r, t) => r with { Timing = t }, c));
                }
            }
            else if (VirtualServerTable.TryGetValue(child.Keyword, out var handler))
            {
                server = handler(server, child, c);
            }
        }

        if (realServers.Count == 0 && !timing.IsChanged)
        {
            return server;
        }

        return server with
        {
            RealServers = realServers.Count == 0 ? server.RealServers : new(realServers.DrainToImmutable()),
            Timing = timing.IsChanged ? timing.Build() : server.Timing,
        };
    }
}
