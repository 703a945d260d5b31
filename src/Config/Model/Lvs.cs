using System.Net;
using System.Net.Sockets;

namespace Kad.Config.Model;

/// <summary><c>protocol</c>.</summary>
public enum LvsProtocol
{
    Tcp,
    Udp,
    Sctp,
}

/// <summary><c>lvs_method</c> / <c>lb_kind</c>.</summary>
public enum LvsForwardingKind
{
    /// <summary>NAT (masquerading), keepalived's default.</summary>
    Nat,

    /// <summary>DR (direct routing / gatewaying).</summary>
    DirectRouting,

    /// <summary>TUN (IP-in-IP or another tunnel).</summary>
    Tunnel,
}

/// <summary><c>lvs_method TUN type ...</c>.</summary>
public enum LvsTunnelType
{
    IpIp,
    Gue,
    Gre,
}

/// <summary>The tunnel checksum option of <c>lvs_method TUN</c>.</summary>
public enum LvsTunnelChecksum
{
    NoChecksum,
    Checksum,
    RemoteChecksum,
}

/// <summary><c>lvs_method NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]</c>.</summary>
public sealed record LvsForwarding(LvsForwardingKind Kind)
{
    /// <summary>For TUN: the tunnel type (default ipip).</summary>
    public LvsTunnelType? TunnelType { get; init; }

    /// <summary>For TUN type gue: the UDP port.</summary>
    public int? TunnelPort { get; init; }

    public LvsTunnelChecksum? TunnelChecksum { get; init; }
}

/// <summary>IPVS scheduler flags (<c>flag-1..3</c>; sh-fallback/mh-fallback are flag-1, sh-port/mh-port are flag-2).</summary>
[Flags]
public enum IpvsSchedulerFlags
{
    None = 0,
    Flag1 = 1,
    Flag2 = 2,
    Flag3 = 4,
}

/// <summary>
/// Checker timing written at virtual server, real server or checker level: each level is the default for the next
/// one down (keepalived.conf(5), LVS CONFIGURATION).
/// </summary>
public sealed record CheckTiming
{
    /// <summary>Nothing written: one shared instance, as records are immutable (ten thousand real servers need no
    /// ten thousand empty ones).</summary>
    internal static readonly CheckTiming Unset = new();

    public TimeSpan? ConnectTimeout { get; init; }

    public int? Retry { get; init; }

    public TimeSpan? DelayBeforeRetry { get; init; }

    public TimeSpan? Warmup { get; init; }

    public TimeSpan? DelayLoop { get; init; }
}

/// <summary>What a <c>virtual_server</c> line names.</summary>
public abstract record VirtualServerTarget;

/// <summary><c>virtual_server ADDR [PORT]</c>.</summary>
public sealed record VirtualServerAddress(IPAddress Address, int? Port) : VirtualServerTarget
{
    public override string ToString() => Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}

/// <summary><c>virtual_server fwmark N</c>.</summary>
public sealed record VirtualServerFirewallMark(uint Mark) : VirtualServerTarget
{
    public override string ToString() => $"fwmark {Mark}";
}

/// <summary><c>virtual_server group NAME</c>.</summary>
public sealed record VirtualServerGroupTarget(string Name) : VirtualServerTarget
{
    public override string ToString() => $"group {Name}";
}

/// <summary>One line of a <c>virtual_server_group</c>.</summary>
public abstract record VirtualServerGroupEntry : ConfigElement;

/// <summary><c>ADDR [PORT]</c> or a range <c>A.B.C.D-E</c>, <c>A.B.C.D-E.F.G.H</c>, <c>A.B.C.D/NN</c> [PORT].</summary>
public sealed record VirtualServerGroupAddressRange(IPAddress First, IPAddress Last, int? Port) : VirtualServerGroupEntry;

/// <summary><c>fwmark N [inet|inet6]</c>.</summary>
public sealed record VirtualServerGroupFirewallMark(uint Mark, AddressFamily? Family) : VirtualServerGroupEntry;

/// <summary><c>virtual_server_group NAME { ... }</c>.</summary>
public sealed record VirtualServerGroup(string Name) : ConfigElement
{
    public EquatableArray<VirtualServerGroupEntry> Entries { get; init; } = [];
}

/// <summary><c>virtual_server ... { ... }</c>.</summary>
public sealed record VirtualServer(VirtualServerTarget Target) : ConfigElement
{
    /// <summary><c>lvs_sched</c> / <c>lb_algo</c> (default wlc, as ipvsadm).</summary>
    public string? Scheduler { get; init; }

    public IpvsSchedulerFlags SchedulerFlags { get; init; }

    /// <summary><c>ops</c>: one-packet scheduling (UDP).</summary>
    public bool OnePacketScheduling { get; init; }

