using System.Globalization;
using System.Text;
using Kad.Control;

namespace Kad.Daemon.Status;

/// <summary>
/// The SIGUSR1 / SIGUSR2 dumps, in the spirit of keepalived's /tmp/keepalived.data and /tmp/keepalived.stats:
/// human-readable text, rewritten whole on each signal.
/// </summary>
internal static class DumpWriter
{
    public const string DataPath = "/tmp/kad.data";
    public const string StatsPath = "/tmp/kad.stats";

    public static string Data(DaemonStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var text = new StringBuilder();
        var info = status.Daemon;
        Line(text, $"------< kad {info.Version} data >------");
        Line(text, $" pid = {info.Pid}");
        Line(text, $" started = {info.StartedAt:u}, uptime = {info.UptimeSeconds:F0} s");
        Line(text, $" config file = {info.ConfigFile}");
        Line(text, $" config sha256 = {info.ConfigSha256}");
        if (info.LastReload is { } reload)
        {
            Line(text, $" last reload = {reload.At:u} {(reload.Applied ? "applied" : "refused")}: {reload.Summary}");
        }

        Line(text, "------< VRRP Topology >------");
        foreach (var instance in status.Instances)
        {
            Line(text, $" VRRP Instance = {instance.Name}");
            Line(text, $"   State = {instance.State}");
            Line(text, $"   Interface = {instance.Interface}");
            Line(text, $"   Virtual Router ID = {instance.VirtualRouterId}");
            Line(text, $"   Version = {instance.Version}");
            Line(text, $"   Priority = {instance.Priority}, effective = {instance.EffectivePriority}");
            Line(text, $"   Master address = {instance.MasterAddress ?? "-"}");
            Line(text, $"   Virtual IP = {instance.VirtualAddresses.Count}");
            foreach (var address in instance.VirtualAddresses)
            {
                Line(text, $"     {address}");
            }
        }

        Line(text, "------< LVS Topology >------");
        foreach (var server in status.VirtualServers)
        {
            Line(text, $" Virtual Server = {server.Key}, {server.Scheduler}, {server.ForwardingMethod}, quorum {(server.QuorumUp ? "up" : "down")}");
            foreach (var real in server.RealServers)
            {
                Line(text, $"   Real Server = {real.Address}, {real.Health}, weight {real.ConfiguredWeight} (kernel {real.KernelWeight?.ToString(CultureInfo.InvariantCulture) ?? "-"})");
            }
        }

        return text.ToString();
    }

    public static string Stats(DaemonStatus status, IReadOnlyList<string> extra)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(extra);
        var text = new StringBuilder();
        Line(text, $"------< kad {status.Daemon.Version} statistics >------");
        foreach (var instance in status.Instances)
        {
            Line(text, $"VRRP Instance: {instance.Name}");
            Line(text, $"  Transitions: {instance.Transitions}");
            Line(text, $"  Last transition: {(instance.LastTransition is { } at ? at.ToString("u", CultureInfo.InvariantCulture) : "-")}");
            Line(text, "  Dropped packets:");
            foreach (var (reason, count) in instance.DropsByReason.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                Line(text, $"    {reason}: {count}");
            }
        }

        foreach (var line in extra)
        {
            Line(text, line);
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, FormattableString line) => text.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
