using System.Text;
using FsCheck;
using Kad.Config.Syntax;

// FsCheck supplies the arguments; the NUnit analyzer does not know its attribute.
#pragma warning disable NUnit1027

namespace Kad.Config.Tests;

/// <summary>Properties over generated input: nothing throws, findings point at real lines, splitting round-trips.</summary>
public class PropertyTests
{
    private static readonly string[] Fragments =
    [
        "{", "}", "\"", "'", "\\", "#", "!", "$", "${", "@", "@^", "~SEQ(", "~LST(", ")", ",", "=", " ", "\t", "\n", "\n\n",
        "vrrp_instance", "virtual_server", "global_defs", "real_server", "HTTP_GET", "url", "virtual_ipaddress", "unicast_peer",
        "priority", "state", "interface", "virtual_router_id", "notify_master", "status_code", "lvs_method", "include",
        "includem", "$X=", "$X", "${X}", "$M= \\\n", "10.0.0.1", "10.0.0.1/24", "2001:db8::1", "80", "-1", "300", "0x10",
        "MASTER", "TUN", "type", "gue", "port", "weight", "reverse", "a-b", "1-5", "a", "main", "*", "?", "[", "]",
    ];

    [FsCheck.NUnit.Property(MaxTest = 3000)]
    public bool Load_ArbitraryText_NeverThrows_AndFindingsPointAtLines(string? text)
    {
        text ??= "";
        var result = ConfigHarness.Load(text);
        var lines = text.Split('\n').Length;
        return result.Diagnostics.All(d => d.Location is null || d.Location.Value.Line <= lines || d.Location.Value.File != ConfigHarness.MainFile);
    }

    [FsCheck.NUnit.Property(MaxTest = 3000)]
    public bool Load_FragmentSoup_NeverThrows(int[] picks)
    {
        var sb = new StringBuilder();
        foreach (var pick in picks ?? [])
        {
            sb.Append(Fragments[(pick & int.MaxValue) % Fragments.Length]);
        }

        var result = ConfigHarness.Load(sb.ToString());
        return result.Config is not null && result.Diagnostics.All(d => d.Message.Length > 0);
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public bool SplitWords_JoinedPlainWords_RoundTrip(NonEmptyString[] words)
    {
        var plain = (words ?? []).Select(w => new string([.. w.Get.Where(c => c > ' ' && c != '"' && c != 0x7f)])).Where(w => w.Length > 0).ToList();
        var split = Tokenizer.SplitWords(string.Join(" \t ", plain), out var unmatched);
        return !unmatched && split.SequenceEqual(plain);
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public bool SplitWords_QuotedWords_RoundTrip(string[] words)
    {
        var quotable = (words ?? []).Select(w => (w ?? "").Replace("\"", "", StringComparison.Ordinal)).ToList();
        var split = Tokenizer.SplitWords(string.Join(' ', quotable.Select(w => "\"" + w + "\"")), out var unmatched);
        return !unmatched && split.SequenceEqual(quotable);
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public bool SplitCommand_EscapedWords_RoundTrip(string[] words)
    {
        var list = (words ?? []).Select(w => w ?? "").ToList();
        var line = string.Join(' ', list.Select(Escape));
        var split = Tokenizer.SplitCommand(line, out var error);
        return error is null && split!.SequenceEqual(list);

        static string Escape(string word)
        {
            if (word.Length == 0)
            {
                return "''";
            }

            var sb = new StringBuilder();
            foreach (var c in word)
            {
                // Only characters that are special get a backslash; \n, \t, \x... would mean something else.
                if (c is '"' or '\'' or '\\' || " \t\f\n\r\v".Contains(c, StringComparison.Ordinal))
                {
                    sb.Append('\\');
                }

                sb.Append(c);
            }

            return sb.ToString();
        }
    }

    [FsCheck.NUnit.Property(MaxTest = 1000)]
    public bool Preprocessor_PlainLines_PassThroughTrimmed(NonEmptyString[] lines)
    {
        var plain = (lines ?? [])
            .Select(l => new string([.. l.Get.Where(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or '-' or '/' or ':')]).Trim(' '))
            .Where(l => l.Length > 0 && !l.StartsWith("include", StringComparison.Ordinal))
            .ToList();
        var (output, diagnostics, _) = Syntax.PreprocessorHarness.Run(string.Join('\n', plain.Select(l => "  " + l + " \t")));
        return diagnostics.Count == 0 && output.SequenceEqual(plain);
    }
}