    /// <summary><c>lvs_method</c> / <c>lb_kind</c> (default NAT); the default for real servers.</summary>
    public LvsForwarding? Forwarding { get; init; }

    /// <summary><c>protocol</c> (default TCP).</summary>
    public LvsProtocol? Protocol { get; init; }

    /// <summary><c>persistence_timeout [SECS]</c> (written without a value: 360 s).</summary>
    public TimeSpan? PersistenceTimeout { get; init; }

    /// <summary><c>persistence_granularity</c>: netmask (IPv4) or prefix length (IPv6) as written.</summary>
    public string? PersistenceGranularity { get; init; }

    /// <summary><c>ha_suspend</c>: suspend checkers while the VIP is not on this host.</summary>
    public bool HaSuspend { get; init; }

    /// <summary><c>alpha</c>: real servers start down until checked.</summary>
    public bool Alpha { get; init; }

    /// <summary><c>omega</c>: run quorum_down / notify_down on shutdown.</summary>
    public bool Omega { get; init; }

    /// <summary><c>quorum</c>: minimum live weight (default 1).</summary>
    public int? Quorum { get; init; }

    /// <summary><c>hysteresis</c> (default 0).</summary>
    public int? Hysteresis { get; init; }

    public ScriptCommand? QuorumUp { get; init; }

    public ScriptCommand? QuorumDown { get; init; }

    /// <summary><c>ip_family inet|inet6</c>, for fwmark services whose real servers are all tunnelled.</summary>
    public AddressFamily? IpFamily { get; init; }

    /// <summary><c>sorry_server ADDR [PORT]</c>.</summary>
    public RealServerAddress? SorryServer { get; init; }

    /// <summary><c>sorry_server_inhibit</c>.</summary>
    public bool SorryServerInhibit { get; init; }

    /// <summary><c>sorry_server_lvs_method</c>.</summary>
    public LvsForwarding? SorryServerForwarding { get; init; }

    /// <summary>Checker timing defaults for the real servers.</summary>
    public CheckTiming Timing { get; init; } = CheckTiming.Unset;

    /// <summary><c>inhibit_on_failure</c>: set weight 0 instead of removing a failed real server.</summary>
    public bool? InhibitOnFailure { get; init; }

    /// <summary><c>virtualhost</c>: default Host for HTTP_GET / SSL_GET.</summary>
    public string? Virtualhost { get; init; }

    /// <summary><c>weight</c>: default weight for real servers (default 1).</summary>
    public int? Weight { get; init; }

    /// <summary><c>kad_drain_timeout SECONDS</c> (kad extension): drain leaving real servers for up to this long.</summary>
    public TimeSpan? DrainTimeout { get; init; }

    public EquatableArray<RealServer> RealServers { get; init; } = [];
}

/// <summary>A real or sorry server's address and port.</summary>
public sealed record RealServerAddress(IPAddress Address, int? Port)
{
    public override string ToString() => Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}

/// <summary><c>real_server ADDR [PORT] { ... }</c>.</summary>
public sealed record RealServer(RealServerAddress Endpoint) : ConfigElement
{
    /// <summary><c>weight</c> (default: the virtual server's weight, else 1).</summary>
    public int? Weight { get; init; }

    /// <summary><c>lvs_method</c> (default: the virtual server's).</summary>
    public LvsForwarding? Forwarding { get; init; }

    public ScriptCommand? NotifyUp { get; init; }

    public ScriptCommand? NotifyDown { get; init; }

    /// <summary><c>uthreshold</c>: maximum connections.</summary>
    public int? UpperThreshold { get; init; }

    /// <summary><c>lthreshold</c>: minimum connections.</summary>
    public int? LowerThreshold { get; init; }

    /// <summary><c>alpha [BOOL]</c> (default: the virtual server's).</summary>
    public bool? Alpha { get; init; }

    public CheckTiming Timing { get; init; } = CheckTiming.Unset;

    public bool? InhibitOnFailure { get; init; }

    public string? Virtualhost { get; init; }

    /// <summary><c>kad_drain_timeout SECONDS</c> (kad extension; default: the virtual server's).</summary>
    public TimeSpan? DrainTimeout { get; init; }

    public EquatableArray<HealthCheck> Checkers { get; init; } = [];
}

/// <summary>Connection options shared by the network checkers.</summary>
public sealed record CheckConnection
{
    /// <summary>Nothing written (shared, see <see cref="CheckTiming"/>).</summary>
    internal static readonly CheckConnection Unset = new();

    public IPAddress? ConnectIp { get; init; }

    public int? ConnectPort { get; init; }

    /// <summary><c>bindto</c>.</summary>
    public IPAddress? BindTo { get; init; }

    /// <summary><c>bind_if</c>: needed when bindto is IPv6 link-local.</summary>
    public string? BindInterface { get; init; }

    public int? BindPort { get; init; }

