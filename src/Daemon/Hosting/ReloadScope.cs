using Kad.Config.Model;

namespace Kad.Daemon.Hosting;

/// <summary>Which halves a reload must hand the new configuration to.</summary>
internal static class ReloadScope
{
    /// <summary>
    /// Whether the VRRP half can be left out of a reload from <paramref name="running"/> to <paramref name="next"/>:
    /// everything but the LVS part (virtual servers, their groups, SSL settings) is equal, so the half's own plan
    /// would keep every unit as it is. Not when its reload does more than that plan: <c>track_file … init_file</c>
    /// (a reload writes a missing file again) or <c>vrrp_startup_delay</c> (a reload during the delay replaces the
    /// configuration the instances start with and says so). Saves the half's work and, on the first reload after a
    /// start, compiling its path: a one-line edit of a virtual server is the common reload of a large director.
    /// </summary>
    public static bool LeavesVrrpAlone(KeepalivedConfig running, KeepalivedConfig next)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(next);
        if (next.Global.VrrpStartupDelay is { } delay && delay > TimeSpan.Zero)
        {
            return false;
        }

        if (next.TrackFiles.Any(f => f.InitValue is not null))
        {
            return false;
        }

        // Compared as a whole record, so a setting added to the model later is compared too. An incremental load
        // keeps every other part as the very same object, which makes this a few reference checks.
        var sameLvs = running with { VirtualServers = next.VirtualServers, VirtualServerGroups = next.VirtualServerGroups, Ssl = next.Ssl };
        return sameLvs == next;
    }
}
