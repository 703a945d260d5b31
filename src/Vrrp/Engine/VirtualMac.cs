using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Kad.Vrrp.Engine;

/// <summary><c>use_vmac</c> of an instance: the macvlan it runs on and whether adverts still use the base interface.</summary>
public sealed record VirtualMacOptions
{
    /// <summary>The macvlan's name (<c>use_vmac NAME</c>, default <c>vrrp.VRID</c>).</summary>
    public required string InterfaceName { get; init; }

    /// <summary>The MAC it carries: 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6) unless one was written.</summary>
    public required PhysicalAddress MacAddress { get; init; }

    /// <summary><c>vmac_xmit_base</c>: adverts are sent and read on the base interface (source MAC = the NIC's).</summary>
    public bool TransmitOnBase { get; init; }
}

/// <summary>One VMAC as the port creates it: a private-mode macvlan on <see cref="BaseInterface"/>.</summary>
public sealed record VirtualMacInterface(string Name, string BaseInterface, PhysicalAddress MacAddress, AddressFamily Family)
{
    /// <summary>IPv6: the link-local address the VMAC gets (the base's, as keepalived does), so adverts can leave from
    /// it with the virtual MAC; null for IPv4.</summary>
    public IPAddress? LinkLocal { get; init; }

    public override string ToString() => $"{Name} ({MacAddress.ToColonString()} on {BaseInterface})";
}

/// <summary>
/// Port: creates and deletes the VMAC interfaces (the Daemon implements it with rtnetlink and sysctls). Called on the
/// interface thread: before its sockets open, and after its instances stopped.
/// </summary>
public interface IVirtualMacPort
{
    /// <summary>Creates the macvlan, or adopts one of that name with the same MAC and parent; sets it up for VRRP and
    /// brings it up. Throws, naming the interface and the kernel's errno, when it cannot.</summary>
    void Create(VirtualMacInterface vmac);

    /// <summary>Deletes it; already gone is success.</summary>
    void Delete(VirtualMacInterface vmac);
}

/// <summary>A <c>/proc/sys</c> setting: the path below <c>/proc/sys</c> and the value written.</summary>
public sealed record SysctlSetting(string Path, int Value)
{
    public override string ToString() => $"{Path.Replace('/', '.')}={Value}";
}

/// <summary>The RFC's virtual router MAC, keepalived's default names, and the settings a VMAC needs (pure).</summary>
public static class VirtualMac
{
    /// <summary>RFC 5798 §7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.</summary>
    public static PhysicalAddress Address(byte vrid, AddressFamily family) =>
        new([0x00, 0x00, 0x5e, 0x00, family == AddressFamily.InterNetworkV6 ? (byte)0x02 : (byte)0x01, vrid]);

    /// <summary>A written MAC: six octets as they are, five with the VRID as the sixth (keepalived.conf(5)).</summary>
    public static PhysicalAddress FromWritten(ReadOnlySpan<byte> octets, byte vrid) => octets.Length switch
    {
        6 => new PhysicalAddress(octets.ToArray()),
        5 => new PhysicalAddress([.. octets, vrid]),
        _ => throw new ArgumentException($"a MAC address has 5 or 6 octets, not {octets.Length}", nameof(octets)),
    };

    /// <summary>keepalived's <c>vmac_prefix</c> default.</summary>
    public const string DefaultPrefix = "vrrp";

    /// <summary>keepalived's name when <c>use_vmac</c> names none: <c>PREFIX.VRID</c> (<c>vmac_prefix</c>, default vrrp).</summary>
    public static string DefaultInterfaceName(byte vrid, string prefix = DefaultPrefix) => $"{prefix}.{vrid}";

    /// <summary>
    /// What keepalived 2.2.7 sets (observed in a namespace): IPv4 — the base answers ARP only for its own addresses
    /// and per interface (arp_ignore=1, arp_filter=1), so the VIPs on the VMAC are answered only with the virtual MAC;
    /// the VMAC has arp_ignore=1, accept_local=1 (it hears adverts sourced from the base's address), rp_filter=0,
    /// promote_secondaries=1 and IPv6 off. IPv6 — no automatic link-local on the VMAC (addr_gen_mode=1, none), only
    /// the base's, added by the port.
    /// </summary>
    public static IReadOnlyList<SysctlSetting> Settings(VirtualMacInterface vmac)
    {
        ArgumentNullException.ThrowIfNull(vmac);
        if (vmac.Family == AddressFamily.InterNetworkV6)
        {
            return [new($"net/ipv6/conf/{vmac.Name}/addr_gen_mode", 1)];
        }

        return
        [
            new($"net/ipv4/conf/{vmac.BaseInterface}/arp_ignore", 1),
            new($"net/ipv4/conf/{vmac.BaseInterface}/arp_filter", 1),
            new($"net/ipv4/conf/{vmac.Name}/arp_ignore", 1),
            new($"net/ipv4/conf/{vmac.Name}/accept_local", 1),
            new($"net/ipv4/conf/{vmac.Name}/rp_filter", 0),
            new($"net/ipv4/conf/{vmac.Name}/promote_secondaries", 1),
            new($"net/ipv6/conf/{vmac.Name}/disable_ipv6", 1),
        ];
    }

    /// <summary>
    /// The rp_filter change keepalived makes for IPv4 VMACs when <c>net.ipv4.conf.all.rp_filter</c> is set: the kernel
    /// applies max(all, interface), so every other interface (and <c>default</c>) is raised to the old
    /// <c>all</c> value and <c>all</c> becomes 0, which keeps their filtering and lets the VMAC run without.
    /// <paramref name="current"/> maps interface names (with "all" and "default") to their rp_filter.
    /// </summary>
    public static IReadOnlyList<SysctlSetting> ReversePathSettings(IReadOnlyDictionary<string, int> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (!current.TryGetValue("all", out var all) || all == 0)
        {
            return [];
        }

        var settings = current
            .Where(c => c.Key != "all" && c.Value < all)
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new SysctlSetting($"net/ipv4/conf/{c.Key}/rp_filter", all))
            .ToList();
        settings.Add(new SysctlSetting("net/ipv4/conf/all/rp_filter", 0));
        return settings;
    }

    /// <summary>Lower-case, colon-separated: 00:00:5e:00:01:33.</summary>
    public static string ToColonString(this PhysicalAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return string.Join(':', address.GetAddressBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
