using Kad.Config.Model;
using Kad.Config.Syntax;

namespace Kad.Config.Binding;

/// <summary>
/// The timing keywords of a virtual_server, real_server or checker block (connect_timeout, retry,
/// delay_before_retry, warmup, delay_loop), gathered while the block is read and made into one
/// <see cref="CheckTiming"/> at its end. Applying each keyword as a handler would copy the block's record and its
/// timing once per keyword: three copies of each for every real server's TCP_CHECK of a large configuration.
/// </summary>
internal struct TimingDraft(CheckTiming start)
{
    /// <summary>Every timing keyword; a MISC_CHECK takes all but connect_timeout (misc_timeout stands for it).</summary>
    public static readonly IReadOnlySet<string> Keywords = new HashSet<string>(StringComparer.Ordinal)
    {
        "connect_timeout", "retry", "delay_before_retry", "warmup", "delay_loop",
    };

    public static readonly IReadOnlySet<string> KeywordsWithoutConnectTimeout = new HashSet<string>(Keywords.Where(k => k != "connect_timeout"), StringComparer.Ordinal);

    private TimeSpan? _connectTimeout = start.ConnectTimeout;
    private int? _retry = start.Retry;
    private TimeSpan? _delayBeforeRetry = start.DelayBeforeRetry;
    private TimeSpan? _warmup = start.Warmup;
    private TimeSpan? _delayLoop = start.DelayLoop;

    /// <summary>Whether a keyword was read: otherwise the block keeps the timing it started with.</summary>
    public bool IsChanged { get; private set; }

    /// <summary>Reads one timing keyword (a bad value is reported and keeps the value before it).</summary>
    public void Apply(ConfigNode n, BindContext c)
    {
        IsChanged = true;
        switch (n.Keyword)
        {
            case "connect_timeout":
                _connectTimeout = c.Seconds(n, 0.000001, ConfigBinder.LvsMaxTimeout) ?? _connectTimeout;
                break;
            case "retry":
                _retry = c.Int(n, 0, int.MaxValue) ?? _retry;
                break;
            case "delay_before_retry":
                _delayBeforeRetry = c.Seconds(n, 0, ConfigBinder.LvsMaxTimeout) ?? _delayBeforeRetry;
                break;
            case "warmup":
                _warmup = c.Seconds(n, 0, ConfigBinder.LvsMaxTimeout) ?? _warmup;
                break;
            case "delay_loop":
                _delayLoop = c.Seconds(n, 0.000001, ConfigBinder.LvsMaxTimeout) ?? _delayLoop;
                break;
            default:
                throw new ArgumentException($"'{n.Keyword}' is not a timing keyword", nameof(n));
        }
    }

    public readonly CheckTiming Build() => new()
    {
        ConnectTimeout = _connectTimeout,
        Retry = _retry,
        DelayBeforeRetry = _delayBeforeRetry,
        Warmup = _warmup,
        DelayLoop = _delayLoop,
    };
}
