using System.Text;
using System.Text.RegularExpressions;
using Kad.Config.Syntax;

namespace Kad.Config.Tests.Oracle;

/// <summary>
/// Differential test of comments, quoting, parameter substitution and word splitting against keepalived itself:
/// generated lines go through `keepalived -t` inside `lvs_timeouts Z ...`, which echoes every word it does not
/// understand ("Unknown option WORD specified for lvs_timeouts"), and through kad's reader; the words must agree.
/// The generator leaves out the corners where kad follows the manual rather than 2.2.7 (docs/config-compatibility.md).
/// </summary>
public partial class TokenOracleTests
{
    private const string Definitions = "$A=alpha\n$B=b w\n$C=${A}.c\n$E=\n";

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void GeneratedLines_SplitIntoTheSameWordsAsKeepalived(int seed)
    {
        var keepalived = KeepalivedOracle.RequireKeepalived();
        var random = new Random(seed);
        var text = new StringBuilder(Definitions).Append("global_defs {\n");
        var firstLine = Definitions.Count(c => c == '\n') + 2;
        const int count = 300;
        for (var i = 0; i < count; i++)
        {
            text.Append(' ').Append("lvs_timeouts Z ").Append(GenerateLine(random)).Append('\n');
        }

        text.Append("}\n");

        var theirs = KeepalivedOracle.Check(keepalived, text.ToString())
            .Select(f => (f.Line, Match: Echo().Match(f.Message)))
            .Where(f => f.Match.Success)
            .GroupBy(f => f.Line, f => f.Match.Groups[1].Value)
            .ToDictionary(g => g.Key, g => g.ToList());
        var ours = Ours(text.ToString());

        var lines = text.ToString().Split('\n');
        for (var line = firstLine; line < firstLine + count; line++)
        {
            var expected = theirs.GetValueOrDefault(line) ?? [];
            var actual = ours.GetValueOrDefault(line) ?? [];
            Assert.That(actual, Is.EqualTo(expected), $"line {line}: {lines[line - 1]}");
        }
    }

    /// <summary>Our words for each lvs_timeouts line, after the keyword (keepalived echoes Z and everything after).</summary>
    private static Dictionary<int, List<string>> Ours(string text)
    {
        var fs = new MemoryFileSystem().Add("/k/keepalived.conf", text);
        var preprocessor = new Preprocessor(fs, "main", 1, new DiagnosticBag());
        return preprocessor.ReadMain("/k/keepalived.conf")
            .Select(l => (l.Location.Line, Words: Tokenizer.SplitWords(l.Text, out _)))
            .Where(l => l.Words.Count > 0 && l.Words[0] == "lvs_timeouts")
            .ToDictionary(l => l.Line, l => l.Words.Skip(1).ToList());
    }

    private static string GenerateLine(Random random)
    {
        var sb = new StringBuilder();
        var fragments = random.Next(1, 6);

        // keepalived 2.2.7 strips comments again from a line it substituted into, so an escaped \# or \! there
        // starts a comment; kad keeps it literal as the manual says. Such lines get one or the other, not both.
        var escapes = random.Next(2) == 0;
        for (var i = 0; i < fragments; i++)
        {
            if (i > 0 || random.Next(4) == 0)
            {
                sb.Append(random.Next(5) == 0 ? "\t " : " ");
            }

            var kind = random.Next(10);
            if (kind is 2 or 4 && escapes)
            {
                kind = 9;
            }
            else if (kind == 3 && !escapes)
            {
                kind = 9;
            }

            switch (kind)
            {
                case 0:
                    sb.Append('"').Append(Chars(random, "abc xyz#!{}'$.,-", 0, 8)).Append('"');
                    break;
                case 1:
                    sb.Append(Chars(random, "abc", 1, 3)).Append('"').Append(Chars(random, "de f#", 0, 4)).Append('"').Append(Chars(random, "gh", 0, 2));
                    break;
                case 2:
                    sb.Append(random.Next(6) switch
                    {
                        0 => "$A",
                        1 => "${A}x",
                        2 => "$B",
                        3 => "x${C}y",
                        4 => "$A,",
                        _ => "($A)",
                    });
                    break;
                case 3:
                    sb.Append(Chars(random, "xy", 1, 2)).Append(random.Next(2) == 0 ? "\\#" : "\\!").Append(Chars(random, "z", 0, 2));
                    break;
                case 4:
                    sb.Append(random.Next(3) switch
                    {
                        0 => "$E",
                        1 => "$Nope",
                        _ => "a$Ab",
                    });
                    break;
                case 5:
                    sb.Append('\'').Append(Chars(random, "pq r", 1, 4)).Append('\'');
                    break;
                default:
                    sb.Append(Chars(random, "abcdefgh0123./:_-", 1, 6));
                    break;
            }
        }

        if (random.Next(6) == 0)
        {
            sb.Append(random.Next(2) == 0 ? " # tail" : "!tail \"x");
        }

        // Every line must keep at least one word after Z, or keepalived reports something else.
        return sb.ToString() + " end";
    }

    private static string Chars(Random random, string alphabet, int min, int max)
    {
        var length = random.Next(min, max + 1);
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(alphabet[random.Next(alphabet.Length)]);
        }

        var word = sb.ToString();
        return word is "tcp" or "udp" or "tcpfin" ? word + "x" : word;
    }

    [GeneratedRegex("^Unknown option (.*) specified for lvs_timeouts$")]
    private static partial Regex Echo();
}
