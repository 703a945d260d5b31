using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kad.Lvs.LabDriver;

/// <summary>A case's expectation that did not hold; its message becomes the FAIL reason.</summary>
internal sealed class CaseFailedException(string message) : Exception(message);

/// <summary>The guest's own tools (ipvsadm, ip, busybox) and expectation helpers.</summary>
internal static class Guest
{
    public static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new CaseFailedException($"could not start {file}");
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + errors.Result);
    }

    public static string Sh(string commandLine)
    {
        var (code, output) = Run("/bin/sh", "-c", commandLine);
        Check(code == 0, $"`{commandLine}` exited {code}: {OneLine(output)}");
        return output;
    }

    /// <summary>ipvsadm -Ln (numeric table with weights and connection counts).</summary>
    public static string Table() => Sh("ipvsadm -Ln");

    /// <summary>Starts a busybox httpd (foreground, in the background of a shell) in the real-server namespace; returns its pid.</summary>
    public static int StartHttpd(string endpoint)
    {
        var pid = Sh($"ip netns exec {LabNetwork.Namespace} busybox httpd -f -p {endpoint} -h /tmp/www > /dev/null 2>&1 & echo $!").Trim();
        return int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static void Kill(int pid) => Sh($"kill {pid}; while kill -0 {pid} 2>/dev/null; do sleep 0.1; done");

    /// <summary>Polls <paramref name="condition"/> every 100 ms; returns how long it took, or fails after <paramref name="limit"/>.</summary>
    public static TimeSpan WaitFor(Func<bool> condition, TimeSpan limit, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > limit)
            {
                throw new CaseFailedException($"{what} did not happen within {limit.TotalSeconds} s; table: {OneLine(Table())}");
            }

            Thread.Sleep(100);
        }

        return watch.Elapsed;
    }

    public static void Check(bool condition, string why)
    {
        if (!condition)
        {
            throw new CaseFailedException(why);
        }
    }

    public static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Trim();
}

/// <summary>Fixed addresses of the lab topology built by <see cref="LabNetwork.Build"/>.</summary>
internal static class LabNetwork
{
    public const string Namespace = "lvsrs";

    /// <summary>Director side 10.20.0.1 on veth lvsd; real servers 10.20.0.11/.12 inside the namespace; VIPs on lo.</summary>
    public static void Build()
    {
        Guest.Sh(
            $"ip netns add {Namespace} && ip link add lvsd type veth peer name lvsr && ip link set lvsr netns {Namespace} && " +
            "ip addr add 10.20.0.1/24 dev lvsd && ip link set lvsd up && " +
            $"ip netns exec {Namespace} ip addr add 10.20.0.11/24 dev lvsr && ip netns exec {Namespace} ip addr add 10.20.0.12/24 dev lvsr && " +
            $"ip netns exec {Namespace} ip link set lvsr up && ip netns exec {Namespace} ip link set lo up && " +
            $"ip netns exec {Namespace} ip route add default via 10.20.0.1 && " +
            "ip addr add 10.9.0.1/32 dev lo && ip addr add 10.9.0.3/32 dev lo && mkdir -p /tmp/www && echo hello > /tmp/www/index.html");
    }
}

/// <summary>Log lines to stdout with a level prefix (no logging packages in the guest binary).</summary>
internal sealed class ConsoleLoggerFactory : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new ConsoleLogger(categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ConsoleLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.WriteLine($"LOG {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
            }
        }
    }
}
