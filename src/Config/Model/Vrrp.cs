using System.Net;

namespace Kad.Config.Model;

/// <summary><c>state</c>.</summary>
public enum VrrpInitialState
{
    Backup,
    Master,
}

/// <summary><c>auth_type</c>.</summary>
public enum VrrpAuthType
{
    /// <summary>PASS: simple text password (RFC 2338).</summary>
    Password,

    /// <summary>AH: IPsec authentication header (RFC 2338).</summary>
    AuthenticationHeader,
}

/// <summary><c>authentication { auth_type ...; auth_pass ... }</c>.</summary>
public sealed record VrrpAuthentication(VrrpAuthType? Type, string? Password) : ConfigElement;

/// <summary>
/// One line of <c>virtual_ipaddress</c> / <c>virtual_ipaddress_excluded</c>:
/// <c>ADDR[/MASK] [brd ADDR|+|-] [dev IF] [scope SCOPE] [label LABEL] [peer ADDR] [home] [-nodad] [mngtmpaddr]
/// [noprefixroute] [autojoin] [no_track] [preferred_lft N|forever] [use_vmac]</c>.
/// </summary>
public sealed record VirtualIpAddress(IPAddress Address) : ConfigElement
{
    /// <summary>The /MASK; null means a host address (/32 or /128).</summary>
    public int? PrefixLength { get; init; }

    /// <summary><c>brd</c>: an address, or "+" / "-" to set / clear the host bits.</summary>
    public string? Broadcast { get; init; }

    /// <summary><c>dev</c>: the interface (default: the instance's).</summary>
    public string? Device { get; init; }

    /// <summary><c>scope</c>: global, site, link, host, nowhere, or a number.</summary>
    public string? Scope { get; init; }

    public string? Label { get; init; }

    public IPAddress? Peer { get; init; }

    /// <summary><c>home</c> (IPv6 home address).</summary>
    public bool Home { get; init; }

    /// <summary><c>-nodad</c>: skip IPv6 duplicate address detection.</summary>
    public bool NoDad { get; init; }

    /// <summary><c>mngtmpaddr</c>.</summary>
    public bool ManageTemporaryAddress { get; init; }

    public bool NoPrefixRoute { get; init; }

    public bool AutoJoin { get; init; }

    /// <summary><c>no_track</c>: losing the address does not take the instance out of master.</summary>
    public bool NoTrack { get; init; }

    /// <summary><c>preferred_lft</c> in seconds; <see cref="uint.MaxValue"/> for "forever".</summary>
    public uint? PreferredLifetime { get; init; }
}

/// <summary>
/// <c>use_vmac [NAME] [MAC]</c>: run the instance on a macvlan carrying the virtual router MAC (RFC 5798 §7.3).
/// </summary>
public sealed record VrrpVirtualMac : ConfigElement
{
    /// <summary>The macvlan's name; null = <c>vrrp.VRID</c>.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>The MAC written (5 octets: the VRID is the sixth), as lower-case colon-separated hex; null = the RFC address.</summary>
    public string? MacAddress { get; init; }
}

/// <summary>One line of <c>unicast_peer</c>: <c>ADDR [min_ttl N] [max_ttl N]</c>.</summary>
public sealed record UnicastPeer(IPAddress Address) : ConfigElement
{
    public int? MinTtl { get; init; }

    public int? MaxTtl { get; init; }
}

/// <summary>One line of <c>track_interface</c>: <c>IFNAME [weight W [reverse]]</c>.</summary>
public sealed record TrackedInterface(string Name) : ConfigElement
{
    /// <summary>Null or 0: a down interface puts the instance in FAULT; else the priority moves by this.</summary>
    public int? Weight { get; init; }

    public bool Reverse { get; init; }
}

/// <summary>One line of <c>track_script</c>: <c>NAME [weight W [reverse|noreverse]]</c>.</summary>
public sealed record TrackedScript(string Name) : ConfigElement
{
    /// <summary>Null: the vrrp_script's own weight.</summary>
    public int? Weight { get; init; }

    /// <summary>Null: the vrrp_script's own reverse.</summary>
    public bool? Reverse { get; init; }
}

