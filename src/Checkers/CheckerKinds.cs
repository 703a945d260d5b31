using System.Net;
using Kad.Checkers.Probes;

namespace Kad.Checkers;

/// <summary>The checker block names keepalived.conf uses; each names one probe class.</summary>
public static class CheckerKinds
{
    public const string TcpCheck = "TCP_CHECK";
    public const string HttpGet = "HTTP_GET";
    public const string SslGet = "SSL_GET";
    public const string MiscCheck = "MISC_CHECK";
    public const string DnsCheck = "DNS_CHECK";
    public const string UdpCheck = "UDP_CHECK";
    public const string PingCheck = "PING_CHECK";
    public const string SmtpCheck = "SMTP_CHECK";

    /// <summary>Every kind this library implements (keepalived's BFD_CHECK and FILE_CHECK are not among them).</summary>
    public static IReadOnlyCollection<string> All { get; } =
        [TcpCheck, HttpGet, SslGet, MiscCheck, DnsCheck, UdpCheck, PingCheck, SmtpCheck];

    public static bool IsKnown(string kind) => All.Contains(kind, StringComparer.Ordinal);
}

/// <summary>
/// Builds the probe for a checker's options, chosen by its kind name. An unknown kind, or options of the wrong shape
/// for the kind, is a configuration error reported as text, never an exception.
/// </summary>
public static class ProbeCatalog
{
    private static readonly Dictionary<string, Func<CheckerOptions, IPEndPoint, CheckerTiming, TimeProvider, IHealthProbe?>> Factories =
        new(StringComparer.Ordinal)
        {
            [CheckerKinds.TcpCheck] = (o, t, timing, _) => o is TcpCheckOptions tcp ? new TcpProbe(tcp, t, timing) : null,
            [CheckerKinds.HttpGet] = (o, t, timing, time) => o is HttpCheckOptions { UseTls: false } http ? new HttpProbe(http, t, timing, time) : null,
            [CheckerKinds.SslGet] = (o, t, timing, time) => o is HttpCheckOptions { UseTls: true } https ? new HttpProbe(https, t, timing, time) : null,
            [CheckerKinds.MiscCheck] = (o, _, timing, _) => o is MiscCheckOptions misc ? new MiscProbe(misc, timing) : null,
            [CheckerKinds.DnsCheck] = (o, t, timing, _) => o is DnsCheckOptions dns ? new DnsProbe(dns, t, timing) : null,
            [CheckerKinds.UdpCheck] = (o, t, timing, time) => o is UdpCheckOptions udp ? new UdpProbe(udp, t, timing, time) : null,
            [CheckerKinds.PingCheck] = (o, t, timing, _) => o is PingCheckOptions ping ? new PingProbe(ping, t, timing) : null,
            [CheckerKinds.SmtpCheck] = (o, t, timing, time) => o is SmtpCheckOptions smtp ? new SmtpProbe(smtp, t, timing, time) : null,
        };

    /// <summary>
    /// Creates the probe for <paramref name="options"/> against <paramref name="server"/> (connect_ip/connect_port
    /// override the server's address and port).
    /// </summary>
    public static bool TryCreate(CheckerOptions options, RealServerKey server, TimeProvider timeProvider, out IHealthProbe probe, out string? error)
    {
        probe = null!;
        if (!Factories.TryGetValue(options.Kind, out var factory))
        {
            error = $"unknown checker '{options.Kind}'";
            return false;
        }

        var target = new IPEndPoint(options.ConnectIp ?? server.Address, options.ConnectPort ?? server.Port);
        try
        {
            var created = factory(options, target, CheckerTiming.Resolve(options), timeProvider);
            if (created is null)
            {
                error = $"{options.Kind} cannot use options of type {options.GetType().Name}";
                return false;
            }

            probe = created;
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            error = $"{options.Kind}: {ex.Message}";
            return false;
        }
    }
}
