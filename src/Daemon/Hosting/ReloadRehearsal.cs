using System.Text;
using Kad.Config;
using Kad.Config.Model;
using Kad.Daemon.Lvs;

namespace Kad.Daemon.Hosting;

/// <summary>
/// The reload path run once, on a thread of its own beside the start (so it is done by READY=1 or soon after, and
/// does not compete with an operator's first reload), on a small configuration of its own that touches nothing live
/// (no kernel, no checkers, no VRRP): a one-line edit read incrementally from bytes, checked for VRRP changes,
/// mapped, switched and planned. A start runs only the full-load path, so without this the operator's first reload
/// would pay for compiling the incremental one (in the emulated lab guest, over a second of a 1,000-server reload
/// that otherwise takes tens of milliseconds). At READY=1, <see cref="CollectStartGarbage"/> starts one full
/// background collection, so that the start's garbage is not collected in the middle of that first reload.
/// </summary>
internal static class ReloadRehearsal
{
    private const string FileName = "kad-reload-rehearsal.conf";

    /// <summary>Runs the rehearsal; says whether the edit took the incremental load and the in-place switch (tests).</summary>
    public static (bool Incremental, bool SwitchedInPlace) Run(ConfigLoadOptions options)
    {
        var loader = new IncrementalConfigLoader();
        var mapper = new LvsModelMapper();
        var planner = new LvsPlanner();
        var actual = ActualTable.Empty;
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
            var changed = planner.SetModel(mapper.Map(loaded.Config));
            var plan = planner.Plan(_ => null, actual, DateTimeOffset.UnixEpoch, changed);
            _ = IpvsDiff.Compute(plan.Desired, actual);
        }

        return (loader.LastWasIncremental, planner.LastSwitchWasInPlace);
    }

    /// <summary>
    /// Starts a full collection of the start's garbage in the background (a blocking one would stop the VRRP
    /// interface threads for its whole length); called at READY=1, so it is over before most first reloads.
    /// </summary>
    public static void CollectStartGarbage() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);

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
