using System.Globalization;

namespace Kad.Checkers;

/// <summary>
/// The HTTP status codes a url accepts, as keepalived's <c>status_code</c> writes them: single codes and ranges,
/// e.g. <c>200-299 400-499 503 505</c>.
/// </summary>
public sealed class StatusCodeSet : IEquatable<StatusCodeSet>
{
    private readonly (int Low, int High)[] _ranges;

    private StatusCodeSet((int Low, int High)[] ranges) => _ranges = ranges;

    /// <summary>keepalived's default when no status_code is written.</summary>
    public static StatusCodeSet Default { get; } = new([(200, 299)]);

    public bool Contains(int code)
    {
        foreach (var (low, high) in _ranges)
        {
            if (code >= low && code <= high)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses the words after <c>status_code</c>; each is <c>N</c> or <c>N-M</c> with 100 &lt;= N &lt;= M &lt;= 999.</summary>
    public static bool TryParse(IEnumerable<string> words, out StatusCodeSet set, out string? error)
    {
        var ranges = new List<(int, int)>();
        foreach (var word in words)
        {
            var dash = word.IndexOf('-', StringComparison.Ordinal);
            var lowText = dash < 0 ? word : word[..dash];
            var highText = dash < 0 ? word : word[(dash + 1)..];
            if (!TryParseCode(lowText, out var low) || !TryParseCode(highText, out var high) || high < low)
            {
                set = Default;
                error = $"invalid status_code '{word}' (expected N or N-M with 100 <= N <= M <= 999)";
                return false;
            }

            ranges.Add((low, high));
        }

        if (ranges.Count == 0)
        {
            set = Default;
            error = "status_code needs at least one code or range";
            return false;
        }

        set = new StatusCodeSet([.. ranges]);
        error = null;
        return true;
    }

    public static StatusCodeSet Parse(params string[] words) =>
        TryParse(words, out var set, out var error) ? set : throw new FormatException(error);

    public override string ToString() =>
        string.Join(' ', _ranges.Select(r => r.Low == r.High ? r.Low.ToString(CultureInfo.InvariantCulture) : $"{r.Low}-{r.High}"));

    public bool Equals(StatusCodeSet? other) => other is not null && _ranges.AsSpan().SequenceEqual(other._ranges);

    public override bool Equals(object? obj) => Equals(obj as StatusCodeSet);

    public override int GetHashCode() => HashCode.Combine(_ranges.Length, _ranges.Length > 0 ? _ranges[0] : default);

    private static bool TryParseCode(string text, out int code) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out code) && code is >= 100 and <= 999;
}
