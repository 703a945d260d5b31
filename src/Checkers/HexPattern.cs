namespace Kad.Checkers;

/// <summary>
/// A byte string written in keepalived's free hex format (UDP_CHECK <c>payload</c> / <c>require_reply</c>): words
/// separated by spaces, each read two digits at a time, an odd last digit making a byte of its own
/// ("Ab12f 3" is AB 12 0F 03). In a pattern, a digit written X matches any nibble.
/// </summary>
public sealed class HexPattern : IEquatable<HexPattern>
{
    private readonly byte[] _values;
    private readonly byte[] _masks;

    private HexPattern(byte[] values, byte[] masks)
    {
        _values = values;
        _masks = masks;
    }

    /// <summary>The bytes, with wildcard nibbles as zero.</summary>
    public IReadOnlyList<byte> Bytes => _values;

    public int Length => _values.Length;

    public static bool TryParse(string text, bool allowWildcards, out HexPattern pattern, out string? error)
    {
        var values = new List<byte>();
        var masks = new List<byte>();
        foreach (var word in text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            for (var i = 0; i < word.Length; i += 2)
            {
                var pair = word.AsSpan(i, Math.Min(2, word.Length - i));
                byte value = 0;
                byte mask = 0;
                foreach (var digit in pair)
                {
                    value <<= 4;
                    mask <<= 4;
                    if (allowWildcards && (digit == 'x' || digit == 'X'))
                    {
                        continue;
                    }

                    var nibble = HexValue(digit);
                    if (nibble < 0)
                    {
                        pattern = new HexPattern([], []);
                        error = $"'{digit}' is not a hex digit in '{text}'";
                        return false;
                    }

                    value |= (byte)nibble;
                    mask |= 0xF;
                }

                values.Add(value);
                masks.Add(mask);
            }
        }

        pattern = new HexPattern([.. values], [.. masks]);
        error = null;
        return true;
    }

    public static HexPattern Parse(string text, bool allowWildcards = true) =>
        TryParse(text, allowWildcards, out var pattern, out var error) ? pattern : throw new FormatException(error);

    /// <summary>keepalived's rule: the data must match the pattern over the shorter of the two lengths.</summary>
    public bool Matches(ReadOnlySpan<byte> data)
    {
        var length = Math.Min(data.Length, _values.Length);
        for (var i = 0; i < length; i++)
        {
            if ((data[i] & _masks[i]) != _values[i])
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(HexPattern? other) =>
        other is not null && _values.AsSpan().SequenceEqual(other._values) && _masks.AsSpan().SequenceEqual(other._masks);

    public override bool Equals(object? obj) => Equals(obj as HexPattern);

    public override int GetHashCode() => HashCode.Combine(_values.Length, _values.Length > 0 ? _values[0] : 0);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
