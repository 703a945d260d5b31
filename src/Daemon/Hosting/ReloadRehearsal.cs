using System.Text;
using Kad.Config;
using Kad.Config.Model;
using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serilog;
using ILogger = Microsoft.Extensions.Logging.ILogger;
using Serilog.Core;
using Serilog.Events;

namespace Kad.Daemon.Hosting;

/// <summary>
/// The reload path run once, on a thread of its own beside the start (so it is done by READY=1 or soon after, and
/// does not compete with an operator's first reload), on a small configuration of its own that touches nothing live
/// (no kernel, no checkers, no VRRP, no log): a one-line edit read incrementally from bytes, checked for VRRP
/// changes, mapped, switched and planned, then reloaded by a reconciler of its own over a table in memory; and one
/// line with two text arguments (the shape of the reconciler's per-operation line, logged before the operation is
/// sent) through a Serilog pipeline of its own that writes nowhere, which compiles the generic logging code the
/// daemon's log shares with it. A start runs only the full-load path, so without this the operator's first reload
/// would pay for compiling the incremental one (in the emulated lab guest, over a second of a 1,000-server reload
/// that otherwise takes tens of milliseconds). At READY=1, <see cref="CollectStartGarbage"/> starts one full
/// background collection, so that the start's garbage is not collected in the middle of that first reload.
/// </summary>
internal static partial class ReloadRehearsal
{
    private const string FileName = "kad-reload-rehearsal.conf";

    /// <summary>
    /// Runs the rehearsal; says whether the edit took the incremental load and the in-place switch, and which
    /// operations the reconciler's reload pass sent to its table in memory (tests).
    /// </summary>
    public static (bool Incremental, bool SwitchedInPlace, IReadOnlyList<IpvsOperation> ReloadOperations) Run(ConfigLoadOptions options)
    {
        var loader = new IncrementalConfigLoader();
        var mapper = new LvsModelMapper();
        var planner = new LvsPlanner();
        var actual = ActualTable.Empty;
        var models = new List<LvsModel>();
        KeepalivedConfig? last = null;
        foreach (var weight in (int[])[1, 2])
        {
            var loaded = loader.LoadUtf8(Encoding.UTF8.GetBytes(Text(weight)), FileName, options);
            if (loaded.HasErrors)
            {
                throw new InvalidOperationException("the rehearsal configuration has errors: " + string.Join("; ", loaded.Errors));
            }

            if (last is not null && !ReloadScope.LeavesVrrpAlone(last, loaded.Config))
            {
                throw new InvalidOperationException("the rehearsal's edit should leave VRRP alone");
            }

            last = loaded.Config;
            models.Add(mapper.Map(loaded.Config));
            var changed = planner.SetModel(models[^1]);
            var plan = planner.Plan(_ => null, actual, DateTimeOffset.UnixEpoch, changed);
            _ = IpvsDiff.Compute(plan.Desired, actual);
        }

        RehearseLogging();

        // The reconciler's own reload pass (its model switch, the read of the changed service, plan, diff, the
        // operation's description), over a table in memory and without a log: started, reloaded, stopped.
        var table = new MemoryTable();
        var service = new LvsService(table, timeProvider: TimeProvider.System, loggerFactory: NullLoggerFactory.Instance);
        try
        {
            service.StartAsync(models[0], CancellationToken.None).GetAwaiter().GetResult();
            table.Sent.Clear();
            service.ReloadAsync(models[1], CancellationToken.None).GetAwaiter().GetResult();
            var reloadOperations = table.Sent.ToList();
            service.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            return (loader.LastWasIncremental, planner.LastSwitchWasInPlace, reloadOperations);
        }
        finally
        {
            service.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Starts a full collection of the start's garbage in the background (a blocking one would stop the VRRP
    /// interface threads for its whole length); called at READY=1, so it is over before most first reloads.
    /// </summary>
    public static void CollectStartGarbage() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);

    /// <summary>The generic code of a two-text-argument line, through the same layers as the daemon's log (Microsoft.Extensions.Logging over Serilog) into no sink.</summary>
    private static void RehearseLogging()
    {
        using var serilog = new Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new Nowhere()).CreateLogger();
        using var factory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddSerilog(serilog, dispose: false));
        LogRehearsed(factory.CreateLogger<LvsService>(), "IPVS SET_DEST", "rehearsal");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} {Subject}")]
    private static partial void LogRehearsed(ILogger logger, string operation, string subject);

    /// <summary>A Serilog sink that drops every event.</summary>
    private sealed class Nowhere : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
        }
    }

    /// <summary>An IPVS table in memory that takes every operation; what was sent is kept.</summary>
    private sealed class MemoryTable : IIpvsTable
    {
        private ActualTable _table = ActualTable.Empty;

        public List<IpvsOperation> Sent { get; } = [];

        public ActualTable Read() => _table;

        public ActualService? ReadService(IpvsServiceKey key) => _table.Services.GetValueOrDefault(key);

        public IReadOnlyList<LvsOperationFailure> Apply(IReadOnlyList<IpvsOperation> operations)
        {
            Sent.AddRange(operations);
            _table = _table.With(operations);
            return [];
        }

        public void Flush() => _table = ActualTable.Empty;

        public void SetTimeouts(IpvsTimeouts timeouts)
        {
        }
    }

    /// <summary>Two NAT services; only one real server's weight differs between the two texts, as in a one-line reload.</summary>
    private static string Text(int weight) => $$"""
        virtual_server 192.0.2.1 80 {
            lb_algo wrr
            lb_kind NAT
            protocol TCP
            real_server 198.51.100.1 80 {
                weight {{weight}}
            }
            real_server 198.51.100.2 80 {
                weight 1
            }
        }
        virtual_server 192.0.2.2 80 {
            lb_algo wrr
            lb_kind NAT
            protocol TCP
            real_server 198.51.100.3 80 {
                weight 1
            }
        }
        """;
}
