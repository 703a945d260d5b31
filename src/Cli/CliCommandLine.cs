using System.CommandLine;
using Kad.Control;

namespace Kad.Cli;

/// <summary>The dotnet-kad command tree. Each subcommand is added here as it lands.</summary>
internal static class CliCommandLine
{
    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("dotnet-kad: ask a running kad what it is doing, and check configurations offline");
        foreach (var option in root.Options.Where(o => o is VersionOption).ToList())
        {
            root.Options.Remove(option);
        }

        var version = new Option<bool>("--version", "-v") { Description = "Print the version and exit" };
        root.Options.Add(version);
        root.Subcommands.Add(StatusCommand.Create(output, error));
        root.Subcommands.Add(ReloadCommand.Create(output, error));
        root.Subcommands.Add(CheckCommand.Create(output, error));
        root.Subcommands.Add(PlanCommand.Create(output, error));
        root.SetAction(result =>
        {
            if (result.GetValue(version))
            {
                output.WriteLine(BuildInfo.VersionLine("dotnet-kad"));
                return 0;
            }

            output.WriteLine("usage: dotnet-kad [--version] <command> (see --help)");
            return 2;
        });
        return root;
    }
}
