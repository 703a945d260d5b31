using System.Net;
using System.Net.Sockets;

namespace Kad.Netlink.Ipvs;

/// <summary>Transport protocol of an address-based virtual service (IPPROTO_* from linux/in.h).</summary>
public enum IpvsProtocol : ushort
{
    /// <summary>Firewall-mark services have no protocol of their own.</summary>
    None = 0,
    Tcp = 6,
    Udp = 17,
    Sctp = 132,
}

/// <summary>IP_VS_SVC_F_* (linux/ip_vs.h).</summary>
[Flags]
public enum IpvsServiceFlags : uint
{
    None = 0,
    Persistent = 0x0001,
    /// <summary>Kernel-internal; stripped from requests and from decoded dumps.</summary>
    Hashed = 0x0002,
    OnePacket = 0x0004,
    /// <summary>sh/mh: fallback.</summary>
    SchedulerFlag1 = 0x0008,
    /// <summary>sh/mh: include the source port.</summary>
    SchedulerFlag2 = 0x0010,
    SchedulerFlag3 = 0x0020,
}

/// <summary>IP_VS_CONN_F_FWD_MASK values (linux/ip_vs.h).</summary>
public enum IpvsForwardingMethod : uint
{
    Masquerade = 0,
    Local = 1,
    Tunnel = 2,
    DirectRoute = 3,
    Bypass = 4,
}

/// <summary>IP_VS_CONN_F_TUNNEL_TYPE_* (linux/ip_vs.h).</summary>
public enum IpvsTunnelType : byte
{
    IpIp = 0,
    Gue = 1,
    Gre = 2,
}

/// <summary>IP_VS_TUNNEL_ENCAP_FLAG_* (linux/ip_vs.h).</summary>
[Flags]
public enum IpvsTunnelFlags : ushort
{
    NoChecksum = 0,
    Checksum = 0x1,
    RemoteChecksum = 0x2,
}

/// <summary>IP_VS_STATE_MASTER / IP_VS_STATE_BACKUP (linux/ip_vs.h).</summary>
public enum IpvsSyncState : uint
{
    Master = 1,
    Backup = 2,
}

/// <summary>
/// What identifies a virtual service: (family, protocol, address, port), or (family, firewall mark). Use the
/// factories; the other fields are normalised so that keys decoded from dumps compare equal to desired ones.
/// </summary>
public sealed record IpvsServiceKey
{
    private IpvsServiceKey(AddressFamily family, IpvsProtocol protocol, IPAddress? address, ushort port, uint firewallMark)
    {
        Family = family;
        Protocol = protocol;
        Address = address;
        Port = port;
        FirewallMark = firewallMark;
    }

    public AddressFamily Family { get; }

    public IpvsProtocol Protocol { get; }

    public IPAddress? Address { get; }

    public ushort Port { get; }

    public uint FirewallMark { get; }

    public bool IsFirewallMark => FirewallMark != 0;

    public static IpvsServiceKey ForAddress(IpvsProtocol protocol, IPAddress address, ushort port)
    {
        if (protocol == IpvsProtocol.None)
        {
            throw new ArgumentException("an address-based service needs a protocol", nameof(protocol));
        }

        return new(CheckFamily(address.AddressFamily), protocol, address, port, 0);
    }

    public static IpvsServiceKey ForFirewallMark(uint mark, AddressFamily family = AddressFamily.InterNetwork) =>
        mark == 0 ? throw new ArgumentOutOfRangeException(nameof(mark), "firewall mark 0 means no mark") : new(CheckFamily(family), IpvsProtocol.None, null, 0, mark);

    /// <summary>ipvsadm-like text: "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 5" (IPv6: "FWM 5 IPv6").</summary>
    public override string ToString() => IsFirewallMark
        ? $"FWM {FirewallMark}{(Family == AddressFamily.InterNetworkV6 ? " IPv6" : "")}"
        : $"{Protocol.ToString().ToUpperInvariant()} {IpvsText.Endpoint(Address!, Port)}";

