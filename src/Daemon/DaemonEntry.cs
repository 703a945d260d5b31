using Kad.Config;
using Kad.Daemon.Hosting;
using Kad.Daemon.Logging;
using Kad.Daemon.Planning;
using Kad.Daemon.Status;
using Kad.Daemon.Systemd;
using Kad.Daemon.Vrrp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Kad.Daemon;

/// <summary>Runs the daemon for parsed arguments: the composition root.</summary>
internal static class DaemonEntry
{
    /// <summary>keepalived's exit status for an unusable configuration (KEEPALIVED_EXIT_CONFIG).</summary>
    public const int ExitConfig = 5;

    public static int Run(KadArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.ConfigTest)
        {
            return ConfigTestExit(arguments);
        }

        using var logger = KadLogging.Create(arguments, Environment.GetEnvironmentVariable);
        using var notifier = SystemdNotifier.FromEnvironment();
        try
        {
            using var host = BuildHost(arguments, logger, notifier);
            host.Run();
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.Fatal(e, "kad stopped: {Reason}", e.Message);
            notifier.Notify(SystemdMessages.Status("failed: " + e.Message));
            return 1;
        }
    }

    /// <summary>The host with every service registered; tests build it with their own notifier.</summary>
    internal static IHost BuildHost(KadArguments arguments, Serilog.ILogger logger, ISystemdNotifier notifier)
    {
        // The empty builder reads no appsettings or environment configuration: nothing reflection-bound, trimming-safe.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "kad" });
        builder.Logging.ClearProviders().AddSerilog(logger, dispose: false);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddSingleton(arguments);
        builder.Services.AddSingleton(notifier);
        builder.Services.AddSingleton(TimeProvider.System);
        // -P / -C run one half, like keepalived's --vrrp / --check; neither runs both.
        if (!arguments.CheckOnly || arguments.VrrpOnly)
        {
            builder.Services.AddSingleton<IDaemonHalf, VrrpHalf>();
        }

        if (!arguments.VrrpOnly || arguments.CheckOnly)
        {
            builder.Services.AddSingleton<IDaemonHalf, LvsHalf>();
        }

        builder.Services.AddSingleton<IKernelTableSource, NetlinkKernelTableSource>();
        builder.Services.AddSingleton<DaemonController>();
        builder.Services.AddHostedService<KadHostedService>();
        builder.Services.AddHostedService<StatusServer>();
        return builder.Build();
    }

    /// <summary><c>kad -t</c>: 0 when the file is usable, 5 when not; findings on stderr as FILE:LINE:COL: error|warning: message.</summary>
    private static int ConfigTestExit(KadArguments arguments)
    {
        var result = KeepalivedConfigLoader.Load(arguments.ConfigFile, arguments.LoadOptions());
        DiagnosticFormatter.Write(result.Diagnostics, Console.Error);

        return result.HasErrors ? ExitConfig : 0;
    }
}
