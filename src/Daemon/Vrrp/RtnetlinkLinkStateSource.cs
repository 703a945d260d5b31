using System.Collections.Concurrent;
using Kad.Netlink.Route;
using Kad.Vrrp.Engine;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Vrrp;

/// <summary>
/// Link state from rtnetlink: a dump at start, then RTM_NEWLINK / RTM_DELLINK events; <see cref="LinkChanged"/> is
/// raised only when a link's usable state (IFF_UP and IFF_RUNNING) actually changes. Lost events cause a fresh dump.
/// </summary>
internal sealed partial class RtnetlinkLinkStateSource(ILogger<RtnetlinkLinkStateSource> logger) : ILinkStateSource, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, bool> _links = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _reader;

    public event Action<string, bool>? LinkChanged;

    public bool IsUp(string interfaceName) => _links.TryGetValue(interfaceName, out var up) && up;

    /// <summary>Subscribes before the dump so that no change between the two is missed.</summary>
    public void Start()
    {
        var monitor = RtnetlinkMonitor.Open();
        Refresh();
        _reader = Task.Run(() => ReadAsync(monitor, _stopping.Token));
    }

    /// <summary>Applies one event; public for tests.</summary>
    internal void Apply(RtnetlinkEvent change)
    {
        switch (change)
        {
            case RtnetlinkEvent.LinkChanged { Removed: true } removed:
                Set(removed.Link.Name, false);
                break;
            case RtnetlinkEvent.LinkChanged link:
                Set(link.Link.Name, link.Link.IsUsable);
                break;
            case RtnetlinkEvent.EventsLost:
                Refresh();
                break;
        }
    }

    internal void Set(string name, bool up)
    {
        var previous = _links.TryGetValue(name, out var was) ? was : (bool?)null;
        _links[name] = up;
        if (previous != up)
        {
            LogLink(name, up ? "up" : "down");
            LinkChanged?.Invoke(name, up);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_reader is not null)
        {
            await _reader.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void Refresh()
    {
        using var client = RtnetlinkClient.Open();
        foreach (var link in client.GetLinks())
        {
            Set(link.Name, link.IsUsable);
        }
    }

    private async Task ReadAsync(RtnetlinkMonitor monitor, CancellationToken cancellationToken)
    {
        using (monitor)
        {
            try
            {
                await foreach (var change in monitor.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
                {
                    Apply(change);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Link {Name} is {State}")]
    private partial void LogLink(string name, string state);

    [LoggerMessage(Level = LogLevel.Error, Message = "Link event reader stopped; link tracking is frozen")]
    private partial void LogReaderFailed(Exception error);
}
