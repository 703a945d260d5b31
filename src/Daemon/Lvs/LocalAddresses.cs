using System.Net;
using Kad.Netlink.Route;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Lvs;

/// <summary>
/// The addresses configured on this host's interfaces, kept from an rtnetlink dump and address events (pure: fed
/// by <see cref="LocalAddressWatcher"/>). An address counts once even when it is on several interfaces.
/// </summary>
public sealed class LocalAddressSet
{
    private readonly HashSet<(int Interface, IPAddress Address)> _entries = [];

    public IReadOnlySet<IPAddress> Addresses => _entries.Select(e => e.Address).ToHashSet();

    /// <summary>Replaces everything with a dump; true when the set of addresses changed.</summary>
    public bool Reset(IEnumerable<InterfaceAddress> dump)
    {
        var before = Addresses;
        _entries.Clear();
        foreach (var address in dump)
        {
            _entries.Add((address.InterfaceIndex, address.Address));
        }

        return !before.SetEquals(Addresses);
    }

    /// <summary>Applies one event; true when the set of addresses changed. Events other than address changes are ignored.</summary>
    public bool Apply(RtnetlinkEvent change)
    {
        if (change is not RtnetlinkEvent.AddressChanged { Address: var address } added)
        {
            return false;
        }

        var before = Addresses;
        if (added.Removed)
        {
            _entries.Remove((address.InterfaceIndex, address.Address));
        }
        else
        {
            _entries.Add((address.InterfaceIndex, address.Address));
        }

        return !before.SetEquals(Addresses);
    }
}

/// <summary>
/// keepalived's <c>ha_suspend</c> source: which addresses this host has, from rtnetlink. Subscribes before it dumps
/// (no change is lost in between), reports the set once at start and again whenever it changes; lost events
/// (ENOBUFS) cause a fresh dump.
/// </summary>
public sealed partial class LocalAddressWatcher(ILogger<LocalAddressWatcher> logger) : IAsyncDisposable
{
    private readonly LocalAddressSet _set = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _reader = Task.CompletedTask;

    /// <summary>Dumps the addresses, calls <paramref name="changed"/> with them before returning, then on every change.</summary>
    public void Start(Action<IReadOnlySet<IPAddress>> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var monitor = RtnetlinkMonitor.Open();
        try
        {
            _set.Reset(Dump());
            changed(_set.Addresses);
        }
        catch
        {
            monitor.Dispose();
            throw;
        }

        _reader = Task.Run(() => ReadAsync(monitor, changed, _stopping.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static IReadOnlyList<InterfaceAddress> Dump()
    {
        using var client = RtnetlinkClient.Open();
        return client.GetAddresses();
    }

    private async Task ReadAsync(RtnetlinkMonitor monitor, Action<IReadOnlySet<IPAddress>> changed, CancellationToken cancellationToken)
    {
        using (monitor)
        {
            try
            {
                await foreach (var change in monitor.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (change is RtnetlinkEvent.EventsLost ? _set.Reset(Dump()) : _set.Apply(change))
                    {
                        changed(_set.Addresses);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
            catch (Exception e) when (e is Kad.Netlink.Protocol.NetlinkException or IOException)
            {
                LogReaderFailed(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Address event reader stopped; ha_suspend keeps the last known addresses")]
    private partial void LogReaderFailed(Exception error);
}
