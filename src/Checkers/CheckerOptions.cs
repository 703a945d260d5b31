using System.Net;

namespace Kad.Checkers;

/// <summary>
/// What the configuration said about one checker. Null means "not written": defaults are resolved in one place
/// (<see cref="CheckerTiming.Resolve"/> and each probe), with keepalived's values and meanings. The Daemon fills
/// these from the parsed keepalived.conf, already merged with the virtual/real server level values it inherits.
/// </summary>
public abstract record CheckerOptions
{
    /// <summary>The keepalived block name, one of <see cref="CheckerKinds"/>.</summary>
    public abstract string Kind { get; }

    /// <summary><c>connect_timeout</c>: how long one attempt may take (default 5 s).</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary><c>retry</c>: extra attempts after a failure before the checker is declared down.</summary>
    public int? Retry { get; init; }

    /// <summary><c>delay_before_retry</c>: pause between a failed attempt and the next one.</summary>
    public TimeSpan? DelayBeforeRetry { get; init; }

    /// <summary><c>delay_loop</c>: time between checks (default 60 s).</summary>
    public TimeSpan? DelayLoop { get; init; }

    /// <summary><c>warmup</c>: the first check starts after a random delay up to this (default delay_loop; 0 disables).</summary>
    public TimeSpan? Warmup { get; init; }

    /// <summary><c>alpha</c>: start as down until a check succeeds (default: start assumed up).</summary>
    public bool? Alpha { get; init; }

    /// <summary><c>connect_ip</c>: address probed instead of the real server's.</summary>
    public IPAddress? ConnectIp { get; init; }

    /// <summary><c>connect_port</c>: port probed instead of the real server's.</summary>
    public int? ConnectPort { get; init; }

    /// <summary><c>bindto</c>: local source address of the probe.</summary>
    public IPAddress? BindTo { get; init; }

    /// <summary><c>bind_port</c>: local source port of the probe.</summary>
    public int? BindPort { get; init; }

    /// <summary><c>bind_if</c>: interface the probe is sent from (needed for an IPv6 link-local bindto).</summary>
    public string? BindInterface { get; init; }

    /// <summary><c>fwmark</c>: firewall mark set on the probe's packets (needs CAP_NET_ADMIN).</summary>
    public uint? Fwmark { get; init; }

    /// <summary><c>log_all_failures</c> (or global <c>checker_log_all_failures</c>): log every failed attempt, not only transitions.</summary>
    public bool? LogAllFailures { get; init; }
}

/// <summary><c>TCP_CHECK</c>: the server is up when a TCP connection is accepted.</summary>
public sealed record TcpCheckOptions : CheckerOptions
{
    public override string Kind => CheckerKinds.TcpCheck;
}

/// <summary>One <c>url</c> block of HTTP_GET / SSL_GET.</summary>
public sealed record HttpUrlOptions
{
    /// <summary><c>path</c>: the request target (default "/").</summary>
    public string? Path { get; init; }

    /// <summary><c>digest</c>: hex MD5 the response body must have (as printed by genhash).</summary>
    public string? Digest { get; init; }

    /// <summary><c>status_code</c>: accepted codes; null means 200-299.</summary>
    public StatusCodeSet? StatusCodes { get; init; }

    /// <summary><c>virtualhost</c>: Host header (and SNI name) for this url; overrides the checker's.</summary>
    public string? Virtualhost { get; init; }

    /// <summary><c>regex</c>: a pattern the body must contain.</summary>
    public string? Regex { get; init; }

    /// <summary><c>regex_no_match</c>: the body must NOT contain <see cref="Regex"/>.</summary>
    public bool RegexNoMatch { get; init; }

    /// <summary><c>regex_options</c> as written (PCRE2 names separated by blanks).</summary>
    public string? RegexOptions { get; init; }

    /// <summary><c>regex_min_offset</c>: a match must start at or after this byte of the body.</summary>
    public int? RegexMinOffset { get; init; }

    /// <summary><c>regex_max_offset</c>: a match must start before this byte of the body.</summary>
    public int? RegexMaxOffset { get; init; }
}

/// <summary><c>HTTP_GET</c> and <c>SSL_GET</c>: every url must answer with an accepted status (and digest, if given).</summary>
public sealed record HttpCheckOptions : CheckerOptions
{
    /// <summary>True for SSL_GET: TLS without certificate verification, as keepalived does.</summary>
    public bool UseTls { get; init; }

    public override string Kind => UseTls ? CheckerKinds.SslGet : CheckerKinds.HttpGet;

    /// <summary>The <c>url</c> blocks, checked in order; none means a single "/" with 200-299.</summary>
    public IReadOnlyList<HttpUrlOptions> Urls { get; init; } = [];

