using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kad.Config.Model;
using Kad.Config.Syntax;

namespace Kad.Config.Binding;

/// <summary>
/// Reads keyword values the way keepalived does (lib/parser.c read_* and check_true_false) and reports anything
/// that does not fit, naming the keyword, the file and the line. Every reader returns null on a problem, so the
/// caller keeps what it had; nothing throws.
/// </summary>
internal sealed class BindContext(DiagnosticBag diagnostics)
{
    public DiagnosticBag Diagnostics { get; } = diagnostics;

    public void Error(ConfigNode node, string message) =>
        Diagnostics.Error(DiagnosticCodes.InvalidValue, node.Location, message, node.WrittenKeyword);

    public void Warning(ConfigNode node, string message) =>
        Diagnostics.Warning(DiagnosticCodes.InvalidValue, node.Location, message, node.WrittenKeyword);

    /// <summary>An error about one word of the line (or part of one), placed at that word's column.</summary>
    public void ErrorAt(ConfigNode node, string word, string message) =>
        Diagnostics.Error(DiagnosticCodes.InvalidValue, node.LocationOf(word), message, node.WrittenKeyword);

    /// <summary>A warning placed at word <paramref name="index"/> of the line.</summary>
    public void WarningAt(ConfigNode node, int index, string message) =>
        Diagnostics.Warning(DiagnosticCodes.InvalidValue, node.LocationOf(index), message, node.WrittenKeyword);

    /// <summary>Word <paramref name="index"/> (1 = the first after the keyword), or an error naming what is missing.</summary>
    public string? Word(ConfigNode node, int index, string what)
    {
        if (index < node.Words.Length)
        {
            return node.Words[index];
        }

        Error(node, $"'{node.WrittenKeyword}' needs {what}");
        return null;
    }

    /// <summary>Warns when the line has more than <paramref name="maxWords"/> words (keyword included): keepalived
    /// ignores the rest silently, which hides typos.</summary>
    public void AtMost(ConfigNode node, int maxWords)
    {
        if (node.Words.Length > maxWords)
        {
            WarningAt(node, maxWords, $"'{node.WrittenKeyword}': extra words ignored: {string.Join(' ', node.Words.Skip(maxWords))}");
        }
    }

    /// <summary>A single integer argument in [min, max].</summary>
    public int? Int(ConfigNode node, long min, long max, string what = "a number")
    {
        AtMost(node, 2);
        var word = Word(node, 1, what);
        return word is null ? null : ParseInt(node, word, min, max);
    }

    /// <summary>strtol base 10 over the whole word (a leading sign and blanks allowed), then the range check.</summary>
    public int? ParseInt(ConfigNode node, string word, long min, long max)
    {
        var text = word.TrimStart(' ', '\t');
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            ErrorAt(node, word, $"'{node.WrittenKeyword}': invalid number '{word}'");
            return null;
        }

        if (value < min || value > max)
        {
            ErrorAt(node, word, $"'{node.WrittenKeyword}': {word} is outside [{min}, {max}]");
            return null;
        }

