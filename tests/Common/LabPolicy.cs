using NUnit.Framework;

namespace Kad.Testing;

/// <summary>
/// What a lab test does when its prerequisites are missing: under CI (CI=true) it fails, because a skipped lab test
/// there would hide a broken installer; elsewhere it is ignored with the reason, so `dotnet test` stays usable
/// without root.
/// </summary>
public static class LabPolicy
{
    public const string Namespace = "Namespace";
    public const string Kernel = "Kernel";

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>Stops the test (fail under CI, ignore elsewhere) unless <paramref name="met"/> holds.</summary>
    public static void Require(bool met, string reason)
    {
        if (met)
        {
            return;
        }

        if (InCi)
        {
            Assert.Fail($"lab prerequisite missing under CI: {reason}");
        }

        Assert.Ignore(reason);
    }

    public static void RequireRoot() => Require(IsRoot, "needs root (network namespaces, raw sockets)");

    /// <summary>Finds an executable on PATH; null when absent.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string RequireTool(string name)
    {
        var path = FindOnPath(name);
        Require(path is not null, $"'{name}' is not installed (make test installs it)");
        return path!;
    }

    private static uint GetEuid()
    {
        // /proc/self/status "Uid:" line: real, effective, saved, fs.
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                var fields = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return uint.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return uint.MaxValue;
    }
}
