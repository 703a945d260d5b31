namespace Kad.Config.Tests;

/// <summary>Loads configuration text from an in-memory file system, as /etc/keepalived/keepalived.conf.</summary>
internal static class ConfigHarness
{
    public const string MainFile = "/etc/keepalived/keepalived.conf";

    public static ConfigLoadResult Load(string text, string? configId = "main", MemoryFileSystem? fs = null)
    {
        fs ??= new MemoryFileSystem();
        fs.Add(MainFile, text);
        return KeepalivedConfigLoader.Load(MainFile, new ConfigLoadOptions { ConfigId = configId, FileSystem = fs, RandomSeed = 1 });
    }

    /// <summary>The (code, line) of every finding, in order: the usual thing a test asserts on.</summary>
    public static IEnumerable<(string Code, int Line)> Findings(this ConfigLoadResult result) =>
        result.Diagnostics.Select(d => (d.Code, d.Location?.Line ?? 0));

    public static IEnumerable<(string Code, int Line)> ErrorFindings(this ConfigLoadResult result) =>
        result.Errors.Select(d => (d.Code, d.Location?.Line ?? 0));
}
