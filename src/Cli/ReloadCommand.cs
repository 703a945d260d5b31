using System.CommandLine;
using Kad.Control;

namespace Kad.Cli;

/// <summary><c>dotnet-kad reload [--socket PATH]</c>: asks the daemon to reload and reports whether it applied and what changed.</summary>
internal static class ReloadCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var socket = DaemonExit.SocketOption();
        var timeout = DaemonExit.TimeoutOption();
        var command = new Command("reload", "Ask kad to re-read its configuration (a file with errors is refused; the running one stays)");
        command.Options.Add(socket);
        command.Options.Add(timeout);
        command.SetAction(async (result, cancellationToken) =>
        {
            var response = await DaemonExit.AskAsync(result.GetValue(socket)!, ControlCommand.Reload, result.GetValue(timeout), error, cancellationToken);
            if (response is null)
            {
                return DaemonExit.Unreachable;
            }

            if (!response.Ok || response.Reload is null)
            {
                error.WriteLine($"dotnet-kad: kad refused: {response.Error}");
                return DaemonExit.Refused;
            }

            var reload = response.Reload;
            output.WriteLine(reload.Applied ? $"reload applied: {reload.Summary}" : $"reload REFUSED: {reload.Summary}");
            foreach (var change in reload.Changes)
            {
                output.WriteLine($"  {change}");
            }

            foreach (var diagnostic in reload.Diagnostics)
            {
                (reload.Applied ? output : error).WriteLine(diagnostic);
            }

            return reload.Applied ? DaemonExit.Ok : DaemonExit.Refused;
        });
        return command;
    }
}
