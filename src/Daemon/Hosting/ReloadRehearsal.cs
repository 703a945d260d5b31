using Kad.Config;
using Kad.Daemon.Lvs;

namespace Kad.Daemon.Hosting;

/// <summary>
/// The reload path run once, right after READY=1, on a small configuration of its own that touches nothing live
/// (no kernel, no checkers, no VRRP): a one-line edit read incrementally, mapped, switched and planned. A start runs
/// only the full-load path, so without this the operator's first reload would pay for compiling the incremental one
/// (in the emulated lab guest, over a second of a 1,000-server reload that otherwise takes tens of milliseconds).
/// Then one full background collection, so that the start's garbage is not collected in the middle of that first reload.
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
        foreach (var weight in (int[])[1, 2])
        {
            var loaded = loader.LoadText(Text(weight), FileName, options);
            if (loaded.HasErrors)
            {
                throw new InvalidOperationException("the rehearsal configuration has errors: " + string.Join("; ", loaded.Errors));
            }

            var changed = planner.SetModel(mapper.Map(loaded.Config));
            var plan = planner.Plan(_ => null, actual, DateTimeOffset.UnixEpoch, changed);
            _ = IpvsDiff.Compute(plan.Desired, actual);
        }

        // A background collection: a blocking one would stop the VRRP interface threads for its whole length.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
        return (loader.LastWasIncremental, planner.LastSwitchWasInPlace);
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
