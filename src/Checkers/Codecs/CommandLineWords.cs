using System.Text;

namespace Kad.Checkers.Codecs;

/// <summary>
/// Splits a command string into program and arguments the way keepalived splits script lines it runs without a
/// shell: words separated by blanks; '...' and "..." keep blanks and may be glued to other text; a backslash
/// escapes, inside or outside quotes, with C's meanings (\n \t \r \a \b \f \v, \E escape, \xHH hex, \NNN octal,
/// \cX control character; any other character stands for itself, so \" \' \\ and \  work).
/// </summary>
public static class CommandLineWords
{
    public static bool TrySplit(string command, out IReadOnlyList<string> words, out string? error)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        var quote = '\0';
        var i = 0;
        while (i < command.Length)
        {
            var c = command[i];
            if (c == '\\')
            {
                if (!TryReadEscape(command, ref i, out var escaped))
                {
                    words = [];
                    error = "command ends with a lone backslash";
                    return false;
                }

                current.Append(escaped);
                inWord = true;
                continue;
            }

            i++;
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    inWord = true;
                    break;
                case ' ' or '\t':
                    if (inWord)
                    {
                        result.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }

                    break;
                default:
                    current.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (quote != '\0')
        {
            words = [];
            error = $"unterminated {quote} quote";
            return false;
        }

        if (inWord)
        {
            result.Add(current.ToString());
        }

        if (result.Count == 0)
        {
            words = [];
            error = "empty command";
            return false;
        }

        words = result;
        error = null;
        return true;
    }

    /// <summary>Reads the escape starting at the backslash at <paramref name="i"/>; leaves <paramref name="i"/> after it.</summary>
    private static bool TryReadEscape(string text, ref int i, out char value)
    {
        value = '\0';
        i++; // the backslash
        if (i >= text.Length)
        {
            return false;
        }

        var c = text[i];
        if (c == 'x' && i + 1 < text.Length && char.IsAsciiHexDigit(text[i + 1]))
        {
            i++;
            var code = 0;
            while (i < text.Length && char.IsAsciiHexDigit(text[i]))
            {
                // keepalived keeps the low byte of however many digits follow
                code = ((code << 4) | Convert.ToInt32(text[i].ToString(), 16)) & 0xFF;
                i++;
            }

            value = (char)code;
            return true;
        }

        if (c == 'c' && i + 1 < text.Length)
        {
            value = (char)(text[i + 1] & 0x1F);
            i += 2;
            return true;
        }

        if (c is >= '0' and <= '7')
        {
            var code = 0;
            for (var digits = 0; digits < 3 && i < text.Length && text[i] is >= '0' and <= '7'; digits++, i++)
            {
                code = (code << 3) + (text[i] - '0');
            }

            value = (char)(code & 0xFF);
            return true;
        }

        value = c switch
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
        };
        i++;
        return true;
    }
}
