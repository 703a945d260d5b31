using System.Globalization;
using System.Net.Sockets;
using Kad.Netlink.Protocol;
using Kad.Netlink.Route;
using Kad.Vrrp.Engine;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Vrrp;

/// <summary>
/// Vrrp's address port over rtnetlink: one RTM_NEWADDR / RTM_DELADDR per call, "already there" and "already gone"
/// treated as success, failures logged (never thrown into the interface thread).
/// </summary>
internal sealed partial class RtnetlinkAddressPort(RtnetlinkClient client, ILogger<RtnetlinkAddressPort> logger) : IVirtualAddressPort
{
    // errno values (asm-generic/errno-base.h, asm-generic/errno.h).
    private const int EEXIST = 17;
    private const int EADDRNOTAVAIL = 99;
    private const int ENODEV = 19;

    public void Add(VirtualAddress address, string interfaceName)
    {
        var request = ToKernel(address, interfaceName);
        if (request is null)
        {
            return;
        }

        try
        {
            client.AddAddress(request);
            LogAdded(address, address.Device ?? interfaceName);
        }
        catch (NetlinkException e) when (e.Errno == EEXIST)
        {
            // keepalived adopts an address that is already there.
        }
        catch (NetlinkException e)
        {
            LogFailed(e, "add", address, address.Device ?? interfaceName);
        }
    }

    public void Remove(VirtualAddress address, string interfaceName)
    {
        var request = ToKernel(address, interfaceName);
        if (request is null)
        {
            return;
        }

        try
        {
            client.DeleteAddress(request);
            LogRemoved(address, address.Device ?? interfaceName);
        }
        catch (NetlinkException e) when (e.Errno is EADDRNOTAVAIL or ENODEV)
        {
            // already gone
        }
        catch (NetlinkException e)
        {
            LogFailed(e, "remove", address, address.Device ?? interfaceName);
        }
    }

    /// <summary>The kernel's form of a <c>virtual_ipaddress</c> line; null (logged) when its device does not exist.</summary>
    internal InterfaceAddress? ToKernel(VirtualAddress address, string interfaceName)
    {
        var device = address.Device ?? interfaceName;
        LinkInfo? link;
        try
        {
            link = client.GetLink(device);
        }
        catch (NetlinkException)
        {
            link = null;
        }

        if (link is null)
        {
            LogNoDevice(address, device);
            return null;
        }

        return Build(address, link.Index);
    }

    /// <summary>Pure mapping: prefix, label, scope; IPv6 without duplicate address detection, as keepalived adds VIPs.</summary>
    internal static InterfaceAddress Build(VirtualAddress address, int interfaceIndex)
    {
        var ipv6 = address.Address.AddressFamily == AddressFamily.InterNetworkV6;
        return new InterfaceAddress(interfaceIndex, address.Address, address.PrefixLength)
        {
            Label = ipv6 ? null : address.Label,
            Scope = Scope(address.Scope),
            Flags = ipv6 ? AddressFlags.NoDad : AddressFlags.None,
        };
    }

    /// <summary>ip-address(8) scope names (values from linux/rtnetlink.h enum rt_scope_t), or a number.</summary>
    internal static AddressScope Scope(string? scope) => scope switch
    {
        null or "global" => AddressScope.Universe,
        "site" => AddressScope.Site,
        "link" => AddressScope.Link,
        "host" => AddressScope.Host,
        "nowhere" => AddressScope.Nowhere,
        _ when byte.TryParse(scope, NumberStyles.None, CultureInfo.InvariantCulture, out var value) => (AddressScope)value,
        _ => AddressScope.Universe,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Adding VIP {Address} on {Device}")]
    private partial void LogAdded(VirtualAddress address, string device);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removing VIP {Address} from {Device}")]
    private partial void LogRemoved(VirtualAddress address, string device);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot {Operation} VIP {Address} on {Device}")]
    private partial void LogFailed(Exception error, string operation, VirtualAddress address, string device);

    [LoggerMessage(Level = LogLevel.Error, Message = "VIP {Address}: no interface {Device}")]
    private partial void LogNoDevice(VirtualAddress address, string device);
}
