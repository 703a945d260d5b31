using System.Net;
using System.Net.Sockets;
using Kad.Checkers;
using Kad.Config.Model;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Lvs;

/// <summary>
/// Resolves the parsed <c>virtual_server</c> blocks into what the reconciler and the checkers need: IPVS services
/// and destinations with keepalived's defaults and inheritance (virtual server → real server → checker), and one
/// <see cref="RealServerChecks"/> per real server. Pure.
/// </summary>
public static class LvsConfigMapper
{
    /// <summary>keepalived's <c>persistence_timeout</c> without a value, and ipvsadm's <c>-p</c> default.</summary>
    private static readonly TimeSpan DefaultPersistence = TimeSpan.FromSeconds(360);

    /// <summary>Expanding a group range past this many addresses is refused (a typo like /8 would create 16M services).</summary>
    private const int MaxGroupAddresses = 65536;

    /// <summary>
    /// Resolves the configuration. <paramref name="drainTimeout"/> is a default for virtual servers that set no
    /// <c>kad_drain_timeout</c> (tests and embedders; the configuration itself has no global form).
    /// </summary>
    public static LvsModel Map(KeepalivedConfig config, TimeSpan? drainTimeout = null) => new LvsModelMapper(drainTimeout).Map(config);

    /// <summary>One virtual_server entry resolved, with the warnings that came up (null: the entry maps to nothing).</summary>
    internal static (ManagedVirtualServer? Server, string[] Warnings) MapEntry(VirtualServer vs, KeepalivedConfig config, Dictionary<string, VirtualServerGroup> groups, TimeSpan? drainTimeout)
    {
        var warnings = new List<string>();
        var mapped = MapVirtualServer(vs, groups, config.Global, warnings);
        if (mapped is not null && mapped.DrainTimeout is null)
        {
            mapped = mapped with { DrainTimeout = drainTimeout };
        }

        return (mapped, warnings.Count == 0 ? [] : [.. warnings]);
    }

    /// <summary>What the configuration says beyond its virtual servers: flushes, timeouts, and warnings about parts kad does not use.</summary>
    internal static LvsModel Model(KeepalivedConfig config, List<ManagedVirtualServer> servers, List<string> warnings)
    {
        if (config.Global.LvsSyncDaemon is { } sync)
        {
            warnings.Add($"lvs_sync_daemon {sync.Interface}: the IPVS connection sync daemon is not started by kad (start it with ipvsadm --start-daemon)");
        }

        if (config.Ssl is not null)
        {
            warnings.Add("SSL block: kad's SSL_GET presents no client certificate and verifies no server certificate; the block is not used");
        }

        return new LvsModel(servers)
        {
            FlushOnStart = config.Global.LvsFlush,
            FlushOnStop = config.Global.LvsFlushOnStop,
            Timeouts = config.Global.LvsTimeouts is { } t ? new IpvsTimeouts(t.Tcp ?? TimeSpan.Zero, t.TcpFin ?? TimeSpan.Zero, t.Udp ?? TimeSpan.Zero) : null,
            Warnings = warnings,
        };
    }

    /// <summary>The checker work list for <see cref="Kad.Checkers.Scheduling.HealthMonitor"/>: real servers that have checkers.</summary>
    public static IReadOnlyList<RealServerChecks> Checks(LvsModel model) =>
        [.. model.VirtualServers.SelectMany(v => v.RealServers)
            .Where(r => r.Checkers.Count > 0)
            .Select(r => new RealServerChecks(r.HealthKey, (int)r.Destination.Weight, r.Checkers))];

    /// <summary>
    /// Whether <see cref="Checks"/> gives the same list for both models, known cheaply: the models pair up virtual
    /// server by virtual server, and every pair that is not the very same object has no checker on either side (a
    /// reload that edited servers without checkers leaves the checkers as they are).
    /// </summary>
    public static bool SameChecks(LvsModel before, LvsModel after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.VirtualServers.Count != after.VirtualServers.Count)
        {
            return false;
        }

        for (var i = 0; i < after.VirtualServers.Count; i++)
        {
            var (was, now) = (before.VirtualServers[i], after.VirtualServers[i]);
            if (!ReferenceEquals(was, now) && (was.RealServers.Any(r => r.Checkers.Count > 0) || now.RealServers.Any(r => r.Checkers.Count > 0)))
            {
                return false;
            }
        }

