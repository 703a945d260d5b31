using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Kad.Netlink.Route;

/// <summary>IFF_* interface flags (linux/if.h).</summary>
[Flags]
public enum InterfaceFlags : uint
{
    None = 0,
    Up = 0x1,
    Broadcast = 0x2,
    Debug = 0x4,
    Loopback = 0x8,
    PointToPoint = 0x10,
    NoTrailers = 0x20,
    Running = 0x40,
    NoArp = 0x80,
    Promiscuous = 0x100,
    AllMulticast = 0x200,
    Master = 0x400,
    Slave = 0x800,
    Multicast = 0x1000,
    LowerUp = 0x10000,
    Dormant = 0x20000,
}

/// <summary>IF_OPER_* RFC 2863 operational state (linux/if.h).</summary>
public enum OperationalState : byte
{
    Unknown = 0,
    NotPresent = 1,
    Down = 2,
    LowerLayerDown = 3,
    Testing = 4,
    Dormant = 5,
    Up = 6,
}

/// <summary>IFA_F_* address flags (linux/if_addr.h).</summary>
[Flags]
public enum AddressFlags : uint
{
    None = 0,
    Secondary = 0x01,
    NoDad = 0x02,
    Optimistic = 0x04,
    DadFailed = 0x08,
    HomeAddress = 0x10,
    Deprecated = 0x20,
    Tentative = 0x40,
    Permanent = 0x80,
    ManageTemporaryAddress = 0x100,
    NoPrefixRoute = 0x200,
    MulticastAutoJoin = 0x400,
    StablePrivacy = 0x800,
}

/// <summary>enum rt_scope_t (linux/rtnetlink.h).</summary>
public enum AddressScope : byte
{
    Universe = 0,
    Site = 200,
    Link = 253,
    Host = 254,
    Nowhere = 255,
}

/// <summary>A network interface as RTM_NEWLINK describes it.</summary>
public sealed record LinkInfo(int Index, string Name)
{
    /// <summary>ARPHRD_* hardware type (1 Ethernet, 772 loopback).</summary>
    public ushort HardwareType { get; init; }

    public InterfaceFlags Flags { get; init; }

    public OperationalState OperationalState { get; init; }

    public uint Mtu { get; init; }

    /// <summary>Link-layer address (MAC); empty when the link has none.</summary>
    public PhysicalAddress MacAddress { get; init; } = PhysicalAddress.None;

    /// <summary>IFLA_MASTER: the bond/bridge/VRF this link is enslaved to.</summary>
    public int? MasterIndex { get; init; }

    /// <summary>IFLA_LINK: the parent of a VLAN/macvlan.</summary>
    public int? ParentIndex { get; init; }

    /// <summary>IFLA_LINKINFO / IFLA_INFO_KIND: "macvlan", "veth", "bridge", ...; null for a plain device.</summary>
    public string? Kind { get; init; }

    /// <summary>keepalived's rule: administratively up and running (carrier present).</summary>
    public bool IsUsable => (Flags & (InterfaceFlags.Up | InterfaceFlags.Running)) == (InterfaceFlags.Up | InterfaceFlags.Running);
}

/// <summary>enum macvlan_mode (linux/if_link.h): how macvlans on one parent reach each other.</summary>
public enum MacvlanMode : uint
{
    /// <summary>No traffic between macvlans of the parent, not even multicast (keepalived's VMAC mode).</summary>
    Private = 1,
    Vepa = 2,
    Bridge = 4,
    Passthru = 8,
    Source = 16,
}

/// <summary>A macvlan to create with RTM_NEWLINK: its name, parent (lower) interface, MAC address and mode.</summary>
public sealed record MacvlanLink(string Name, int ParentIndex, PhysicalAddress MacAddress, MacvlanMode Mode)
{
    public override string ToString() => $"macvlan {Name} (parent ifindex {ParentIndex}, {MacAddress}, {Mode})";
}

/// <summary>An address on an interface, as added/removed with RTM_NEWADDR/RTM_DELADDR and dumped by RTM_GETADDR.</summary>
public sealed record InterfaceAddress(int InterfaceIndex, IPAddress Address, int PrefixLength)
{
    /// <summary>IPv4 label such as "eth0:0" (at most 15 characters); null = the device name.</summary>
    public string? Label { get; init; }

    /// <summary>IPv4 broadcast address; null = none.</summary>
    public IPAddress? Broadcast { get; init; }

    public AddressScope Scope { get; init; }

    /// <summary>Flags; for a VIP on IPv6 set <see cref="AddressFlags.NoDad"/>.</summary>
    public AddressFlags Flags { get; init; }

    /// <summary>Preferred lifetime in seconds (0 = deprecated); null = not sent / forever.</summary>
    public uint? PreferredLifetime { get; init; }

    /// <summary>Valid lifetime in seconds; null = not sent / forever.</summary>
    public uint? ValidLifetime { get; init; }

    public AddressFamily Family => Address.AddressFamily;

    public override string ToString() => $"{Address}/{PrefixLength} on ifindex {InterfaceIndex}{(Label is null ? "" : $" ({Label})")}";
}

/// <summary>A change notified on the rtnetlink multicast groups.</summary>
public abstract record RtnetlinkEvent
{
    private protected RtnetlinkEvent()
    {
    }

    /// <summary>RTM_NEWLINK (any change of flags, carrier, MTU, name…) or RTM_DELLINK (<paramref name="Removed"/>).</summary>
    public sealed record LinkChanged(LinkInfo Link, bool Removed) : RtnetlinkEvent;

    /// <summary>RTM_NEWADDR or RTM_DELADDR (<paramref name="Removed"/>).</summary>
    public sealed record AddressChanged(InterfaceAddress Address, bool Removed) : RtnetlinkEvent;

    /// <summary>The kernel dropped notifications (ENOBUFS): re-dump links and addresses.</summary>
    public sealed record EventsLost : RtnetlinkEvent;
}
