namespace Kad.Config.Syntax;

/// <summary>
/// glob(3) as keepalived calls it for include (GLOB_BRACE | GLOB_MARK): csh-style braces expand first, in the order
/// written; each alternative then matches *, ?, [...] per path segment, sorted; a leading dot is matched only
/// explicitly. A pattern without wildcards names itself whether or not it exists (glob returns it unchanged only
/// if it exists, which the caller checks).
/// </summary>
internal static class Glob
{
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny("*?[") >= 0;

    /// <summary>Expands csh-style braces: "a{b,c{d,e}}f" gives abf, acdf, acef. Unbalanced braces are literal.</summary>
    public static IReadOnlyList<string> ExpandBraces(string pattern)
    {
        var open = -1;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                i++;
            }
            else if (pattern[i] == '{')
            {
                open = i;
                break;
            }
        }

        if (open < 0)
        {
            return [pattern];
        }

        // Find the matching close and the top-level commas between.
        var depth = 0;
        var commas = new List<int>();
        var close = -1;
        for (var i = open; i < pattern.Length && close < 0; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '{':
                    depth++;
                    break;
                case '}':
                    if (--depth == 0)
                    {
                        close = i;
                    }

                    break;
                case ',' when depth == 1:
                    commas.Add(i);
                    break;
            }
        }

        if (close < 0)
        {
            return [pattern];
        }

        var prefix = pattern[..open];
        var suffix = pattern[(close + 1)..];
        var results = new List<string>();
        var start = open + 1;
        foreach (var end in commas.Append(close))
        {
            foreach (var expanded in ExpandBraces(prefix + pattern[start..end] + suffix))
            {
                results.Add(expanded);
            }

            start = end + 1;
        }

        return results;
    }

    /// <summary>Paths matching one brace-free pattern, sorted ordinally within each directory level.</summary>
    public static IReadOnlyList<string> Match(IConfigFileSystem fs, string pattern)
    {
        if (!HasWildcards(pattern))
        {
            return fs.FileExists(pattern) || fs.DirectoryExists(pattern) ? [pattern] : [];
        }

        var absolute = pattern.StartsWith('/');
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { absolute ? "/" : "" };
        for (var s = 0; s < segments.Length; s++)
        {
            var segment = segments[s];
            var last = s == segments.Length - 1;
            var next = new List<string>();
            foreach (var prefix in current)
            {
                if (!HasWildcards(segment))
                {
                    var path = Join(prefix, segment);
                    if (last ? fs.FileExists(path) || fs.DirectoryExists(path) : fs.DirectoryExists(path))
                    {
                        next.Add(path);
                    }

                    continue;
                }

                var directory = prefix.Length == 0 ? "." : prefix;
                next.AddRange(fs.List(directory)
                    .Where(e => (last || e.IsDirectory) && SegmentMatches(segment, e.Name))
                    .Select(e => e.Name)
                    .Order(StringComparer.Ordinal)
                    .Select(name => Join(prefix, name)));
            }

            current = next;
        }

        return current;
    }

    private static string Join(string prefix, string name) =>
        prefix.Length == 0 ? name : prefix.EndsWith('/') ? prefix + name : prefix + "/" + name;

    /// <summary>fnmatch(3) for one path segment: *, ?, [abc], [a-z], [!x]/[^x], backslash escapes.</summary>
    public static bool SegmentMatches(string pattern, string name)
    {
        if (name.StartsWith('.') && !pattern.StartsWith('.'))
        {
            return false;
        }

        return MatchFrom(pattern, 0, name, 0);
    }

    private static bool MatchFrom(string p, int pi, string s, int si)
    {
        while (pi < p.Length)
        {
            var c = p[pi];
            switch (c)
            {
                case '*':
                    while (pi < p.Length && p[pi] == '*')
                    {
                        pi++;
                    }

                    if (pi == p.Length)
                    {
                        return true;
                    }

                    for (var k = si; k <= s.Length; k++)
                    {
                        if (MatchFrom(p, pi, s, k))
                        {
                            return true;
                        }
                    }

                    return false;
                case '?':
                    if (si >= s.Length)
                    {
                        return false;
                    }

                    pi++;
                    si++;
                    break;
                case '[':
                    if (si >= s.Length || !TryMatchClass(p, ref pi, s[si], out var matched))
                    {
                        // An unterminated class is a literal '['.
                        if (si < s.Length && pi < p.Length && p[pi] == '[' && s[si] == '[')
                        {
                            pi++;
                            si++;
                            break;
                        }

                        return false;
                    }

                    if (!matched)
                    {
                        return false;
                    }

                    si++;
                    break;
                case '\\' when pi + 1 < p.Length:
                    if (si >= s.Length || s[si] != p[pi + 1])
                    {
                        return false;
                    }

                    pi += 2;
                    si++;
                    break;
                default:
                    if (si >= s.Length || s[si] != c)
                    {
                        return false;
                    }

                    pi++;
                    si++;
                    break;
            }
        }

        return si == s.Length;
    }

    /// <summary>Parses "[...]" at <paramref name="pi"/>; false (pi unchanged) when there is no closing bracket.</summary>
    private static bool TryMatchClass(string p, ref int pi, char ch, out bool matched)
    {
        var i = pi + 1;
        var negate = i < p.Length && (p[i] == '!' || p[i] == '^');
        if (negate)
        {
            i++;
        }

        var any = false;
        var first = true;
        while (i < p.Length && (p[i] != ']' || first))
        {
            first = false;
            var lo = p[i];
            if (i + 2 < p.Length && p[i + 1] == '-' && p[i + 2] != ']')
            {
                any |= ch >= lo && ch <= p[i + 2];
                i += 3;
            }
            else
            {
                any |= ch == lo;
                i++;
            }
        }

        if (i >= p.Length)
        {
            matched = false;
            return false;
        }

        pi = i + 1;
        matched = any != negate;
        return true;
    }
}
