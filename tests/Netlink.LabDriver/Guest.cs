using System.Diagnostics;

namespace Kad.Netlink.LabDriver;

/// <summary>A case's expectation that did not hold; its message becomes the FAIL reason.</summary>
internal sealed class CaseFailedException(string message) : Exception(message);

/// <summary>Runs the guest's own tools (ipvsadm, ip, busybox) and checks expectations.</summary>
internal static class Guest
{
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

    /// <summary>ipvsadm with space-separated arguments (none of ours contain spaces).</summary>
    public static string Ipvsadm(string arguments) => Must("/usr/sbin/ipvsadm", Split(arguments));

    public static (int ExitCode, string Output) TryIpvsadm(string arguments) => Run("/usr/sbin/ipvsadm", Split(arguments));

    public static string Ip(string arguments) => Must("/sbin/ip", Split(arguments));

    public static string Sh(string commandLine) => Must("/bin/sh", ["-c", commandLine]);

    private static string[] Split(string arguments) => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);

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

    /// <summary>Two tool outputs must match line for line; the first difference is reported.</summary>
    public static void SameText(string ours, string reference, string what)
    {
        var a = ours.Split('\n');
        var b = reference.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var left = i < a.Length ? a[i].TrimEnd() : "<none>";
            var right = i < b.Length ? b[i].TrimEnd() : "<none>";
            if (left != right)
            {
                throw new CaseFailedException($"{what} line {i + 1}: ours '{left}' vs ipvsadm's '{right}'");
            }
        }
    }

    public static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Trim();
}
