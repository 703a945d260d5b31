using System.Collections.Immutable;
using System.Net;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Lvs;

/// <summary>A destination's identity inside its service: address and port.</summary>
public readonly record struct DestinationKey(IPAddress Address, ushort Port)
{
    public static DestinationKey Of(IpvsDestination destination) => new(destination.Address, destination.Port);

    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}

/// <summary>A destination as the kernel reports it: settings (compared by the diff) and connection counts (never compared).</summary>
public sealed record ActualDestination(IpvsDestination Settings, uint ActiveConnections = 0, uint InactiveConnections = 0);

/// <summary>A service as the kernel reports it, with its destinations by key.</summary>
public sealed record ActualService(IpvsService Settings, ImmutableDictionary<DestinationKey, ActualDestination> Destinations);

/// <summary>The kernel's IPVS table, keyed by service identity: what a dump returned.</summary>
public sealed record ActualTable(ImmutableDictionary<IpvsServiceKey, ActualService> Services)
{
    public static ActualTable Empty { get; } = new(ImmutableDictionary<IpvsServiceKey, ActualService>.Empty);

    /// <summary>Builds a table from a dump (<see cref="IpvsClient.GetTable"/> or anything shaped like it).</summary>
    public static ActualTable FromDump(IEnumerable<(IpvsService Service, IEnumerable<ActualDestination> Destinations)> dump) =>
        new(dump.ToImmutableDictionary(
            s => s.Service.Key,
            s => new ActualService(s.Service, s.Destinations.ToImmutableDictionary(d => DestinationKey.Of(d.Settings)))));

    /// <summary>
    /// This table once <paramref name="applied"/> (operations the kernel accepted, in order) took effect: what the
    /// kernel holds then, known without dumping it again. New destinations start without connections; edited ones
    /// keep their counters.
    /// </summary>
    public ActualTable With(IEnumerable<IpvsOperation> applied)
    {
        var services = Services.ToBuilder();
        foreach (var operation in applied)
        {
            switch (operation)
            {
                case IpvsOperation.AddService add:
                    services[add.Service.Key] = new ActualService(add.Service, ImmutableDictionary<DestinationKey, ActualDestination>.Empty);
                    break;
                case IpvsOperation.UpdateService update when services.TryGetValue(update.Service.Key, out var service):
                    services[update.Service.Key] = service with { Settings = update.Service };
                    break;
                case IpvsOperation.DeleteService delete:
                    services.Remove(delete.Key);
                    break;
                case IpvsOperation.AddDestination add when services.TryGetValue(add.Service, out var service):
                    services[add.Service] = service with { Destinations = service.Destinations.SetItem(DestinationKey.Of(add.Destination), new ActualDestination(add.Destination)) };
                    break;
                case IpvsOperation.UpdateDestination update when services.TryGetValue(update.Service, out var service):
                    var key = DestinationKey.Of(update.Destination);
                    var edited = service.Destinations.TryGetValue(key, out var had) ? had with { Settings = update.Destination } : new ActualDestination(update.Destination);
                    services[update.Service] = service with { Destinations = service.Destinations.SetItem(key, edited) };
                    break;
                case IpvsOperation.DeleteDestination delete when services.TryGetValue(delete.Service, out var service):
                    services[delete.Service] = service with { Destinations = service.Destinations.Remove(new DestinationKey(delete.Address, delete.Port)) };
                    break;
            }
        }

        return new ActualTable(services.ToImmutable());
    }

    /// <summary>This table with one service as a fresh read found it (null: the kernel does not have it).</summary>
    public ActualTable WithService(IpvsServiceKey key, ActualService? read) =>
        new(read is null ? Services.Remove(key) : Services.SetItem(key, read));
}

/// <summary>
/// What kad wants for one service it manages: the service's settings, the destinations that must be present with
/// exactly these settings, and the managed destinations that must be absent. A destination in neither set is not
/// kad's (added by hand or by another tool) and is left alone.
/// </summary>
public sealed record DesiredService(
    IpvsService Settings,
    ImmutableDictionary<DestinationKey, IpvsDestination> Present,
    ImmutableHashSet<DestinationKey> Absent)
{
    public DesiredService(IpvsService settings, IEnumerable<IpvsDestination> present, IEnumerable<DestinationKey>? absent = null)
        : this(settings, present.ToImmutableDictionary(DestinationKey.Of), (absent ?? []).ToImmutableHashSet())
    {
    }
}

/// <summary>
/// The table kad wants: services it manages (by key) and managed services that must be gone (removed from the
/// configuration by a reload). Services in neither are not kad's and are left alone.
/// </summary>
public sealed record DesiredTable(ImmutableDictionary<IpvsServiceKey, DesiredService> Services, ImmutableHashSet<IpvsServiceKey> Removed)
{
    public static DesiredTable Empty { get; } = new(ImmutableDictionary<IpvsServiceKey, DesiredService>.Empty, []);

    public DesiredTable(IEnumerable<DesiredService> services, IEnumerable<IpvsServiceKey>? removed = null)
        : this(services.ToImmutableDictionary(s => s.Settings.Key), (removed ?? []).ToImmutableHashSet())
    {
    }
}