/// <summary>One line of an instance's or sync group's <c>track_file</c>: <c>NAME [weight W [reverse|noreverse]]</c>.</summary>
public sealed record TrackedFile(string Name) : ConfigElement
{
    /// <summary>Null: the track_file's own weight.</summary>
    public int? Weight { get; init; }

    /// <summary>Null: the track_file's own reverse.</summary>
    public bool? Reverse { get; init; }
}

/// <summary>
/// <c>track_file NAME { ... }</c> (<c>vrrp_track_file</c> is keepalived's older spelling): a file holding a number that
/// tracking instances follow.
/// </summary>
public sealed record VrrpTrackFile(string Name) : ConfigElement
{
    /// <summary><c>file</c>: the path read.</summary>
    public string? File { get; init; }

    /// <summary><c>weight</c> (default 1): the value read is multiplied by it; 0 means a non-zero value is a fault.</summary>
    public int? Weight { get; init; }

    /// <summary><c>weight W reverse</c>.</summary>
    public bool WeightReverse { get; init; }

    /// <summary><c>init_file [VALUE]</c>: the value written at start when the file does not exist (null: no init_file).</summary>
    public long? InitValue { get; init; }

    /// <summary><c>init_file … overwrite</c>: write <see cref="InitValue"/> at start even over an existing file.</summary>
    public bool InitOverwrite { get; init; }
}

/// <summary>Notify scripts of an instance or sync group.</summary>
public sealed record VrrpNotifyScripts
{
    public ScriptCommand? Master { get; init; }

    public ScriptCommand? Backup { get; init; }

    public ScriptCommand? Fault { get; init; }

    /// <summary><c>notify_stop</c>: run when VRRP stops.</summary>
    public ScriptCommand? Stop { get; init; }

    /// <summary><c>notify</c>: run on every transition with "INSTANCE|GROUP" NAME STATE PRIORITY appended.</summary>
    public ScriptCommand? Any { get; init; }

    /// <summary><c>notify_deleted</c> (its optional script).</summary>
    public ScriptCommand? Deleted { get; init; }

    /// <summary><c>notify_deleted</c> was written: report DELETED rather than FAULT for an instance removed by a reload.</summary>
    public bool ReportDeleted { get; init; }

    /// <summary><c>notify_master_rx_lower_pri</c>: run when master receives a lower-priority advert.</summary>
    public ScriptCommand? MasterRxLowerPriority { get; init; }
}

/// <summary><c>vrrp_script NAME { ... }</c>: a check whose exit status tracking instances follow.</summary>
public sealed record VrrpScript(string Name) : ConfigElement
{
    public ScriptCommand? Script { get; init; }

    /// <summary><c>interval</c> (default 1 s).</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary><c>timeout</c> (default: interval).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary><c>weight</c> -253..253 (default 0: failure means FAULT).</summary>
    public int? Weight { get; init; }

    /// <summary><c>weight W reverse</c>.</summary>
    public bool WeightReverse { get; init; }

    /// <summary><c>rise</c> (default 1).</summary>
    public int? Rise { get; init; }

    /// <summary><c>fall</c> (default 1).</summary>
    public int? Fall { get; init; }

    public string? User { get; init; }

    public string? Group { get; init; }

    /// <summary><c>init_fail</c>: start as failed.</summary>
    public bool InitFail { get; init; }
}

/// <summary><c>vrrp_sync_group NAME { ... }</c>.</summary>
public sealed record VrrpSyncGroup(string Name) : ConfigElement
{
    /// <summary><c>group { ... }</c>: the member instances.</summary>
    public EquatableArray<NameReference> Members { get; init; } = [];

    public EquatableArray<TrackedInterface> TrackInterfaces { get; init; } = [];

    public EquatableArray<TrackedScript> TrackScripts { get; init; } = [];

    public EquatableArray<TrackedFile> TrackFiles { get; init; } = [];

    public VrrpNotifyScripts Notify { get; init; } = new();

    /// <summary><c>sync_group_tracking_weight</c>: members keep differing tracking weights.</summary>
    public bool SyncGroupTrackingWeight { get; init; }
}

/// <summary><c>vrrp_instance NAME { ... }</c>.</summary>
public sealed record VrrpInstance(string Name) : ConfigElement
{
    /// <summary><c>state</c> (default BACKUP).</summary>
    public VrrpInitialState? State { get; init; }

    public string? Interface { get; init; }

