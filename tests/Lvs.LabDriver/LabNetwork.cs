using Microsoft.Extensions.Logging;

namespace Kad.Lvs.LabDriver;

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
