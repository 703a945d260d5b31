using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kad.Control;

namespace Kad.Cli;

/// <summary>
/// <c>dotnet-kad plan -f FILE [--json] [--socket PATH]</c>: asks the running daemon what a reload to FILE would change
/// (VRRP instances, then the IPVS operations in ipvsadm's wording and in the order they would be sent); nothing is applied.
/// </summary>
internal static class PlanCommand
{
    /// <summary>FILE has errors: a reload to it would be refused (keepalived's config exit status, as check uses).</summary>
    public const int ExitConfig = 5;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Option<string>("--use-file", "-f")
        {
            Description = "The configuration file a reload would read",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Print the daemon's answer as JSON (for machines)" };
        var socket = DaemonExit.SocketOption();
        var timeout = DaemonExit.TimeoutOption();
        var command = new Command("plan", "Show what a reload to FILE would change in VRRP and IPVS, applying nothing");
        command.Options.Add(file);
        command.Options.Add(json);
        command.Options.Add(socket);
        command.Options.Add(timeout);
        command.SetAction(async (result, cancellationToken) =>
        {
            // The daemon reads the file itself (it may run elsewhere in the tree than we do), so send it a full path.
            var path = Path.GetFullPath(result.GetValue(file)!);
            if (!File.Exists(path))
            {
                error.WriteLine($"dotnet-kad: {path}: no such file");
                return ExitConfig;
            }

            var request = new ControlRequest(ControlProtocol.ProtocolVersion, ControlCommand.Plan, path);
            var response = await DaemonExit.AskAsync(result.GetValue(socket)!, request, result.GetValue(timeout), error, cancellationToken);
            if (response is null)
            {
                return DaemonExit.Unreachable;
            }

            if (!response.Ok || response.Plan is null)
            {
                error.WriteLine($"dotnet-kad: kad refused: {response.Error ?? "no plan in the answer (is kad older than this dotnet-kad?)"}");
                return DaemonExit.Refused;
            }

            var plan = response.Plan;
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(plan, ControlJsonContext.Indented.PlanResult));
            }
            else
            {
                Render(plan, output, error);
            }

            return plan.Usable ? DaemonExit.Ok : ExitConfig;
        });
        return command;
    }

    /// <summary>The human form: findings, VRRP lines, IPVS lines as ipvsadm arguments (edits show the entry they replace).</summary>
    public static void Render(PlanResult plan, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var diagnostic in plan.Diagnostics)
        {
            (plan.Usable ? output : error).WriteLine(diagnostic);
        }

        if (!plan.Usable)
        {
            error.WriteLine($"plan: {plan.ConfigFile} has errors; a reload to it would be refused and change nothing");
            return;
        }

        foreach (var note in plan.Notes)
        {
            output.WriteLine($"note: {note}");
        }

        if (plan.IsEmpty)
        {
            output.WriteLine($"plan: a reload to {plan.ConfigFile} would change nothing");
            return;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plan: a reload to {plan.ConfigFile} would make {plan.Vrrp.Count} VRRP change(s) and {plan.Ipvs.Count} IPVS operation(s)"));
        if (plan.Vrrp.Count > 0)
        {
            output.WriteLine("VRRP:");
            foreach (var change in plan.Vrrp)
            {
                output.WriteLine($"  {change}");
            }
        }

        if (plan.Ipvs.Count > 0)
        {
            output.WriteLine("IPVS (ipvsadm arguments, in the order they would be applied):");
            foreach (var change in plan.Ipvs)
            {
                output.WriteLine(change.Was is null ? $"  {change.ToIpvsadm()}" : $"  {change.ToIpvsadm()}    # was {change.Was}");
            }
        }
    }
}
