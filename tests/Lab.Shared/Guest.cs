using System.Diagnostics;

// The netlink driver's cases import this class as Kad.Netlink.LabDriver.Guest (using static), so that driver defines
// NETLINK_LAB_DRIVER; the LVS driver uses it as Kad.Lab.Guest.
#if NETLINK_LAB_DRIVER
namespace Kad.Netlink.LabDriver;
#else
namespace Kad.Lab;
#endif

/// <summary>A case's expectation that did not hold; its message becomes the FAIL reason.</summary>
internal sealed class CaseFailedException(string message) : Exception(message);

/// <summary>
/// Running the guest's own tools (ipvsadm, ip, busybox) and checking expectations, for the kernel-lab drivers.
/// Compiled into each driver as a linked file (tests/Lab.Shared): the drivers are trimmed single-file programs and
/// must not pull in NUnit. Each driver adds its own helpers in another part of this partial class.
/// </summary>
internal static partial class Guest
{
    /// <summary>Runs a program without a shell; returns its exit status and its stdout followed by its stderr.</summary>
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, string? standardInputPath = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInputPath is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new CaseFailedException($"could not start {file}");
        if (standardInputPath is not null)
        {
            using (var input = File.OpenRead(standardInputPath))
            {
                input.CopyTo(process.StandardInput.BaseStream);
            }

            process.StandardInput.Close();
        }

        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + errors.Result);
    }

    /// <summary>Runs a command that must succeed and returns its output.</summary>
    public static string Must(string file, IReadOnlyList<string> arguments)
    {
        var (code, output) = Run(file, arguments);
        Check(code == 0, $"`{Path.GetFileName(file)} {string.Join(' ', arguments)}` exited {code}: {OneLine(output)}");
        return output;
    }

    /// <summary>A shell command line that must succeed.</summary>
    public static string Sh(string commandLine) => Must("/bin/sh", ["-c", commandLine]);

    /// <summary>Whether a shell command line succeeds.</summary>
    public static bool Succeeds(string commandLine) => Run("/bin/sh", ["-c", commandLine]).ExitCode == 0;

    public static void Check(bool condition, string why)
    {
        if (!condition)
        {
            throw new CaseFailedException(why);
        }
    }

    public static void Equal<T>(T actual, T expected, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
        {
            throw new CaseFailedException($"{what}: expected {expected}, got {actual}");
        }
    }

    public static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Trim();
}