    /// <summary><c>fwmark</c>: mark set on the checker's packets.</summary>
    public uint? FirewallMark { get; init; }
}

/// <summary>A checker block inside a real_server (TCP_CHECK, HTTP_GET...).</summary>
public abstract record HealthCheck : ConfigElement
{
    /// <summary>The block name as keepalived spells it.</summary>
    public abstract string Kind { get; }

    public CheckTiming Timing { get; init; } = CheckTiming.Unset;

    /// <summary><c>alpha [BOOL]</c> (default: the real server's).</summary>
    public bool? Alpha { get; init; }

    /// <summary><c>log_all_failures [BOOL]</c> (default checker_log_all_failures).</summary>
    public bool? LogAllFailures { get; init; }

    public CheckConnection Connection { get; init; } = CheckConnection.Unset;
}

/// <summary><c>TCP_CHECK</c>.</summary>
public sealed record TcpCheck : HealthCheck
{
    public override string Kind => "TCP_CHECK";
}

/// <summary><c>PING_CHECK</c>.</summary>
public sealed record PingCheck : HealthCheck
{
    public override string Kind => "PING_CHECK";
}

/// <summary><c>HTTP_GET</c> and <c>SSL_GET</c>.</summary>
public sealed record HttpCheck(bool Tls) : HealthCheck
{
    public override string Kind => Tls ? "SSL_GET" : "HTTP_GET";

    /// <summary><c>http_protocol</c>: 1.0, 1.0C or 1.1 (default 1.0).</summary>
    public string? HttpProtocol { get; init; }

    /// <summary><c>fast_recovery [BOOL]</c>.</summary>
    public bool? FastRecovery { get; init; }

    public string? Virtualhost { get; init; }

    /// <summary><c>enable_sni</c> (SSL_GET).</summary>
    public bool EnableSni { get; init; }

    public EquatableArray<HttpCheckUrl> Urls { get; init; } = [];
}

/// <summary>A status code or inclusive range from <c>status_code</c>.</summary>
public readonly record struct StatusCodeRange(int From, int To);

/// <summary>A <c>url { ... }</c> block.</summary>
public sealed record HttpCheckUrl : ConfigElement
{
    public string? Path { get; init; }

    /// <summary><c>digest</c>: MD5 of the body, lower-case hex.</summary>
    public string? Digest { get; init; }

    /// <summary><c>status_code</c> (default 200-299).</summary>
    public EquatableArray<StatusCodeRange> StatusCodes { get; init; } = [];

    public string? Virtualhost { get; init; }

    /// <summary><c>regex</c>: a PCRE2 pattern the body must (or with regex_no_match must not) match.</summary>
    public string? Regex { get; init; }

    public bool RegexNoMatch { get; init; }

    /// <summary><c>regex_options</c>: PCRE2 option names.</summary>
    public EquatableArray<string> RegexOptions { get; init; } = [];

    public int? RegexMinOffset { get; init; }

    public int? RegexMaxOffset { get; init; }
}

/// <summary><c>MISC_CHECK</c>.</summary>
public sealed record MiscCheck : HealthCheck
{
    public override string Kind => "MISC_CHECK";

    /// <summary><c>misc_path</c>: required.</summary>
    public ScriptCommand? Path { get; init; }

    /// <summary><c>misc_timeout</c> (default delay_loop).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary><c>misc_dynamic</c>: exit status 2..255 sets the weight.</summary>
    public bool Dynamic { get; init; }

    public string? User { get; init; }

    public string? Group { get; init; }
}

/// <summary><c>DNS_CHECK</c>.</summary>
public sealed record DnsCheck : HealthCheck
{
    public override string Kind => "DNS_CHECK";

    /// <summary><c>type</c>: A, NS, CNAME, SOA, MX, TXT, AAAA (default SOA).</summary>
    public string? Type { get; init; }

    /// <summary><c>name</c> (default ".").</summary>
    public string? Name { get; init; }
}

/// <summary><c>SMTP_CHECK</c>.</summary>
public sealed record SmtpCheck : HealthCheck
{
    public override string Kind => "SMTP_CHECK";

    public string? HeloName { get; init; }
}

/// <summary><c>UDP_CHECK</c>.</summary>
public sealed record UdpCheck : HealthCheck
{
    public override string Kind => "UDP_CHECK";

    /// <summary><c>payload</c>: the bytes to send; null means random.</summary>
    public EquatableArray<byte>? Payload { get; init; }

    /// <summary><c>require_reply</c> was written.</summary>
    public bool RequireReply { get; init; }

    /// <summary>The <c>require_reply</c> pattern as hex digits (X/x = any nibble), blanks removed; null = any reply.</summary>
    public string? ReplyPattern { get; init; }

    public int? MinReplyLength { get; init; }

    public int? MaxReplyLength { get; init; }
}