    /// <summary><c>virtualhost</c> inherited from the checker, real server or virtual server.</summary>
    public string? Virtualhost { get; init; }

    /// <summary><c>enable_sni</c>: send the virtualhost as TLS server name.</summary>
    public bool EnableSni { get; init; }

    /// <summary><c>http_protocol</c>: 1.0 (default), 1.0C (1.0 with Connection: close) or 1.1.</summary>
    public string? HttpProtocol { get; init; }

    // Value equality over the url list too, so a reload can tell an unchanged checker from a changed one.
    public bool Equals(HttpCheckOptions? other) =>
        other is not null && base.Equals(other) && UseTls == other.UseTls && Urls.SequenceEqual(other.Urls) &&
        Virtualhost == other.Virtualhost && EnableSni == other.EnableSni && HttpProtocol == other.HttpProtocol;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), UseTls, Urls.Count, Virtualhost, EnableSni, HttpProtocol);
}

/// <summary><c>MISC_CHECK</c>: run a program; exit status 0 means up.</summary>
public sealed record MiscCheckOptions : CheckerOptions
{
    public override string Kind => CheckerKinds.MiscCheck;

    /// <summary><c>misc_path</c>: the program and its arguments, split into words like keepalived (no shell).</summary>
    public required string MiscPath { get; init; }

    /// <summary><c>misc_timeout</c>: how long the program may run (default delay_loop).</summary>
    public TimeSpan? MiscTimeout { get; init; }

    /// <summary><c>misc_dynamic</c>: exit 1 is down, 2..255 is up with weight (status - 2).</summary>
    public bool MiscDynamic { get; init; }

    /// <summary><c>user</c>: run the program as this user (and group, if given).</summary>
    public string? User { get; init; }

    public string? Group { get; init; }
}

/// <summary><c>DNS_CHECK</c>: a query over UDP must get a NOERROR answer.</summary>
public sealed record DnsCheckOptions : CheckerOptions
{
    public override string Kind => CheckerKinds.DnsCheck;

    /// <summary><c>type</c>: A, NS, CNAME, SOA (default), MX, TXT or AAAA.</summary>
    public string? Type { get; init; }

    /// <summary><c>name</c>: the queried name (default ".").</summary>
    public string? Name { get; init; }
}

/// <summary><c>UDP_CHECK</c>: send a datagram; down on an ICMP error (or a missing/wrong reply when one is required).</summary>
public sealed record UdpCheckOptions : CheckerOptions
{
    public override string Kind => CheckerKinds.UdpCheck;

    /// <summary><c>payload</c>: the bytes sent; null sends a random payload.</summary>
    public IReadOnlyList<byte>? Payload { get; init; }

    /// <summary><c>require_reply</c>: a reply must arrive.</summary>
    public bool RequireReply { get; init; }

    /// <summary>The <c>require_reply</c> hex string the reply must match (nibbles written X are ignored).</summary>
    public HexPattern? ReplyPattern { get; init; }

    /// <summary><c>min_reply_length</c> (default 0).</summary>
    public int? MinReplyLength { get; init; }

    /// <summary><c>max_reply_length</c> (default 255).</summary>
    public int? MaxReplyLength { get; init; }

    public bool Equals(UdpCheckOptions? other) =>
        other is not null && base.Equals(other) &&
        (Payload is null ? other.Payload is null : other.Payload is not null && Payload.SequenceEqual(other.Payload)) &&
        RequireReply == other.RequireReply && Equals(ReplyPattern, other.ReplyPattern) &&
        MinReplyLength == other.MinReplyLength && MaxReplyLength == other.MaxReplyLength;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Payload?.Count, RequireReply, ReplyPattern, MinReplyLength, MaxReplyLength);
}

/// <summary><c>PING_CHECK</c>: an ICMP echo must be answered.</summary>
public sealed record PingCheckOptions : CheckerOptions
{
    public override string Kind => CheckerKinds.PingCheck;

    /// <summary>Which socket to use; keepalived uses the unprivileged ICMP datagram socket.</summary>
    public IcmpSocketMode SocketMode { get; init; } = IcmpSocketMode.DatagramThenRaw;
}

/// <summary><c>SMTP_CHECK</c>: greeting 220, HELO answered 250, then QUIT.</summary>
public sealed record SmtpCheckOptions : CheckerOptions
{
    public override string Kind => CheckerKinds.SmtpCheck;

    /// <summary><c>helo_name</c>: the name sent in HELO.</summary>
    public string? HeloName { get; init; }
}

/// <summary>How PING_CHECK opens its socket.</summary>
public enum IcmpSocketMode
{
    /// <summary>Unprivileged ICMP datagram socket (net.ipv4.ping_group_range); raw socket if that is refused.</summary>
    DatagramThenRaw,
    DatagramOnly,
    RawOnly,
}
