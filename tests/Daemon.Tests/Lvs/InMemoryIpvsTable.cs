using System.Collections.Immutable;
using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Tests.Lvs;

/// <summary>
/// An IPVS table in memory with the kernel's refusals (EEXIST, ESRCH, ENOENT as ip_vs_ctl.c gives them), recording
/// every operation it was asked to apply. Connection counts can be set to stand for live traffic.
/// </summary>
internal sealed class InMemoryIpvsTable : IIpvsTable
{
    private ActualTable _table;

    public InMemoryIpvsTable(ActualTable? initial = null) => _table = initial ?? ActualTable.Empty;

    public List<IpvsOperation> Applied { get; } = [];

    public int Flushes { get; private set; }

    public int Reads { get; private set; }

    public ActualTable Current => _table;

    /// <summary>Services read one by one (<see cref="ReadService"/>), in order.</summary>
    public List<IpvsServiceKey> ServiceReads { get; } = [];

    public ActualTable Read()
    {
        Reads++;
        return _table;
    }

    public ActualService? ReadService(IpvsServiceKey key)
    {
        ServiceReads.Add(key);
        return _table.Services.GetValueOrDefault(key);
    }

    /// <summary>What <c>lvs_timeouts</c> last set (null: never).</summary>
    public IpvsTimeouts? Timeouts { get; private set; }

    public void SetTimeouts(IpvsTimeouts timeouts) => Timeouts = timeouts;

    public void Flush()
    {
        Flushes++;
        _table = ActualTable.Empty;
    }

    public IReadOnlyList<LvsOperationFailure> Apply(IReadOnlyList<IpvsOperation> operations)
    {
        var failures = new List<LvsOperationFailure>();
        foreach (var operation in operations)
        {
            Applied.Add(operation);
            if (ApplyOne(operation) is { } error)
            {
                failures.Add(new LvsOperationFailure(operation, error, false));
            }
        }

        return failures;
    }

    /// <summary>Changes the table behind kad's back, as ipvsadm would.</summary>
    public void Tamper(Func<ActualTable, ActualTable> change) => _table = change(_table);

    public void SetConnections(IpvsServiceKey service, DestinationKey destination, uint active) =>
        _table = _table with
        {
            Services = _table.Services.SetItem(service, _table.Services[service] with
            {
                Destinations = _table.Services[service].Destinations.SetItem(destination, _table.Services[service].Destinations[destination] with { ActiveConnections = active }),
            }),
        };

    /// <summary>Applies one operation to a table; null on success, else the errno name the kernel would give.</summary>
    public static string? Apply(ref ActualTable table, IpvsOperation operation)
    {
        var services = table.Services;
        switch (operation)
        {
            case IpvsOperation.AddService add:
                if (services.ContainsKey(add.Service.Key))
                {
                    return "EEXIST";
                }

                table = new(services.Add(add.Service.Key, new ActualService(add.Service, ImmutableDictionary<DestinationKey, ActualDestination>.Empty)));
                return null;
            case IpvsOperation.UpdateService update:
                if (!services.TryGetValue(update.Service.Key, out var edited))
                {
                    return "ESRCH";
                }

                table = new(services.SetItem(update.Service.Key, edited with { Settings = update.Service }));
                return null;
            case IpvsOperation.DeleteService delete:
                if (!services.ContainsKey(delete.Key))
                {
                    return "ESRCH";
                }

                table = new(services.Remove(delete.Key));
                return null;
            case IpvsOperation.AddDestination addDestination:
                {
                    if (!services.TryGetValue(addDestination.Service, out var service))
                    {
                        return "ESRCH";
                    }

                    var key = DestinationKey.Of(addDestination.Destination);
                    if (service.Destinations.ContainsKey(key))
                    {
                        return "EEXIST";
                    }

                    table = new(services.SetItem(addDestination.Service, service with { Destinations = service.Destinations.Add(key, new ActualDestination(addDestination.Destination)) }));
                    return null;
                }

            case IpvsOperation.UpdateDestination updateDestination:
                {
                    if (!services.TryGetValue(updateDestination.Service, out var service))
                    {
                        return "ESRCH";
                    }

                    var key = DestinationKey.Of(updateDestination.Destination);
                    if (!service.Destinations.TryGetValue(key, out var existing))
                    {
                        return "ENOENT";
                    }

                    // An edit keeps the destination's connections: only its settings change.
                    table = new(services.SetItem(updateDestination.Service, service with { Destinations = service.Destinations.SetItem(key, existing with { Settings = updateDestination.Destination }) }));
                    return null;
                }

            case IpvsOperation.DeleteDestination deleteDestination:
                {
                    if (!services.TryGetValue(deleteDestination.Service, out var service))
                    {
                        return "ESRCH";
                    }

                    var key = new DestinationKey(deleteDestination.Address, deleteDestination.Port);
                    if (!service.Destinations.ContainsKey(key))
                    {
                        return "ENOENT";
                    }

                    table = new(services.SetItem(deleteDestination.Service, service with { Destinations = service.Destinations.Remove(key) }));
                    return null;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown operation");
        }
    }

    private string? ApplyOne(IpvsOperation operation) => Apply(ref _table, operation);
}