        return (int)value;
    }

    /// <summary>An unsigned value that may exceed int (fwmarks, seeds).</summary>
    public uint? ParseUInt(ConfigNode node, string word)
    {
        if (!uint.TryParse(word.TrimStart(' ', '\t'), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            ErrorAt(node, word, $"'{node.WrittenKeyword}': invalid number '{word}' (expected 0..{uint.MaxValue})");
            return null;
        }

        return value;
    }

    /// <summary>A single time argument in seconds, fractions allowed, microsecond resolution.</summary>
    public TimeSpan? Seconds(ConfigNode node, double min, double max)
    {
        AtMost(node, 2);
        var word = Word(node, 1, "a time in seconds");
        return word is null ? null : ParseSeconds(node, word, min, max);
    }

    public TimeSpan? ParseSeconds(ConfigNode node, string word, double min, double max)
    {
        if (!double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds))
        {
            ErrorAt(node, word, $"'{node.WrittenKeyword}': invalid time '{word}' (seconds, e.g. 1 or 0.5)");
            return null;
        }

        if (seconds < min || seconds > max)
        {
            ErrorAt(node, word, $"'{node.WrittenKeyword}': {word} is outside [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}] seconds");
            return null;
        }

        // keepalived truncates to microseconds.
        return TimeSpan.FromTicks((long)(seconds * 1_000_000) * (TimeSpan.TicksPerMillisecond / 1000));
    }

    /// <summary>
    /// A keyword that is a flag with an optional &lt;BOOL&gt;: alone it means true; on|true|yes and off|false|no
    /// (exactly, as keepalived) otherwise.
    /// </summary>
    public bool? Bool(ConfigNode node)
    {
        AtMost(node, 2);
        if (node.Words.Length < 2)
        {
            return true;
        }

        return ParseBool(node, node.Words[1]);
    }

    public bool? ParseBool(ConfigNode node, string word)
    {
        switch (word)
        {
            case "on" or "true" or "yes":
                return true;
            case "off" or "false" or "no":
                return false;
            default:
                ErrorAt(node, word, $"'{node.WrittenKeyword}': '{word}' is not a boolean (on|off|true|false|yes|no)");
                return null;
        }
    }

    /// <summary>A keyword that takes no value.</summary>
    public bool Flag(ConfigNode node)
    {
        AtMost(node, 1);
        return true;
    }

    /// <summary>A single string argument.</summary>
    public string? String(ConfigNode node, string what = "a value")
    {
        AtMost(node, 2);
        return Word(node, 1, what);
    }

    public IPAddress? Address(ConfigNode node, int index, string what = "an IP address")
    {
        var word = Word(node, index, what);
        return word is null ? null : ParseAddress(node, word);
    }

    public IPAddress? ParseAddress(ConfigNode node, string word)
    {
        // Dotted quads only for IPv4 (IPAddress.TryParse would also take "1" or "1.2").
        if (IPAddress.TryParse(word, out var address) &&
            (address.AddressFamily == AddressFamily.InterNetworkV6 ? word.Contains(':', StringComparison.Ordinal) : word.AsSpan().Count('.') == 3))
        {
            return address;
        }

        ErrorAt(node, word, $"'{node.WrittenKeyword}': '{word}' is not an IP address");
        return null;
    }

    /// <summary>ADDR[/PREFIX] with the prefix checked against the family.</summary>
    public (IPAddress Address, int? Prefix)? ParseAddressWithPrefix(ConfigNode node, string word)
    {
        var slash = word.IndexOf('/', StringComparison.Ordinal);
        var address = ParseAddress(node, slash < 0 ? word : word[..slash]);
        if (address is null)
        {
            return null;
        }

        if (slash < 0)
        {
            return (address, null);
        }

        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = ParseInt(node, word[(slash + 1)..], 0, max);
        return prefix is null ? null : (address, prefix);
    }

    /// <summary>A TCP/UDP port, 0..65535 (0 = none, as keepalived's "no port").</summary>
    public int? ParsePort(ConfigNode node, string word) => ParseInt(node, word, 0, 65535);

    /// <summary>
    /// A program to run: the raw line split like keepalived's alloc_strvec_quoted_escaped, where word 1 is the
    /// command (quoted if it has arguments) and, when <paramref name="allowUser"/>, words 2 and 3 are the user and
    /// group to run it as. The command is then split into argv the same way.
    /// </summary>
    public ScriptCommand? Script(ConfigNode node, bool allowUser)
    {
        // An unmatched double quote has already been reported by the parser.
        Tokenizer.SplitWords(node.Text, out var unmatched);
        if (unmatched)
        {
            return null;
        }

        var words = Tokenizer.SplitCommand(node.Text, out var error);
        if (words is null)
        {
            Error(node, $"'{node.WrittenKeyword}': {error}");
            return null;
        }

        if (words.Count < 2 || words[1].Length == 0)
        {
            Error(node, $"'{node.WrittenKeyword}' needs a command");
            return null;
        }

        var max = allowUser ? 4 : 2;
        if (words.Count > max)
        {
            var hint = allowUser ? "; quote the command if it has arguments" : "; quote the command to pass arguments";
            Warning(node, $"'{node.WrittenKeyword}': extra words ignored: {string.Join(' ', words.Skip(max))}{hint}");
        }

        var argv = Tokenizer.SplitCommand(words[1], out error);
        if (argv is null || argv.Count == 0)
        {
            Error(node, $"'{node.WrittenKeyword}': {error ?? "empty command"}");
            return null;
        }

        return new ScriptCommand(
            words[1],
            [.. argv],
            allowUser && words.Count > 2 ? words[2] : null,
            allowUser && words.Count > 3 ? words[3] : null)
        {
            Location = node.Location,
        };
    }

    /// <summary>USER [GROUP] on a line of its own (vrrp_script user, MISC_CHECK user).</summary>
    public (string User, string? Group)? UserAndGroup(ConfigNode node)
    {
        AtMost(node, 3);
        var user = Word(node, 1, "a user name");
        return user is null ? null : (user, node.Words.Length > 2 ? node.Words[2] : null);
    }

    /// <summary>weight W [reverse|noreverse|no_reverse] starting at <paramref name="index"/>.</summary>
    public (int Weight, bool? Reverse)? WeightClause(ConfigNode node, int index, int min, int max)
    {
        if (index >= node.Words.Length || node.Words[index] != "weight")
        {
            if (index < node.Words.Length)
            {
                ErrorAt(node, node.Words[index], $"'{node.Words[0]}': unexpected '{node.Words[index]}' (expected 'weight N')");
            }

            return null;
        }

        var word = Word(node, index + 1, "a weight after 'weight'");
        var weight = word is null ? null : ParseInt(node, word, min, max);
        if (weight is null)
        {
            return null;
        }

        bool? reverse = null;
        if (index + 2 < node.Words.Length)
        {
            reverse = node.Words[index + 2] switch
            {
                "reverse" => true,
                "noreverse" or "no_reverse" => false,
                _ => null,
            };
            if (reverse is null)
            {
                ErrorAt(node, node.Words[index + 2], $"'{node.Words[0]}': unexpected '{node.Words[index + 2]}' (expected reverse or noreverse)");
            }

            if (index + 3 < node.Words.Length)
            {
                WarningAt(node, index + 3, $"'{node.Words[0]}': extra words ignored: {string.Join(' ', node.Words.Skip(index + 3))}");
            }
        }

        return (weight.Value, reverse);
    }

    /// <summary>lvs_method NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum] (lb_kind PROXY is NAT).</summary>
    public LvsForwarding? Forwarding(ConfigNode node)
    {
        var kindWord = Word(node, 1, "NAT, DR or TUN");
        if (kindWord is null)
        {
            return null;
        }

        LvsForwardingKind? kind = kindWord switch
        {
            "NAT" or "PROXY" => LvsForwardingKind.Nat,
            "DR" => LvsForwardingKind.DirectRouting,
            "TUN" => LvsForwardingKind.Tunnel,
            _ => null,
        };
        if (kind is null)
        {
            ErrorAt(node, kindWord, $"'{node.WrittenKeyword}': unknown forwarding method '{kindWord}' (NAT, DR or TUN)");
            return null;
        }

        var result = new LvsForwarding(kind.Value);
        var i = 2;
        if (kind != LvsForwardingKind.Tunnel)
        {
            AtMost(node, 2);
            return result;
        }

        while (i < node.Words.Length)
        {
            var word = node.Words[i++];
            switch (word)
            {
                case "type":
                    var type = Word(node, i++, "a tunnel type (ipip, gue or gre)");
                    switch (type)
                    {
                        case "ipip":
                            result = result with { TunnelType = LvsTunnelType.IpIp };
                            break;
                        case "gre":
                            result = result with { TunnelType = LvsTunnelType.Gre };
                            break;
                        case "gue":
                            result = result with { TunnelType = LvsTunnelType.Gue };
                            if (i < node.Words.Length && node.Words[i] == "port")
                            {
                                var port = Word(node, i + 1, "a port after 'port'");
                                result = result with { TunnelPort = port is null ? null : ParseInt(node, port, 1, 65535) };
                                i += 2;
                            }
                            else
                            {
                                Error(node, $"'{node.WrittenKeyword}': type gue needs 'port N'");
                            }

                            break;
                        case null:
                            break;
                        default:
                            ErrorAt(node, type, $"'{node.WrittenKeyword}': unknown tunnel type '{type}' (ipip, gue or gre)");
                            break;
                    }

                    break;
                case "nocsum":
                    result = result with { TunnelChecksum = LvsTunnelChecksum.NoChecksum };
                    break;
                case "csum":
                    result = result with { TunnelChecksum = LvsTunnelChecksum.Checksum };
                    break;
                case "remcsum":
                    result = result with { TunnelChecksum = LvsTunnelChecksum.RemoteChecksum };
                    break;
                default:
                    ErrorAt(node, word, $"'{node.WrittenKeyword}': unexpected '{word}'");
                    break;
            }
        }

        if (result.TunnelChecksum is not null && result.TunnelType is not (LvsTunnelType.Gue or LvsTunnelType.Gre))
        {
            Error(node, $"'{node.WrittenKeyword}': a tunnel checksum option needs type gue or gre");
        }

        if (result.TunnelChecksum == LvsTunnelChecksum.RemoteChecksum && result.TunnelType == LvsTunnelType.Gre)
        {
            Error(node, $"'{node.WrittenKeyword}': remcsum is not supported with type gre");
        }

        return result;
    }

    /// <summary>A hex string in keepalived's free format: groups separated by blanks, each read in pairs from the
    /// left with a last odd digit taken as one byte ("Ab12f 3" = AB 12 0F 03). X/x nibbles only when allowed.</summary>
    public EquatableArray<byte>? Hex(ConfigNode node, IEnumerable<string> groups, bool allowWildcard, out string normalized)
    {
        var bytes = new List<byte>();
        var text = new System.Text.StringBuilder();
        foreach (var group in groups)
        {
            for (var i = 0; i < group.Length; i += 2)
            {
                var pair = i + 1 < group.Length ? group.Substring(i, 2) : "0" + group[i];
                foreach (var c in pair)
                {
                    if (!Uri.IsHexDigit(c) && !(allowWildcard && c is 'x' or 'X'))
                    {
                        ErrorAt(node, group, $"'{node.WrittenKeyword}': '{group}' is not hexadecimal");
                        normalized = "";
                        return null;
                    }
                }

                text.Append(pair);
                bytes.Add(pair.Any(c => c is 'x' or 'X') ? (byte)0 : byte.Parse(pair, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        normalized = text.ToString().ToUpperInvariant();
        return new EquatableArray<byte>([.. bytes]);
    }
}
