using System.Net;
using System.Net.Sockets;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Engine;

/// <summary>
/// One <c>vrrp_instance</c> as the engine needs it (the Daemon maps the parsed configuration onto this; defaults are
/// keepalived's).
/// </summary>
public sealed record VrrpInstanceOptions
{
    public required string Name { get; init; }

    /// <summary><c>interface</c>: where adverts are sent and received.</summary>
    public required string Interface { get; init; }

    public required byte VirtualRouterId { get; init; }

    /// <summary><c>virtual_ipaddress</c>: carried in adverts, installed as master.</summary>
    public required IReadOnlyList<VirtualAddress> VirtualAddresses { get; init; }

    /// <summary><c>virtual_ipaddress_excluded</c>: installed as master but not carried in adverts.</summary>
    public IReadOnlyList<VirtualAddress> ExcludedAddresses { get; init; } = [];

    public VrrpVersion Version { get; init; } = VrrpVersion.V2;

    public byte Priority { get; init; } = VrrpConstants.PriorityDefault;

    public TimeSpan AdvertisementInterval { get; init; } = TimeSpan.FromSeconds(1);

    public VrrpState InitialState { get; init; } = VrrpState.Backup;

    public bool Preempt { get; init; } = true;

    public TimeSpan PreemptDelay { get; init; } = TimeSpan.Zero;

    public VrrpAuthType AuthType { get; init; } = VrrpAuthType.None;

    public string? AuthPassword { get; init; }

    /// <summary><c>mcast_src_ip</c> / <c>unicast_src_ip</c>; null = the interface's primary address (IPv6: its link-local).</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary><c>unicast_peer</c>; empty = multicast.</summary>
    public IReadOnlyList<IPAddress> UnicastPeers { get; init; } = [];

    /// <summary><c>unicast_ttl</c>: TTL / hop limit of unicast adverts (keepalived's default 255). Receivers that
    /// check TTL 255 (multicast, RFC) would drop anything lower, so it matters only across routers.</summary>
    public byte UnicastTtl { get; init; } = VrrpConstants.RequiredTtl;

    /// <summary><c>mcast_dst_ip</c> (or global <c>vrrp_mcast_group4/6</c>): the group adverts go to and that is joined;
    /// null = 224.0.0.18 / ff02::12.</summary>
    public IPAddress? MulticastGroup { get; init; }

    /// <summary>Where multicast adverts go: <see cref="MulticastGroup"/> or the protocol's group.</summary>
    public IPAddress EffectiveMulticastGroup => MulticastGroup
        ?? new IPAddress(Family == AddressFamily.InterNetworkV6 ? VrrpConstants.IPv6Group : VrrpConstants.IPv4Group);

    /// <summary>v3 over IPv4: checksum form to send (<c>v3_checksum_as_v2</c> = <see cref="VrrpChecksumForm.MessageOnly"/>).</summary>
    public VrrpChecksumForm V3ChecksumForm { get; init; } = VrrpChecksumForm.PseudoHeader;

    public bool CheckAddressList { get; init; } = true;

    public bool AdvertOnLowerPriority { get; init; } = true;

    public bool AdvertBeforeYielding { get; init; }

    public int DownTimerAdverts { get; init; } = 3;

    public GarpOptions Garp { get; init; } = new();

    /// <summary><c>use_vmac</c>: the instance's addresses live on a macvlan with the virtual router MAC; null = none.</summary>
    public VirtualMacOptions? VirtualMac { get; init; }

    /// <summary>The interface whose sockets carry the adverts: the VMAC unless <c>vmac_xmit_base</c> (or no VMAC).</summary>
    public string AdvertInterface => VirtualMac is { TransmitOnBase: false } vmac ? vmac.InterfaceName : Interface;

    /// <summary>Where addresses without a <c>dev</c> of their own go, and whose MAC announces them.</summary>
    public string AddressInterface => VirtualMac?.InterfaceName ?? Interface;

    /// <summary>Address family of the advert addresses.</summary>
    public AddressFamily Family => VirtualAddresses.Count > 0 ? VirtualAddresses[0].Address.AddressFamily : AddressFamily.InterNetwork;

    public bool Unicast => UnicastPeers.Count > 0;
}

/// <summary>keepalived's gratuitous ARP / NA timing (<c>garp_master_*</c>, <c>garp_lower_prio_*</c>).</summary>
public sealed record GarpOptions
{
    /// <summary><c>garp_master_delay</c>: second burst this long after becoming master; zero = none.</summary>
    public TimeSpan MasterDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>garp_master_repeat</c>: frames per address in each burst.</summary>
    public int MasterRepeat { get; init; } = 5;

    /// <summary><c>garp_master_refresh</c>: periodic burst while master; zero = off.</summary>
    public TimeSpan MasterRefresh { get; init; } = TimeSpan.Zero;

    /// <summary><c>garp_master_refresh_repeat</c>.</summary>
    public int MasterRefreshRepeat { get; init; } = 1;

    /// <summary><c>garp_lower_prio_repeat</c>: burst when a lower-priority advert is seen as master; zero = off.</summary>
    public int LowerPriorityRepeat { get; init; }

    /// <summary>Unsolicited NAs set the Router flag (keepalived: when IPv6 forwarding is on).</summary>
    public bool NeighborAdvertRouterFlag { get; init; }

    /// <summary><c>vrrp_garp_interval</c>: pause between gratuitous ARPs sent on the interface; zero = back to back.</summary>
    public TimeSpan ArpSpacing { get; init; } = TimeSpan.Zero;

    /// <summary><c>vrrp_gna_interval</c>: pause between unsolicited NAs sent on the interface; zero = back to back.</summary>
    public TimeSpan NaSpacing { get; init; } = TimeSpan.Zero;
}
