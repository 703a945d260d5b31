using System.Text;

namespace Kad.Checkers.Codecs;

/// <summary>
/// Splits a command string into program and arguments the way keepalived does for scripts it runs without a
/// shell: words separated by blanks; '...' keeps everything literally; "..." keeps blanks and lets \ escape the
/// next character; a \ outside quotes escapes the next character.
/// </summary>
public static class CommandLineWords
{
    public static bool TrySplit(string command, out IReadOnlyList<string> words, out string? error)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        var quote = '\0';
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }

                continue;
            }

            if (c == '\\')
            {
                if (i + 1 >= command.Length)
                {
                    words = [];
                    error = "command ends with a lone backslash";
                    return false;
                }

                current.Append(command[++i]);
                inWord = true;
                continue;
            }

            if (quote == '"')
            {
                if (c == '"')
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
}
