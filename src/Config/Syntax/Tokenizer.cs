using System.Text;

namespace Kad.Config.Syntax;

/// <summary>The two ways keepalived splits a line into words.</summary>
public static class Tokenizer
{
    private const string WhiteSpace = " \t\f\n\r\v";

    /// <summary>
    /// Keyword lines (keepalived's alloc_strvec): words are separated by white space; a word that starts with a
    /// double quote runs to the next double quote, which is dropped, with no escapes; an unquoted word also ends at
    /// a double quote. Single quotes and backslashes are ordinary characters. An unmatched quote drops the rest of
    /// the line and is reported through <paramref name="unmatchedQuote"/>.
    /// </summary>
    public static List<string> SplitWords(string line, out bool unmatchedQuote)
    {
        var words = new List<string>();
        unmatchedQuote = false;
        var i = 0;
        while (true)
        {
            while (i < line.Length && WhiteSpace.Contains(line[i], StringComparison.Ordinal))
            {
                i++;
            }

            if (i >= line.Length)
            {
                return words;
            }

            if (line[i] == '"')
            {
                var close = line.IndexOf('"', i + 1);
                if (close < 0)
                {
                    unmatchedQuote = true;
                    return words;
                }

                words.Add(line[(i + 1)..close]);
                i = close + 1;
                continue;
            }

            var start = i;
            while (i < line.Length && line[i] != '"' && !WhiteSpace.Contains(line[i], StringComparison.Ordinal))
            {
                i++;
            }

            words.Add(line[start..i]);
        }
    }

    /// <summary>
    /// Script command lines (keepalived's alloc_strvec_quoted_escaped), used for notify scripts, vrrp_script
    /// script, misc_path and the like: "..." and '...' group words and are removed, and backslash escapes (\a \b \E
    /// \f \n \r \t \v, \nnn octal, \xHH hex, \cC control, \C for any other C) work outside and inside both kinds of
    /// quotes (unlike a shell, single quotes do not stop escapes). Returns null with <paramref name="error"/> set when
    /// a quote is not closed or the line ends in a lone backslash.
    /// </summary>
    public static List<string>? SplitCommand(string text, out string? error)
    {
        var words = new List<string>();
        error = null;
        var i = 0;
        var word = new StringBuilder();
        while (true)
        {
            while (i < text.Length && WhiteSpace.Contains(text[i], StringComparison.Ordinal))
            {
                i++;
            }

            if (i >= text.Length)
            {
                return words;
            }

            word.Clear();
            var quote = '\0';
            while (i < text.Length)
            {
                var c = text[i];
                if (c == '\\')
                {
                    if (i + 1 >= text.Length)
                    {
                        error = "a backslash at the end of the line escapes nothing";
                        return null;
                    }

                    i = ReadEscape(text, i + 1, word);
                    continue;
                }

                if (quote != '\0')
                {
                    if (c == quote)
                    {
                        quote = '\0';
                    }
                    else
                    {
                        word.Append(c);
                    }

                    i++;
                    continue;
                }

                if (c is '"' or '\'')
                {
                    quote = c;
                    i++;
                    continue;
                }

                if (WhiteSpace.Contains(c, StringComparison.Ordinal))
                {
                    break;
                }

                word.Append(c);
                i++;
            }

            if (quote != '\0')
            {
                error = $"missing terminating {quote}";
                return null;
            }

            words.Add(word.ToString());
        }
    }

    /// <summary>Appends the character an escape at <paramref name="i"/> (just after the backslash) stands for.</summary>
    private static int ReadEscape(string s, int i, StringBuilder into)
    {
        var c = s[i];
        if (c == 'x' && i + 1 < s.Length && Uri.IsHexDigit(s[i + 1]))
        {
            // keepalived reads every following hex digit into one char, keeping the low 8 bits.
            var value = 0;
            i++;
            while (i < s.Length && Uri.IsHexDigit(s[i]))
            {
                value = ((value << 4) | Convert.ToInt32(s[i].ToString(), 16)) & 0xff;
                i++;
            }

            into.Append((char)value);
            return i;
        }

        if (c == 'c' && i + 1 < s.Length)
        {
            into.Append((char)(s[i + 1] & 0x1f));
            return i + 2;
        }

        if (c is >= '0' and <= '7')
        {
            var value = 0;
            var n = 0;
            while (n < 3 && i < s.Length && s[i] is >= '0' and <= '7')
            {
                value = (value << 3) + (s[i] - '0');
                i++;
                n++;
            }

            into.Append((char)(value & 0xff));
            return i;
        }

        into.Append(c switch
        {
            'a' => '\a',
            'b' => '\b',
            'E' => '\u001b',
            'f' => '\f',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\v',
            _ => c,
        });
        return i + 1;
    }
}
