using System.Text;

namespace Kad.Config.Syntax;

/// <summary>The two ways keepalived splits a line into words.</summary>
public static class Tokenizer
{

    /// <summary>
    /// Keyword lines (keepalived's alloc_strvec): words are separated by white space; a word that starts with a
    /// double quote runs to the next double quote, which is dropped, with no escapes; an unquoted word also ends at
    /// a double quote. Single quotes and backslashes are ordinary characters. An unmatched quote drops the rest of
    /// the line and is reported through <paramref name="unmatchedQuote"/>.
    /// </summary>
    public static List<string> SplitWords(string line, out bool unmatchedQuote)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        SplitWords(line, words, null, out unmatchedQuote);
        return words;
    }

    /// <summary><see cref="SplitWords(string, out bool)"/> into <paramref name="into"/>, sharing each word through
    /// <paramref name="pool"/> when one is given.</summary>
    internal static void SplitWords(ReadOnlySpan<char> line, List<string> into, StringPool? pool, out bool unmatchedQuote)
    {
        var words = new WordScanner(line);
        while (words.MoveNext())
        {
            var word = words.Word;
            into.Add(pool is null ? word.ToString() : pool.Get(word));
        }

        unmatchedQuote = words.UnmatchedQuote >= 0;
    }

    /// <summary>
    /// Where word <paramref name="index"/> of a keyword line starts (its opening quote if quoted), counted in
    /// characters from the start of <paramref name="line"/>; for the index just past the last word of a line with an
    /// unmatched quote, where that quote is. -1 when there is no such word.
    /// </summary>
    internal static int WordOffset(ReadOnlySpan<char> line, int index)
    {
        var words = new WordScanner(line);
        for (var i = 0; words.MoveNext(); i++)
        {
            if (i == index)
            {
                return words.Start;
            }
        }

        return words.UnmatchedQuote;
    }

    /// <summary>Walks the words of a keyword line as <see cref="SplitWords(string, out bool)"/> splits them.</summary>
    private ref struct WordScanner(ReadOnlySpan<char> line)
    {
        private readonly ReadOnlySpan<char> _line = line;
        private int _next;

        /// <summary>The current word, without quotes.</summary>
        public ReadOnlySpan<char> Word { get; private set; }

        /// <summary>Where the current word starts in the line (its opening quote if quoted).</summary>
        public int Start { get; private set; }

        /// <summary>Where an opening quote with no closing one is; -1 while none has been met.</summary>
        public int UnmatchedQuote { get; private set; } = -1;

        public bool MoveNext()
        {
            var skipped = _next < _line.Length ? LineScan.IndexOfNonBlank(_line[_next..]) : -1;
            if (skipped < 0)
            {
                return false;
            }

            Start = _next + skipped;
            if (_line[Start] == '"')
            {
                var length = _line[(Start + 1)..].IndexOf('"');
                if (length < 0)
                {
                    UnmatchedQuote = Start;
                    _next = _line.Length;
                    return false;
                }

                Word = _line.Slice(Start + 1, length);
                _next = Start + length + 2;
                return true;
            }

            var end = LineScan.IndexOfBlankOrQuote(_line[Start..]);
            Word = end < 0 ? _line[Start..] : _line.Slice(Start, end);
            _next = Start + Word.Length;
            return true;
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
            while (i < text.Length && LineScan.IsBlank(text[i]))
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

                if (LineScan.IsBlank(c))
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