        return true;
    }

    private static ManagedVirtualServer? MapVirtualServer(VirtualServer vs, Dictionary<string, VirtualServerGroup> groups, GlobalDefinitions global, List<string> warnings)
    {
        // global_defs script_user [group]: the user of every script that names none (keepalived.conf(5)).
        ScriptCommand? AsScriptUser(ScriptCommand? script) =>
            script is { User: null } && global.ScriptUser is { } user ? script with { User = user, Group = global.ScriptGroup } : script;

        var protocol = vs.Protocol switch
        {
            LvsProtocol.Udp => IpvsProtocol.Udp,
            LvsProtocol.Sctp => IpvsProtocol.Sctp,
            _ => IpvsProtocol.Tcp,
        };
        var keys = new List<IpvsServiceKey>();
        var addresses = new List<IPAddress>();
        ushort servicePort = 0;
        switch (vs.Target)
        {
            case VirtualServerAddress a:
                servicePort = (ushort)(a.Port ?? 0);
                keys.Add(IpvsServiceKey.ForAddress(protocol, a.Address, servicePort));
                addresses.Add(a.Address);
                break;
            case VirtualServerFirewallMark m:
                keys.Add(IpvsServiceKey.ForFirewallMark(m.Mark, vs.IpFamily ?? FamilyOfRealServers(vs)));
                break;
            case VirtualServerGroupTarget g:
                if (!groups.TryGetValue(g.Name, out var group))
                {
                    warnings.Add($"{vs.Target}: virtual_server_group '{g.Name}' is not defined; virtual server ignored");
                    return null;
                }

                ExpandGroup(group, protocol, vs, keys, addresses, warnings);
                break;
            default:
                return null;
        }

        var name = vs.Target is VirtualServerFirewallMark ? vs.Target.ToString() : $"{vs.Target} {protocol.ToString().ToUpperInvariant()}";
        var persistent = vs.PersistenceTimeout is not null;
        var flags = (persistent ? IpvsServiceFlags.Persistent : 0)
            | (vs.OnePacketScheduling ? IpvsServiceFlags.OnePacket : 0)
            | (vs.SchedulerFlags.HasFlag(IpvsSchedulerFlags.Flag1) ? IpvsServiceFlags.SchedulerFlag1 : 0)
            | (vs.SchedulerFlags.HasFlag(IpvsSchedulerFlags.Flag2) ? IpvsServiceFlags.SchedulerFlag2 : 0)
            | (vs.SchedulerFlags.HasFlag(IpvsSchedulerFlags.Flag3) ? IpvsServiceFlags.SchedulerFlag3 : 0);
        var services = keys.Distinct().Select(k => new IpvsService(k, vs.Scheduler ?? "wlc")
        {
            Flags = flags,
            PersistenceTimeout = persistent ? (uint)(vs.PersistenceTimeout ?? DefaultPersistence).TotalSeconds : 0,
            PersistencePrefixLength = persistent ? PrefixLength(vs.PersistenceGranularity, k.Family, warnings, name) : null,
        }).ToList();

        var realServers = new List<ManagedRealServer>();
        foreach (var rs in vs.RealServers)
        {
            var port = (ushort)(rs.Endpoint.Port ?? servicePort);
            var forwarding = (rs.Forwarding ?? vs.Forwarding)?.Kind ?? LvsForwardingKind.Nat;
            if (forwarding != LvsForwardingKind.Nat && servicePort != 0 && port != servicePort)
            {
                // DR and TUN cannot change the port: keepalived 2.2.7 warns and uses the virtual server's port for
                // the destination and its checkers (seen in the kernel lab); kad does the same.
                warnings.Add($"{name}: real server {rs.Endpoint} uses {forwarding}, which keeps the port; using port {servicePort} as keepalived does");
                port = servicePort;
            }

            var destination = Destination(rs.Endpoint.Address, port, rs.Forwarding ?? vs.Forwarding) with
            {
                Weight = (uint)Math.Max(0, rs.Weight ?? vs.Weight ?? 1),
                UpperThreshold = (uint)Math.Max(0, rs.UpperThreshold ?? 0),
                LowerThreshold = (uint)Math.Max(0, rs.LowerThreshold ?? 0),
            };
            var key = new RealServerKey(name, rs.Endpoint.Address, port);
            var checkers = rs.Checkers.Select(c => CheckerOptionsOf(c, rs, vs, global, warnings)).ToList();
            realServers.Add(new ManagedRealServer(key, destination, rs.InhibitOnFailure ?? vs.InhibitOnFailure ?? false, AsScriptUser(rs.NotifyUp), AsScriptUser(rs.NotifyDown), checkers)
            {
                DrainTimeout = rs.DrainTimeout,
            });
        }

        IpvsDestination? sorry = vs.SorryServer is { } s
            ? Destination(s.Address, (ushort)(s.Port ?? servicePort), vs.SorryServerForwarding ?? vs.Forwarding)
            : null;

        return new ManagedVirtualServer(name, services, realServers)
        {
            SorryServer = sorry,
            SorryServerInhibit = vs.SorryServerInhibit,
            Quorum = vs.Quorum ?? 1,
            Hysteresis = vs.Hysteresis ?? 0,
            QuorumUp = AsScriptUser(vs.QuorumUp),
            QuorumDown = AsScriptUser(vs.QuorumDown),
            Omega = vs.Omega,
            HaSuspend = vs.HaSuspend,
            VirtualAddresses = addresses.Distinct().ToList(),
            DrainTimeout = vs.DrainTimeout,
        };
    }

    private static void ExpandGroup(VirtualServerGroup group, IpvsProtocol protocol, VirtualServer vs, List<IpvsServiceKey> keys, List<IPAddress> addresses, List<string> warnings)
    {
        foreach (var entry in group.Entries)
        {
            switch (entry)
            {
                case VirtualServerGroupFirewallMark m:
                    keys.Add(IpvsServiceKey.ForFirewallMark(m.Mark, m.Family ?? vs.IpFamily ?? FamilyOfRealServers(vs)));
                    break;
                case VirtualServerGroupAddressRange r:
                    var count = 0;
                    for (var address = r.First; ; address = Next(address))
                    {
                        if (++count > MaxGroupAddresses)
                        {
                            warnings.Add($"group {group.Name}: range {r.First}-{r.Last} has more than {MaxGroupAddresses} addresses; truncated");
                            break;
                        }

                        keys.Add(IpvsServiceKey.ForAddress(protocol, address, (ushort)(r.Port ?? 0)));
                        addresses.Add(address);
                        if (address.Equals(r.Last) || Compare(address, r.Last) >= 0)
                        {
                            break;
                        }
                    }

                    break;
            }
        }
    }

    private static AddressFamily FamilyOfRealServers(VirtualServer vs) =>
        vs.RealServers.Select(r => r.Endpoint.Address.AddressFamily).FirstOrDefault(AddressFamily.InterNetwork);

    /// <summary>lvs_method → forwarding method and tunnel fields (keepalived's default is NAT).</summary>
    private static IpvsDestination Destination(IPAddress address, ushort port, LvsForwarding? forwarding)
    {
        var destination = new IpvsDestination(address, port);
        return forwarding?.Kind switch
        {
            LvsForwardingKind.DirectRouting => destination with { ForwardingMethod = IpvsForwardingMethod.DirectRoute },
            LvsForwardingKind.Tunnel => destination with
            {
                ForwardingMethod = IpvsForwardingMethod.Tunnel,
                TunnelType = forwarding.TunnelType switch
                {
                    LvsTunnelType.Gue => IpvsTunnelType.Gue,
                    LvsTunnelType.Gre => IpvsTunnelType.Gre,
                    _ => IpvsTunnelType.IpIp,
                },
                TunnelPort = (ushort)(forwarding.TunnelPort ?? 0),
                TunnelFlags = forwarding.TunnelChecksum switch
                {
                    LvsTunnelChecksum.Checksum => IpvsTunnelFlags.Checksum,
                    LvsTunnelChecksum.RemoteChecksum => IpvsTunnelFlags.RemoteChecksum,
                    _ => IpvsTunnelFlags.NoChecksum,
                },
            },
            _ => destination with { ForwardingMethod = IpvsForwardingMethod.Masquerade },
        };
    }

    /// <summary>persistence_granularity: an IPv4 netmask or an IPv6 prefix length; a host mask means "none" (null), as dumps report it.</summary>
    private static int? PrefixLength(string? granularity, AddressFamily family, List<string> warnings, string name)
    {
        if (granularity is null)
        {
            return null;
        }

        int prefix;
        if (IPAddress.TryParse(granularity, out var mask) && mask.AddressFamily == AddressFamily.InterNetwork)
        {
            var bits = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(mask.GetAddressBytes());
            prefix = System.Numerics.BitOperations.LeadingZeroCount(~bits);
        }
        else if (!int.TryParse(granularity, System.Globalization.CultureInfo.InvariantCulture, out prefix))
        {
            warnings.Add($"{name}: persistence_granularity '{granularity}' not understood; using a single address");
            return null;
        }

        var full = family == AddressFamily.InterNetworkV6 ? 128 : 32;
        return prefix >= full ? null : prefix;
    }

    private static CheckerOptions CheckerOptionsOf(HealthCheck check, RealServer rs, VirtualServer vs, GlobalDefinitions global, List<string> warnings)
    {
        if (check is HttpCheck { FastRecovery: true })
        {
            warnings.Add($"{vs.Target} real_server {rs.Endpoint} {check.Kind}: fast_recovery is not implemented; a failed server is re-checked every delay_loop as without it");
        }

        CheckerOptions options = check switch
        {
            HttpCheck http => new HttpCheckOptions
            {
                UseTls = http.Tls,
                Urls = [.. http.Urls.Select(UrlOf)],
                Virtualhost = http.Virtualhost ?? rs.Virtualhost ?? vs.Virtualhost,
                EnableSni = http.EnableSni,
                HttpProtocol = http.HttpProtocol,
            },
            MiscCheck misc => new MiscCheckOptions
            {
                MiscPath = misc.Path?.Command ?? "",
                MiscTimeout = misc.Timeout,
                MiscDynamic = misc.Dynamic,
                User = misc.User ?? misc.Path?.User ?? global.ScriptUser,
                Group = misc.User is null && misc.Path?.User is null ? global.ScriptGroup : misc.Group ?? misc.Path?.Group,
            },
            DnsCheck dns => new DnsCheckOptions { Type = dns.Type, Name = dns.Name },
            SmtpCheck smtp => new SmtpCheckOptions { HeloName = smtp.HeloName },
            PingCheck => new PingCheckOptions(),
            UdpCheck udp => new UdpCheckOptions
            {
                Payload = udp.Payload is { } payload ? [.. payload] : null,
                RequireReply = udp.RequireReply,
                ReplyPattern = udp.ReplyPattern is { } pattern ? HexPattern.Parse(pattern) : null,
                MinReplyLength = udp.MinReplyLength,
                MaxReplyLength = udp.MaxReplyLength,
            },
            _ => new TcpCheckOptions(),
        };

        // Each level is the default for the one below it (keepalived.conf(5)).
        return options with
        {
            ConnectTimeout = check.Timing.ConnectTimeout ?? rs.Timing.ConnectTimeout ?? vs.Timing.ConnectTimeout,
            Retry = check.Timing.Retry ?? rs.Timing.Retry ?? vs.Timing.Retry,
            DelayBeforeRetry = check.Timing.DelayBeforeRetry ?? rs.Timing.DelayBeforeRetry ?? vs.Timing.DelayBeforeRetry,
            DelayLoop = check.Timing.DelayLoop ?? rs.Timing.DelayLoop ?? vs.Timing.DelayLoop,
            Warmup = check.Timing.Warmup ?? rs.Timing.Warmup ?? vs.Timing.Warmup,
            Alpha = check.Alpha ?? rs.Alpha ?? (vs.Alpha ? true : null),
            ConnectIp = check.Connection.ConnectIp,
            ConnectPort = check.Connection.ConnectPort,
            BindTo = check.Connection.BindTo,
            BindPort = check.Connection.BindPort,
            BindInterface = check.Connection.BindInterface,
            Fwmark = check.Connection.FirewallMark,
            LogAllFailures = check.LogAllFailures ?? global.CheckerLogAllFailures,
        };
    }

    private static HttpUrlOptions UrlOf(HttpCheckUrl url) => new()
    {
        Path = url.Path,
        Digest = url.Digest,
        StatusCodes = url.StatusCodes.Length == 0 ? null
            : StatusCodeSet.TryParse(url.StatusCodes.Select(r => r.From == r.To ? $"{r.From}" : $"{r.From}-{r.To}"), out var set, out _) ? set : null,
        Virtualhost = url.Virtualhost,
        Regex = url.Regex,
        RegexNoMatch = url.RegexNoMatch,
        RegexOptions = url.RegexOptions.Length == 0 ? null : string.Join(' ', url.RegexOptions),
        RegexMinOffset = url.RegexMinOffset,
        RegexMaxOffset = url.RegexMaxOffset,
    };

    private static IPAddress Next(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        for (var i = bytes.Length - 1; i >= 0 && ++bytes[i] == 0; i--)
        {
        }

        return new IPAddress(bytes);
    }

    private static int Compare(IPAddress a, IPAddress b) => a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes());
}