    private static AddressFamily CheckFamily(AddressFamily family) =>
        family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 ? family : throw new ArgumentException($"IPVS supports IPv4 and IPv6, not {family}");
}

/// <summary>A virtual service's settings. Equality covers identity and settings, never counters.</summary>
public sealed record IpvsService(IpvsServiceKey Key, string Scheduler = "wlc")
{
    /// <summary>Service flags; <see cref="IpvsServiceFlags.Hashed"/> is never carried.</summary>
    public IpvsServiceFlags Flags { get; init; }

    /// <summary>Persistence timeout in seconds (meaningful with <see cref="IpvsServiceFlags.Persistent"/>).</summary>
    public uint PersistenceTimeout { get; init; }

    /// <summary>Persistence granularity as a prefix length; null means a single address (/32, /128).</summary>
    public int? PersistencePrefixLength { get; init; }

    /// <summary>Persistence engine ("sip"), or null.</summary>
    public string? PersistenceEngine { get; init; }
}

/// <summary>Traffic counters and rates; 64-bit where the kernel offers STATS64.</summary>
public sealed record IpvsStats
{
    public static IpvsStats Empty { get; } = new();

    public ulong Connections { get; init; }

    public ulong InPackets { get; init; }

    public ulong OutPackets { get; init; }

    public ulong InBytes { get; init; }

    public ulong OutBytes { get; init; }

    public ulong ConnectionsPerSecond { get; init; }

    public ulong InPacketsPerSecond { get; init; }

    public ulong OutPacketsPerSecond { get; init; }

    public ulong InBytesPerSecond { get; init; }

    public ulong OutBytesPerSecond { get; init; }
}

/// <summary>A service as dumped: settings plus counters.</summary>
public sealed record IpvsServiceStatus(IpvsService Service, IpvsStats Stats);

/// <summary>A real server's settings. Identity within its service is (Address, Port).</summary>
public sealed record IpvsDestination(IPAddress Address, ushort Port)
{
    public IpvsForwardingMethod ForwardingMethod { get; init; } = IpvsForwardingMethod.DirectRoute;

    /// <summary>0..int.MaxValue; 0 quiesces (no new connections).</summary>
    public uint Weight { get; init; } = 1;

    public uint UpperThreshold { get; init; }

    public uint LowerThreshold { get; init; }

    public IpvsTunnelType TunnelType { get; init; }

    /// <summary>GUE UDP port (required for <see cref="IpvsTunnelType.Gue"/>).</summary>
    public ushort TunnelPort { get; init; }

    public IpvsTunnelFlags TunnelFlags { get; init; }

    public AddressFamily Family => Address.AddressFamily;

    public override string ToString() => IpvsText.Endpoint(Address, Port);
}

/// <summary>A real server as dumped: settings plus connection counts and counters.</summary>
public sealed record IpvsDestinationStatus(
    IpvsDestination Destination,
    uint ActiveConnections,
    uint InactiveConnections,
    uint PersistentConnections,
    IpvsStats Stats);

/// <summary>GET_INFO: the IPVS version and the connection hash table size.</summary>
public sealed record IpvsInfo(Version Version, uint ConnectionTableSize);

/// <summary>Connection timeouts. <see cref="TimeSpan.Zero"/> in a set request leaves that value unchanged.</summary>
public sealed record IpvsTimeouts(TimeSpan Tcp, TimeSpan TcpFin, TimeSpan Udp);

/// <summary>A connection-synchronisation daemon. Zero / null optional fields mean the kernel's defaults.</summary>
public sealed record IpvsSyncDaemon(IpvsSyncState State, string Interface, uint SyncId)
{
    public ushort MaxLength { get; init; }

    /// <summary>Multicast group (IPv4 or IPv6); null = 224.0.0.81.</summary>
    public IPAddress? Group { get; init; }

    public ushort Port { get; init; }

    public byte Ttl { get; init; }
}

internal static class IpvsText
{
    public static string Endpoint(IPAddress address, ushort port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
