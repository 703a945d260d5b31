using System.Text;

namespace Kad.Vrrp.Tracking;

/// <summary>
/// Splits a keepalived <c>script</c> / <c>notify</c> string into argv, as keepalived does before exec'ing it without
/// a shell: words separated by blanks; "double" and 'single' quotes group words; a backslash takes the next
/// character literally (outside single quotes).
/// </summary>
public static class ScriptCommandLine
{
    public static IReadOnlyList<string> Split(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < commandLine.Length; i++)
        {
            var c = commandLine[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else if (c == '\\' && quote == '"' && i + 1 < commandLine.Length)
                {
                    word.Append(commandLine[++i]);
                }
                else
                {
                    word.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    break;
                case '"' or '\'':
                    quote = c;
                    inWord = true;
                    break;
                case '\\' when i + 1 < commandLine.Length:
                    word.Append(commandLine[++i]);
                    inWord = true;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (quote is not null)
        {
            throw new FormatException($"unterminated {quote} quote in: {commandLine}");
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
