using System.Text;
using System.Text.RegularExpressions;

namespace Kad.Checkers.Probes;

/// <summary>
/// HTTP_GET's <c>regex</c> test on a response body, with keepalived's options: the match must start within
/// [regex_min_offset, regex_max_offset) of the body; <c>regex_no_match</c> inverts the verdict. keepalived uses
/// PCRE2; the options that have a .NET equivalent are accepted, the rest are a configuration error.
/// </summary>
internal sealed class BodyRegex
{
    /// <summary>Bounds the CPU a hostile body can cost with a pathological pattern.</summary>
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, RegexOptions> Supported = new(StringComparer.Ordinal)
    {
        ["caseless"] = RegexOptions.IgnoreCase,
        ["multiline"] = RegexOptions.Multiline,
        ["dotall"] = RegexOptions.Singleline,
        ["extended"] = RegexOptions.IgnorePatternWhitespace,
        ["no_auto_capture"] = RegexOptions.ExplicitCapture,
        // .NET patterns are Unicode already.
        ["utf"] = RegexOptions.None,
        ["ucp"] = RegexOptions.None,
    };

    private readonly Regex _regex;
    private readonly HttpUrlOptions _url;

    private BodyRegex(Regex regex, HttpUrlOptions url)
    {
        _regex = regex;
        _url = url;
    }

    /// <summary>Null when the url has no regex; throws <see cref="ArgumentException"/> on a bad pattern or option.</summary>
    public static BodyRegex? Create(HttpUrlOptions url)
    {
        if (url.Regex is null)
        {
            return null;
        }

        var options = RegexOptions.CultureInvariant;
        foreach (var name in (url.RegexOptions ?? string.Empty).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Supported.TryGetValue(name, out var option))
            {
                throw new ArgumentException($"regex_options '{name}' is not supported (supported: {string.Join(", ", Supported.Keys)})");
            }

            options |= option;
        }

        if (url.RegexMinOffset is < 0 || url.RegexMaxOffset is < 0 || (url.RegexMinOffset ?? 0) > (url.RegexMaxOffset ?? int.MaxValue))
        {
            throw new ArgumentException("regex_min_offset/regex_max_offset must be non-negative with min <= max");
        }

        try
        {
            return new BodyRegex(new Regex(url.Regex, options, MatchTimeout), url);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"regex '{url.Regex}': {ex.Message}", ex);
        }
    }

    /// <summary>Null when the body passes; otherwise why it does not.</summary>
    public string? Judge(ReadOnlySpan<byte> body)
    {
        // Latin-1 maps each byte to one char, so offsets in the text are offsets in the body.
        var text = Encoding.Latin1.GetString(body);
        var start = Math.Min(_url.RegexMinOffset ?? 0, text.Length);
        bool matched;
        try
        {
            var match = _regex.Match(text, start);
            matched = match.Success && (_url.RegexMaxOffset is not { } max || match.Index < max);
        }
        catch (RegexMatchTimeoutException)
        {
            return $"regex '{_url.Regex}' took longer than {MatchTimeout.TotalSeconds:0} s";
        }

        if (matched == _url.RegexNoMatch)
        {
            return _url.RegexNoMatch ? $"body matches regex '{_url.Regex}' (regex_no_match)" : $"body does not match regex '{_url.Regex}'";
        }

        return null;
    }
}