    /// <summary><c>virtual_router_id</c> 1..255: required.</summary>
    public int? VirtualRouterId { get; init; }

    /// <summary><c>priority</c> 1..255 (default 100; 255 = address owner).</summary>
    public int? Priority { get; init; }

    /// <summary><c>advert_int</c> (default 1 s).</summary>
    public TimeSpan? AdvertInterval { get; init; }

    /// <summary><c>version</c> 2 or 3 (default vrrp_version; IPv6 always 3).</summary>
    public int? Version { get; init; }

    /// <summary><c>accept</c> (true) / <c>no_accept</c> (false); default accept unless strict.</summary>
    public bool? Accept { get; init; }

    /// <summary><c>nopreempt</c> (false) / <c>preempt</c> (true); default true.</summary>
    public bool? Preempt { get; init; }

    /// <summary><c>preempt_delay</c> 0..1000 s.</summary>
    public TimeSpan? PreemptDelay { get; init; }

    /// <summary><c>mcast_src_ip</c> / <c>unicast_src_ip</c> (the same setting in keepalived).</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary><c>mcast_dst_ip</c> (default vrrp_mcast_group4/6).</summary>
    public IPAddress? MulticastDestination { get; init; }

    public EquatableArray<UnicastPeer> UnicastPeers { get; init; } = [];

    /// <summary><c>unicast_peer</c> was written (even empty): the instance is unicast.</summary>
    public bool UnicastPeerBlock { get; init; }

    /// <summary><c>unicast_ttl</c> 0..255 (default 255).</summary>
    public int? UnicastTtl { get; init; }

    /// <summary><c>unicast_fault_no_peer</c>: FAULT instead of multicast when unicast has no peers.</summary>
    public bool UnicastFaultNoPeer { get; init; }

    /// <summary><c>check_unicast_src</c> (default vrrp_check_unicast_src).</summary>
    public bool CheckUnicastSource { get; init; }

    /// <summary><c>track_src_ip</c>: FAULT when the source address disappears.</summary>
    public bool TrackSourceAddress { get; init; }

    /// <summary><c>dont_track_primary</c>: ignore faults of the instance's own interface.</summary>
    public bool DontTrackPrimary { get; init; }

    public VrrpAuthentication? Authentication { get; init; }

    public EquatableArray<VirtualIpAddress> VirtualAddresses { get; init; } = [];

    public EquatableArray<VirtualIpAddress> ExcludedVirtualAddresses { get; init; } = [];

    public EquatableArray<TrackedInterface> TrackInterfaces { get; init; } = [];

    public EquatableArray<TrackedScript> TrackScripts { get; init; } = [];

    public EquatableArray<TrackedFile> TrackFiles { get; init; } = [];

    public VrrpNotifyScripts Notify { get; init; } = new();

    /// <summary><c>garp_*</c>: per-instance overrides of the global_defs vrrp_garp_* values.</summary>
    public GarpSettings Garp { get; init; } = new();

    /// <summary><c>lower_prio_no_advert</c> (default vrrp_lower_prio_no_advert).</summary>
    public bool? LowerPriorityNoAdvert { get; init; }

    /// <summary><c>higher_prio_send_advert</c> (default vrrp_higher_prio_send_advert).</summary>
    public bool? HigherPrioritySendAdvert { get; init; }

    /// <summary><c>down_timer_adverts</c> 1..100 (default vrrp_down_timer_adverts).</summary>
    public int? DownTimerAdverts { get; init; }

    /// <summary><c>skip_check_adv_addr</c> (default vrrp_skip_check_adv_addr).</summary>
    public bool? SkipCheckAdvertAddresses { get; init; }

    /// <summary><c>strict_mode</c> (default vrrp_strict).</summary>
    public bool? StrictMode { get; init; }

    /// <summary><c>promote_secondaries</c>: set the interface's promote_secondaries sysctl.</summary>
    public bool PromoteSecondaries { get; init; }

    /// <summary><c>use_vmac</c>; null = no VMAC.</summary>
    public VrrpVirtualMac? VirtualMac { get; init; }

    /// <summary><c>vmac_xmit_base</c>: adverts go out of (and are read on) the base interface, not the VMAC.</summary>
    public bool VirtualMacTransmitBase { get; init; }
}
