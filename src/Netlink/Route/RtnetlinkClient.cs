using System.Net.Sockets;
using Kad.Netlink.Interop;
using Kad.Netlink.Protocol;
using Kad.Netlink.Transport;

namespace Kad.Netlink.Route;

/// <summary>
/// Links and addresses over NETLINK_ROUTE (command socket; events use <see cref="RtnetlinkMonitor"/>).
/// Thread-safe. Refusals are <see cref="NetlinkException"/>s: EEXIST on re-add, EADDRNOTAVAIL on deleting a
/// missing address, ENODEV for an unknown interface.
/// </summary>
public sealed class RtnetlinkClient : IDisposable
{
    private const int DumpAttempts = 5;
    private readonly NetlinkConnection _connection;
    private readonly Lock _gate = new();

    public RtnetlinkClient(INetlinkTransport transport)
    {
        _connection = new NetlinkConnection(transport);
    }

    public static RtnetlinkClient Open() => new(NetlinkSocket.Open(SocketConstants.NETLINK_ROUTE));

    public IReadOnlyList<LinkInfo> GetLinks()
    {
        var links = new List<LinkInfo>();
        DumpConsistently(RtnetlinkCodec.EncodeDumpLinks, "RTM_GETLINK dump", null, links.Clear, (in NetlinkMessage m) =>
        {
            if (m.Type == RtnetlinkConstants.RTM_NEWLINK)
            {
                links.Add(RtnetlinkCodec.DecodeLink(m));
            }
        });
        return links;
    }

    /// <summary>One link by name; null when there is no such interface (ENODEV).</summary>
    public LinkInfo? GetLink(string name) => GetLink(name, 0);

    /// <summary>One link by index; null when there is no such interface (ENODEV).</summary>
    public LinkInfo? GetLink(int index) => GetLink(null, index);

    /// <summary>Addresses of one family, or all with <see cref="AddressFamily.Unspecified"/>, in kernel order.</summary>
    public IReadOnlyList<InterfaceAddress> GetAddresses(AddressFamily family = AddressFamily.Unspecified)
    {
        var addresses = new List<InterfaceAddress>();
        DumpConsistently((w, s) => RtnetlinkCodec.EncodeDumpAddresses(w, s, family), "RTM_GETADDR dump", null, addresses.Clear, (in NetlinkMessage m) =>
        {
            if (m.Type == RtnetlinkConstants.RTM_NEWADDR)
            {
                addresses.Add(RtnetlinkCodec.DecodeAddress(m));
            }
        });
        return addresses;
    }

    /// <summary>Adds an address; EEXIST when it is already there (unless <paramref name="replace"/>).</summary>
    public void AddAddress(InterfaceAddress address, bool replace = false)
    {
        lock (_gate)
        {
            _connection.Execute((w, s) => RtnetlinkCodec.EncodeNewAddress(w, s, address, replace), "RTM_NEWADDR", address);
        }
    }

    /// <summary>Removes an address; EADDRNOTAVAIL when no address matches.</summary>
    public void DeleteAddress(InterfaceAddress address)
    {
        lock (_gate)
        {
            _connection.Execute((w, s) => RtnetlinkCodec.EncodeDeleteAddress(w, s, address), "RTM_DELADDR", address);
        }
    }

    /// <summary>Creates a macvlan (down); EEXIST when the name is taken, ENODEV when the parent is gone.</summary>
    public void CreateMacvlan(MacvlanLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        lock (_gate)
        {
            _connection.Execute((w, s) => RtnetlinkCodec.EncodeNewMacvlan(w, s, link), "RTM_NEWLINK", link.Name);
        }
    }

    /// <summary>Sets a link administratively up or down; ENODEV for an unknown index.</summary>
    public void SetLinkUp(int index, bool up, string? name = null)
    {
        lock (_gate)
        {
            _connection.Execute((w, s) => RtnetlinkCodec.EncodeSetLinkUp(w, s, index, up), "RTM_NEWLINK", name ?? $"ifindex {index}");
        }
    }

    /// <summary>Deletes a link; ENODEV when it is already gone.</summary>
    public void DeleteLink(int index, string? name = null)
    {
        lock (_gate)
        {
            _connection.Execute((w, s) => RtnetlinkCodec.EncodeDeleteLink(w, s, index), "RTM_DELLINK", name ?? $"ifindex {index}");
        }
    }

    public void Dispose() => _connection.Dispose();

    private LinkInfo? GetLink(string? name, int index)
    {
        LinkInfo? link = null;
        try
        {
            lock (_gate)
            {
                _connection.Execute(
                    (w, s) => RtnetlinkCodec.EncodeGetLink(w, s, name, index),
                    "RTM_GETLINK",
                    name ?? $"ifindex {index}",
                    (in NetlinkMessage m) =>
                    {
                        if (m.Type == RtnetlinkConstants.RTM_NEWLINK)
                        {
                            link = RtnetlinkCodec.DecodeLink(m);
                        }
                    });
            }
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }

        return link;
    }

    private void DumpConsistently(NetlinkRequestEncoder encode, string operation, object? subject, Action reset, NetlinkMessageHandler onMessage)
    {
        lock (_gate)
        {
            for (var attempt = 1; ; attempt++)
            {
                reset();
                if (_connection.Dump(encode, operation, subject, onMessage) || attempt == DumpAttempts)
                {
                    return;
                }
            }
        }
    }
}
