namespace Kad.Checkers;

/// <summary>The timing in effect for one checker, after keepalived's defaults were applied.</summary>
public sealed record CheckerTiming(
    TimeSpan ConnectTimeout,
    int Retry,
    TimeSpan DelayBeforeRetry,
    TimeSpan DelayLoop,
    TimeSpan Warmup,
    bool Alpha)
{
    /// <summary>keepalived's <c>connect_timeout</c> default.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>keepalived's <c>delay_loop</c> default.</summary>
    public static readonly TimeSpan DefaultDelayLoop = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Applies keepalived's defaults (keepalived.conf(5)): retry 1, but 3 for DNS_CHECK and 0 for MISC_CHECK;
    /// delay_before_retry 3 s for HTTP_GET/SSL_GET, delay_loop for DNS_CHECK, 1 s otherwise; warmup = delay_loop.
    /// </summary>
    public static CheckerTiming Resolve(CheckerOptions options)
    {
        var delayLoop = options.DelayLoop ?? DefaultDelayLoop;
        var retry = options.Retry ?? options.Kind switch
        {
            CheckerKinds.DnsCheck => 3,
            CheckerKinds.MiscCheck => 0,
            _ => 1,
        };
        var delayBeforeRetry = options.DelayBeforeRetry ?? options.Kind switch
        {
            CheckerKinds.HttpGet or CheckerKinds.SslGet => TimeSpan.FromSeconds(3),
            CheckerKinds.DnsCheck => delayLoop,
            _ => TimeSpan.FromSeconds(1),
        };
        return new CheckerTiming(
            options.ConnectTimeout ?? DefaultConnectTimeout,
            Math.Max(0, retry),
            delayBeforeRetry,
            delayLoop,
            options.Warmup ?? delayLoop,
            options.Alpha ?? false);
    }
}
