using System.CommandLine;
using Kad.Config;

namespace Kad.Daemon;

/// <summary>What the operator asked for on the command line, after parsing.</summary>
internal sealed record KadArguments(
    string ConfigFile,
    bool LogConsole,
    bool LogDetail,
    bool ConfigTest,
    bool VrrpOnly,
    bool CheckOnly,
    string? PidFile,
    string StatusSocket,
    string? LogFile = null)
{
    /// <summary>-i/--config-id: the id "@ID" configuration lines are kept for; null means keepalived's default, the
    /// first label of the host name.</summary>
    public string? ConfigId { get; init; }

    /// <summary>How to read the configuration file for these arguments.</summary>
    public ConfigLoadOptions LoadOptions() => new() { ConfigId = ConfigId ?? ConfigLoadOptions.DefaultConfigId() };
}

/// <summary>
/// keepalived's command line, so a unit file can swap binaries: the same short and long names mean the same things.
/// Options that only make sense for keepalived's multi-process model (-n) are accepted and have no effect.
/// </summary>
internal static class KadCommandLine
{
    public const string DefaultConfigFile = "/etc/keepalived/keepalived.conf";
    public const string DefaultStatusSocket = "/run/kad/kad.sock";

    private static readonly Option<string> UseFile = new("--use-file", "-f")
    {
        Description = "Configuration file to read",
        DefaultValueFactory = _ => DefaultConfigFile,
    };
    private static readonly Option<bool> DontFork = new("--dont-fork", "-n") { Description = "Accepted for keepalived compatibility: kad never forks" };
    private static readonly Option<bool> LogConsole = new("--log-console", "-l") { Description = "Log to the console (stdout) instead of syslog" };
    private static readonly Option<string?> LogFile = new("--log-file", "-g") { Description = "Also log to FILE" };
    private static readonly Option<bool> LogDetail = new("--log-detail", "-D") { Description = "Detailed logging" };
    private static readonly Option<bool> ConfigTest = new("--config-test", "-t") { Description = "Check the configuration file and exit (0 usable, 5 not)" };
    private static readonly Option<bool> Vrrp = new("--vrrp", "-P") { Description = "Run only the VRRP half" };
    private static readonly Option<bool> Check = new("--check", "-C") { Description = "Run only the health-checker half" };
    private static readonly Option<string?> PidFile = new("--pid", "-p") { Description = "PID file to write" };
    private static readonly Option<bool> Version = new("--version", "-v") { Description = "Print the version and exit" };
    private static readonly Option<string?> ConfigId = new("--config-id", "-i")
    {
        Description = "Keep '@ID' configuration lines for this id and skip '@^ID' ones (default: the host name's first label)",
    };
    private static readonly Option<string> StatusSocket = new("--status-socket")
    {
        Description = "Unix socket for dotnet-kad status",
        DefaultValueFactory = _ => DefaultStatusSocket,
    };

    public static RootCommand Build(Func<KadArguments, int> run, TextWriter output)
    {
        var root = new RootCommand("kad: Keepalived.Net, a VRRP and IPVS health-checking daemon");
        // Our own --version/-v replaces the built-in one, which knows no -v.
        foreach (var option in root.Options.Where(o => o is VersionOption).ToList())
        {
            root.Options.Remove(option);
        }

        root.Options.Add(UseFile);
        root.Options.Add(DontFork);
        root.Options.Add(LogConsole);
        root.Options.Add(LogFile);
        root.Options.Add(LogDetail);
        root.Options.Add(ConfigTest);
        root.Options.Add(Vrrp);
        root.Options.Add(Check);
        root.Options.Add(PidFile);
        root.Options.Add(Version);
        root.Options.Add(ConfigId);
        root.Options.Add(StatusSocket);
        root.SetAction(result =>
        {
            if (result.GetValue(Version))
            {
                output.WriteLine(Kad.Control.BuildInfo.VersionLine("kad"));
                return 0;
            }

            return run(new KadArguments(
                result.GetValue(UseFile)!,
                result.GetValue(LogConsole),
                result.GetValue(LogDetail),
                result.GetValue(ConfigTest),
                result.GetValue(Vrrp),
                result.GetValue(Check),
                result.GetValue(PidFile),
                result.GetValue(StatusSocket)!,
                result.GetValue(LogFile))
            {
                ConfigId = result.GetValue(ConfigId),
            });
        });
        return root;
    }
}
