using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Kad.Control;

namespace Kad.Cli;

/// <summary>Exit statuses of the commands that talk to the daemon.</summary>
internal static class DaemonExit
{
    public const int Ok = 0;

    /// <summary>The daemon answered but refused (an error, a refused reload).</summary>
    public const int Refused = 1;

    /// <summary>No daemon answered on the socket (like systemctl's "not running").</summary>
    public const int Unreachable = 3;

    /// <summary>How long to wait for an answer unless --timeout says otherwise: a reload of a large configuration takes seconds.</summary>
    public const double DefaultTimeoutSeconds = 30;

    public static Option<string> SocketOption() => new("--socket", "-s")
    {
        Description = "The daemon's status socket",
        DefaultValueFactory = _ => "/run/kad/kad.sock",
    };

    public static Option<double> TimeoutOption() => new("--timeout")
    {
        Description = "Seconds to wait for the daemon's answer",
        DefaultValueFactory = _ => DefaultTimeoutSeconds,
    };

    /// <summary>Asks the daemon; null (with the reason written to <paramref name="error"/>) when it cannot be reached.</summary>
    public static Task<ControlResponse?> AskAsync(string socket, ControlCommand command, double timeoutSeconds, TextWriter error, CancellationToken cancellationToken) =>
        AskAsync(socket, new ControlRequest(ControlProtocol.ProtocolVersion, command), timeoutSeconds, error, cancellationToken);

    public static async Task<ControlResponse?> AskAsync(string socket, ControlRequest request, double timeoutSeconds, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            return await ControlClient.SendAsync(socket, request, TimeSpan.FromSeconds(Math.Max(0.1, timeoutSeconds)), cancellationToken);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ControlProtocolException or UnauthorizedAccessException)
        {
            error.WriteLine($"dotnet-kad: cannot reach kad on {socket}: {e.Message}");
            return null;
        }
    }
}

/// <summary><c>dotnet-kad status [--json] [--socket PATH]</c>: what the running daemon is doing.</summary>
internal static class StatusCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var json = new Option<bool>("--json") { Description = "Print the daemon's answer as JSON (for machines)" };
        var socket = DaemonExit.SocketOption();
        var timeout = DaemonExit.TimeoutOption();
        var command = new Command("status", "Show VRRP instances, virtual servers and daemon information");
        command.Options.Add(json);
        command.Options.Add(socket);
        command.Options.Add(timeout);
        command.SetAction(async (result, cancellationToken) =>
        {
            var response = await DaemonExit.AskAsync(result.GetValue(socket)!, ControlCommand.Status, result.GetValue(timeout), error, cancellationToken);
            if (response is null)
            {
                return DaemonExit.Unreachable;
            }

            if (!response.Ok || response.Status is null)
            {
                error.WriteLine($"dotnet-kad: kad refused: {response.Error}");
                return DaemonExit.Refused;
            }

            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(response.Status, ControlJsonContext.Indented.DaemonStatus));
            }
            else
            {
                output.Write(Render(response.Status));
            }

            return DaemonExit.Ok;
        });
        return command;
    }

    /// <summary>The human form: a daemon line, then one table of instances and one of real servers per virtual server.</summary>
    public static string Render(DaemonStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var text = new StringWriter(CultureInfo.InvariantCulture);
        var daemon = status.Daemon;
        text.WriteLine(Invariant($"kad {daemon.Version}, pid {daemon.Pid}, up {Duration(daemon.UptimeSeconds)}"));
        text.WriteLine(Invariant($"config {daemon.ConfigFile} (sha256 {Short(daemon.ConfigSha256)})"));
        if (daemon.LastReload is { } reload)
        {
            text.WriteLine(Invariant($"last reload {reload.At:u}: {(reload.Applied ? "applied" : "REFUSED")}, {reload.Summary}"));
        }

        text.WriteLine();
        if (status.Instances.Count == 0)
        {
            text.WriteLine("no VRRP instances");
        }
        else
        {
            var rows = status.Instances.Select(i => new[]
            {
                i.Name, i.Interface, Invariant($"{i.VirtualRouterId}"), Invariant($"v{i.Version}"), i.State,
                Invariant($"{i.Priority}"), Invariant($"{i.EffectivePriority}"), i.MasterAddress ?? "-",
                string.Join(' ', i.VirtualAddresses), Invariant($"{i.Transitions}"), Invariant($"{i.DropsByReason.Values.Sum()}"),
            });
            Table(text, ["INSTANCE", "INTERFACE", "VRID", "VER", "STATE", "PRIO", "EFFECTIVE", "MASTER", "VIPS", "TRANSITIONS", "DROPS"], rows);
        }

        foreach (var server in status.VirtualServers)
        {
            text.WriteLine();
            var persistence = server.PersistenceSeconds is { } seconds ? Invariant($", persistent {seconds} s") : "";
            text.WriteLine(Invariant($"virtual server {server.Key}: {server.Scheduler} {server.ForwardingMethod}{persistence}{(server.InKernel ? "" : " (not in kernel)")}, quorum {(server.QuorumUp ? "up" : "DOWN")}"));
            if (server.Services is { Count: > 1 } services)
            {
                text.WriteLine($"  services {string.Join(", ", services)}");
            }

            var rows = server.RealServers.Select(r => new[]
            {
                r.Address, r.Health, Invariant($"{r.ConfiguredWeight}"), r.KernelWeight is { } w ? Invariant($"{w}") : "-",
                r.LastResult ?? "-", r.LastLatencyMs is { } ms ? Invariant($"{ms:F1} ms") : "-",
                Invariant($"{r.ActiveConnections}"), Invariant($"{r.InactiveConnections}"), Invariant($"{r.ConnectionsPerSecond}"),
            });
            Table(text, ["REAL SERVER", "HEALTH", "WEIGHT", "KERNEL", "LAST CHECK", "LATENCY", "ACTIVE", "INACTIVE", "CONN/S"], rows);
        }

        return text.ToString();
    }

    /// <summary>Left-aligned columns two spaces apart, sized to the widest cell.</summary>
    internal static void Table(TextWriter text, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(headers).ToList();
        var widths = headers.Select((_, column) => all.Max(r => r[column].Length)).ToArray();
        foreach (var row in all)
        {
            text.WriteLine(string.Join("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
        }
    }

    private static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return span.TotalDays >= 1 ? Invariant($"{(int)span.TotalDays}d{span.Hours}h{span.Minutes}m") : Invariant($"{span.Hours}h{span.Minutes}m{span.Seconds}s");
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
