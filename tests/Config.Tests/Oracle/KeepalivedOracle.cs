using System.Text.RegularExpressions;
using Kad.Testing;

namespace Kad.Config.Tests.Oracle;

/// <summary>
/// Runs the installed keepalived (2.2.7, the reference) in config-test mode over a configuration and returns the
/// findings its parent process reports, as (line, message). Without keepalived the test is ignored (or fails under CI,
/// where `make test` installs it).
/// </summary>
internal static partial class KeepalivedOracle
{
    public static string RequireKeepalived()
    {
        var path = LabPolicy.RequireTool("keepalived");
        var version = ProcessRunner.Run(path, ["--version"], TimeSpan.FromSeconds(10)).Combined;
        LabPolicy.Require(version.Contains("v2.2.7", StringComparison.Ordinal), $"the oracle tests are written against keepalived 2.2.7; found: {version.Split('\n')[0]}");
        return path;
    }

    /// <summary>The findings of `keepalived -t -i ID` for <paramref name="text"/>, from every process.</summary>
    public static List<(int Line, string Message)> Check(string keepalived, string text, string configId = "main")
    {
        var file = Path.Combine(Path.GetTempPath(), $"kad-oracle-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, text);
        try
        {
            var result = ProcessRunner.Run(keepalived, ["-t", "-i", configId, "-f", file], TimeSpan.FromSeconds(60));
            return [.. Finding().Matches(result.StandardError).Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value))];
        }
        finally
        {
            File.Delete(file);
        }
    }

    [GeneratedRegex(@"Line (\d+)\) (.*)$", RegexOptions.Multiline)]
    private static partial Regex Finding();
}
