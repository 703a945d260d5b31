using System.Text.Json;
using Kad.Control;
using Kad.Testing;

namespace Kad.Daemon.Tests;

/// <summary>The build outputs of kad and dotnet-kad (same configuration as these tests), run with `dotnet`.</summary>
internal static class KadBinaries
{
    /// <summary>Debug or Release: the tests run from tests/Daemon.Tests/bin/CONFIGURATION/net10.0/.</summary>
    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

    public static string Kad => Path.Combine(RepoPaths.Root, "src", "Daemon", "bin", Configuration, "net10.0", "kad.dll");

    public static string Cli => Path.Combine(RepoPaths.Root, "src", "Cli", "bin", Configuration, "net10.0", "dotnet-kad.dll");

    public static void Require()
    {
        LabPolicy.Require(File.Exists(Kad), $"kad build output missing: {Kad}");
        LabPolicy.Require(File.Exists(Cli), $"dotnet-kad build output missing: {Cli}");
    }

    /// <summary>`dotnet-kad status --json`, parsed; null when the command failed.</summary>
    public static DaemonStatus? Status(string socket)
    {
        var result = ProcessRunner.Run("dotnet", [Cli, "status", "--json", "--socket", socket], TimeSpan.FromSeconds(20));
        return result.ExitCode == 0 ? JsonSerializer.Deserialize(result.StandardOutput, ControlJsonContext.Default.DaemonStatus) : null;
    }

    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(200);
        }

        return condition();
    }
}
