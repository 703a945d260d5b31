using System.Collections.Immutable;
using Kad.Netlink.Ipvs;
using Kad.Netlink.Protocol;

namespace Kad.Daemon.Lvs;

/// <summary>One operation of a batch the kernel refused, with the error text and whether retrying may help.</summary>
public sealed record LvsOperationFailure(IpvsOperation Operation, string Error, bool IsTransient)
{
    public override string ToString() => $"{Operation.Name} {Operation}: {Error}";
}

/// <summary>
/// The reconciler's window on the kernel: read the table, apply a batch, flush. The netlink implementation is
/// <see cref="NetlinkIpvsTable"/>; tests use an in-memory table with the kernel's rules.
/// </summary>
public interface IIpvsTable
{
    /// <summary>Dumps every service with its destinations and their connection counts.</summary>
    ActualTable Read();

    /// <summary>
    /// One service with its destinations and their connection counts; null when the kernel does not have it. The
    /// default dumps the whole table; implementations that can ask for one service do (a reload touching a few
    /// services reads just those).
    /// </summary>
    ActualService? ReadService(IpvsServiceKey key) => Read().Services.GetValueOrDefault(key);

    /// <summary>Applies <paramref name="operations"/> in order, carrying on past failures; returns each failure.</summary>
    IReadOnlyList<LvsOperationFailure> Apply(IReadOnlyList<IpvsOperation> operations);

    /// <summary>Removes every service (keepalived's <c>lvs_flush</c> / <c>lvs_flush_on_stop</c>).</summary>
    void Flush();

    /// <summary>Sets the connection timeouts (<c>lvs_timeouts</c>); a zero field leaves the kernel's value as it is.</summary>
    void SetTimeouts(IpvsTimeouts timeouts);
}

/// <summary><see cref="IIpvsTable"/> over the Kad.Netlink IPVS client: dumps and batched apply.</summary>
public sealed class NetlinkIpvsTable(IpvsClient client) : IIpvsTable
{
    public ActualTable Read() => ActualTable.FromDump(client.GetTable().Select(entry => (
        entry.Service.Service,
        entry.Destinations.Select(d => new ActualDestination(d.Destination, d.ActiveConnections, d.InactiveConnections)))));

    public ActualService? ReadService(IpvsServiceKey key) =>
        client.GetService(key) is { } service
            ? new ActualService(service.Service, client.GetDestinations(key).ToImmutableDictionary(
                d => DestinationKey.Of(d.Destination),
                d => new ActualDestination(d.Destination, d.ActiveConnections, d.InactiveConnections)))
            : null;

    public IReadOnlyList<LvsOperationFailure> Apply(IReadOnlyList<IpvsOperation> operations)
    {
        if (operations.Count == 0)
        {
            return [];
        }

        var result = client.ApplyBatch(operations);
        return [.. result.Failures.Select(f => new LvsOperationFailure(f.Operation, Describe(f.Error), f.Error.IsTransient))];
    }

    public void Flush() => client.Flush();

    public void SetTimeouts(IpvsTimeouts timeouts) => client.SetTimeouts(timeouts);

    private static string Describe(NetlinkException error) =>
        error.KernelMessage is { Length: > 0 } message ? $"{error.ErrnoName}: {message}" : error.ErrnoName;
}
