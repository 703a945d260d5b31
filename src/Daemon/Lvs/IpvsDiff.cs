using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Lvs;

/// <summary>
/// The smallest ordered list of IPVS operations turning an actual table into a desired one (pure; no I/O).
/// Order: managed destinations that must go, then services that must go (the kernel drops their destinations with
/// them, so they are not deleted one by one), then new or edited services, then new or edited destinations — so a
/// destination is always added after its service and deleted before it. Settings changes are edits, never
/// delete + add, so an edited destination keeps its connections. Counters never cause an operation.
/// </summary>
public static class IpvsDiff
{
    public static IReadOnlyList<IpvsOperation> Compute(DesiredTable desired, ActualTable actual)
    {
        var deleteDestinations = new List<IpvsOperation>();
        var deleteServices = new List<IpvsOperation>();
        var services = new List<IpvsOperation>();
        var destinations = new List<IpvsOperation>();

        foreach (var key in desired.Removed.Where(k => !desired.Services.ContainsKey(k)).OrderBy(k => k.ToString(), StringComparer.Ordinal))
        {
            if (actual.Services.ContainsKey(key))
            {
                deleteServices.Add(new IpvsOperation.DeleteService(key));
            }
        }

        foreach (var (key, want) in desired.Services.OrderBy(s => s.Key.ToString(), StringComparer.Ordinal))
        {
            if (!actual.Services.TryGetValue(key, out var have))
            {
                services.Add(new IpvsOperation.AddService(want.Settings));
                destinations.AddRange(Ordered(want.Present.Values).Select(d => new IpvsOperation.AddDestination(key, d)));
                continue;
            }

            if (have.Settings != want.Settings)
            {
                services.Add(new IpvsOperation.UpdateService(want.Settings));
            }

            foreach (var gone in want.Absent.Where(d => !want.Present.ContainsKey(d) && have.Destinations.ContainsKey(d)).OrderBy(d => d.ToString(), StringComparer.Ordinal))
            {
                deleteDestinations.Add(new IpvsOperation.DeleteDestination(key, gone.Address, gone.Port));
            }

            foreach (var destination in Ordered(want.Present.Values))
            {
                if (!have.Destinations.TryGetValue(DestinationKey.Of(destination), out var existing))
                {
                    destinations.Add(new IpvsOperation.AddDestination(key, destination));
                }
                else if (existing.Settings != destination)
                {
                    destinations.Add(new IpvsOperation.UpdateDestination(key, destination));
                }
            }
        }

        return [.. deleteDestinations, .. deleteServices, .. services, .. destinations];
    }

    private static IEnumerable<IpvsDestination> Ordered(IEnumerable<IpvsDestination> destinations) =>
        destinations.OrderBy(d => d.ToString(), StringComparer.Ordinal);
}
