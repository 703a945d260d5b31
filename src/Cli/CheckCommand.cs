using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kad.Config;

namespace Kad.Cli;

/// <summary>
/// <c>dotnet-kad check -f FILE [-i ID] [--dump]</c>: reads a configuration offline like <c>kad -t</c>, prints every finding as
/// <c>FILE:LINE:COL: error|warning: message</c>, and exits 0 when the file is usable, 5 when not.
/// </summary>
internal static partial class CheckCommand
{
    /// <summary>keepalived's exit status when <c>-t</c> finds the configuration unusable (KEEPALIVED_EXIT_CONFIG).</summary>
    public const int ExitConfig = 5;

    public const int ExitUsable = 0;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Option<string>("--use-file", "-f")
        {
            Description = "The configuration file to check",
            DefaultValueFactory = _ => "/etc/keepalived/keepalived.conf",
        };
        var dump = new Option<bool>("--dump") { Description = "Also print the model kad resolved (after includes, conditions and macros)" };
        var configId = new Option<string?>("--config-id", "-i")
        {
            Description = "The id '@ID' lines are kept for and '@^ID' lines skipped for (default: the host name's first label, as keepalived)",
        };

        // For bench/config/run: time N in-process loads after one warm-up; not an operator feature.
        var bench = new Option<int>("--bench") { Hidden = true };
        var command = new Command("check", "Check a keepalived configuration file without running it (like kad -t)");
        command.Options.Add(file);
        command.Options.Add(dump);
        command.Options.Add(configId);
        command.Options.Add(bench);
        command.SetAction(result =>
        {
            var path = result.GetValue(file)!;
            var options = new ConfigLoadOptions { ConfigId = result.GetValue(configId) ?? ConfigLoadOptions.DefaultConfigId() };
            var runs = result.GetValue(bench);
            return runs > 0 ? Bench(path, options, runs, output) : Check(path, result.GetValue(dump), output, options);
        });
        return command;
    }

    /// <summary>Loads, prints the findings (and the model when asked) and returns the exit status.</summary>
    public static int Check(string path, bool dump, TextWriter output, ConfigLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var loaded = KeepalivedConfigLoader.Load(path, options);
        DiagnosticFormatter.Write(loaded.Diagnostics, output);
        if (dump)
        {
            output.Write(Indent(loaded.Config.ToString()));
        }

        var errors = loaded.Errors.Count();
        var warnings = loaded.Warnings.Count();
        output.WriteLine(loaded.HasErrors
            ? $"{path}: not usable ({Count(errors, "error")}, {Count(warnings, "warning")})"
            : $"{path}: usable ({Count(warnings, "warning")})");
        return loaded.HasErrors ? ExitConfig : ExitUsable;
    }

    private static string Count(int n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");

    /// <summary>Median and fastest wall time of <paramref name="runs"/> full loads (parse, bind, validate).</summary>
    private static int Bench(string path, ConfigLoadOptions options, int runs, TextWriter output)
    {
        var usable = !KeepalivedConfigLoader.Load(path, options).HasErrors;
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            _ = KeepalivedConfigLoader.Load(path, options);
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(times);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median_ms={times[runs / 2]:F2} min_ms={times[0]:F2} runs={runs} usable={usable}"));
        return usable ? ExitUsable : ExitConfig;
    }

    /// <summary>
    /// Lays the model records' own text form ("Type { A = 1, B = [..] }") out one member per line, indented by
    /// nesting, so an operator can read it; the records print themselves, so nothing here is reflection-bound.
    /// </summary>
    internal static string Indent(string flat)
    {
        ArgumentNullException.ThrowIfNull(flat);
        var text = new StringBuilder(flat.Length * 2);
        var depth = 0;
        for (var i = 0; i < flat.Length; i++)
        {
            var c = flat[i];
            if ((c is '{' or '[') && (i + 1 == flat.Length || flat[i + 1] != (c == '{' ? '}' : ']')))
            {
                depth++;
                text.Append(c).Append('\n').Append(' ', depth * 2);
                if (i + 1 < flat.Length && flat[i + 1] == ' ')
                {
                    i++;
                }
            }
            else if (c is '}' or ']' && depth > 0 && (i == 0 || flat[i - 1] != (c == '}' ? '{' : '[')))
            {
                depth--;
                TrimTrailingSpaces(text);
                text.Append('\n').Append(' ', depth * 2).Append(c);
            }
            else if (c == ',' && i + 1 < flat.Length && flat[i + 1] == ' ')
            {
                text.Append(",\n").Append(' ', depth * 2);
                i++;
            }
            else
            {
                text.Append(c);
            }
        }

        // Members left unset print as "Name = ": leave them out, the operator wants what the file said.
        var lines = text.ToString().Split('\n').Where(l => !UnsetMember().IsMatch(l));
        return string.Join('\n', lines) + "\n";
    }

    [GeneratedRegex(@"^\s*\w+ = ,?$")]
    private static partial Regex UnsetMember();

    private static void TrimTrailingSpaces(StringBuilder text)
    {
        while (text.Length > 0 && text[^1] == ' ')
        {
            text.Length--;
        }
    }
}
