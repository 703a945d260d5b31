using System.Net;

namespace Kad.Config.Model;

/// <summary><c>global_defs</c>. Null means "not written"; keepalived's defaults apply.</summary>
public sealed record GlobalDefinitions : ConfigElement
{
    /// <summary><c>router_id</c> (default: the host name).</summary>
    public string? RouterId { get; init; }

    /// <summary><c>default_interface</c>: for addresses without dev (default eth0).</summary>
    public string? DefaultInterface { get; init; }

    /// <summary><c>vmac_prefix</c>: names of <c>use_vmac</c> interfaces that name none are PREFIX.VRID (default "vrrp").</summary>
    public string? VmacPrefix { get; init; }

    /// <summary><c>vrrp_mcast_group4</c> (default 224.0.0.18).</summary>
    public IPAddress? VrrpMulticastGroup4 { get; init; }

    /// <summary><c>vrrp_mcast_group6</c> (default ff02::12).</summary>
    public IPAddress? VrrpMulticastGroup6 { get; init; }

    /// <summary><c>vrrp_version</c>: 2 or 3 (default 2; IPv6 instances always use 3).</summary>
    public int? VrrpVersion { get; init; }

    /// <summary><c>vrrp_strict</c>: strict RFC compliance for every instance that does not set strict_mode.</summary>
    public bool VrrpStrict { get; init; }

    /// <summary><c>vrrp_garp_*</c> / <c>vrrp_gna_interval</c> / <c>vrrp_min_garp</c>: defaults for every instance.</summary>
    public GarpSettings Garp { get; init; } = new();

    /// <summary><c>vrrp_garp_interval</c>: pause between gratuitous ARPs on an interface (default 0).</summary>
    public TimeSpan? GarpInterval { get; init; }

    /// <summary><c>vrrp_gna_interval</c>: pause between unsolicited neighbour adverts (default 0).</summary>
    public TimeSpan? GnaInterval { get; init; }

    /// <summary><c>vrrp_min_garp</c>: one GARP/NA at a time and no second burst.</summary>
    public bool? MinGarp { get; init; }

    /// <summary><c>vrrp_lower_prio_no_advert</c> (default false unless strict).</summary>
    public bool? LowerPriorityNoAdvert { get; init; }

    /// <summary><c>vrrp_higher_prio_send_advert</c> (default false).</summary>
    public bool? HigherPrioritySendAdvert { get; init; }

    /// <summary><c>vrrp_check_unicast_src</c>: unicast adverts must come from a configured peer.</summary>
    public bool CheckUnicastSource { get; init; }

    /// <summary><c>vrrp_skip_check_adv_addr</c>: skip the address-list check for adverts from the current master.</summary>
    public bool? SkipCheckAdvertAddresses { get; init; }

    /// <summary><c>vrrp_down_timer_adverts</c>: master-down timer in adverts (default 3, the RFC's).</summary>
    public int? DownTimerAdverts { get; init; }

    /// <summary><c>vrrp_startup_delay</c>: wait before starting VRRP instances.</summary>
    public TimeSpan? VrrpStartupDelay { get; init; }

    /// <summary><c>notify_fifo</c>: the FIFO every VRRP state change is written to (keepalived also writes checker events there).</summary>
    public string? NotifyFifo { get; init; }

    /// <summary><c>notify_fifo_script</c>: a reader started with the FIFO's path appended.</summary>
    public ScriptCommand? NotifyFifoScript { get; init; }

    /// <summary><c>vrrp_notify_fifo</c>: a FIFO for VRRP state changes only.</summary>
    public string? VrrpNotifyFifo { get; init; }

    /// <summary><c>vrrp_notify_fifo_script</c>: its reader.</summary>
    public ScriptCommand? VrrpNotifyFifoScript { get; init; }

    /// <summary><c>script_user</c>: default user for scripts (default keepalived_script if it exists, else root).</summary>
    public string? ScriptUser { get; init; }

    /// <summary><c>script_user</c>'s optional group.</summary>
    public string? ScriptGroup { get; init; }

    /// <summary><c>enable_script_security</c>: refuse root scripts whose path a non-root user could change.</summary>
    public bool EnableScriptSecurity { get; init; }

    /// <summary><c>lvs_sync_daemon</c>.</summary>
    public LvsSyncDaemon? LvsSyncDaemon { get; init; }

    /// <summary><c>lvs_timeouts</c>: IPVS connection timeouts; unset ones are left as the kernel has them.</summary>
    public LvsTimeouts? LvsTimeouts { get; init; }

    /// <summary><c>lvs_flush</c>: flush IPVS at start. (kad adopts what the kernel has instead, unless this is set.)</summary>
    public bool LvsFlush { get; init; }

    /// <summary><c>lvs_flush_on_stop</c>.</summary>
    public LvsFlushOnStop LvsFlushOnStop { get; init; }

    /// <summary><c>checker_log_all_failures</c>: log every failed check, not only transitions.</summary>
    public bool? CheckerLogAllFailures { get; init; }

    /// <summary><c>rs_init_notifies</c>: run real-server notify scripts for the initial state at start.</summary>
    public bool RealServerInitNotifies { get; init; }

    /// <summary><c>random_seed</c>: seed for ${_RANDOM} (kad applies it through <see cref="ConfigLoadOptions.RandomSeed"/>).</summary>
    public uint? RandomSeed { get; init; }
}

/// <summary>Gratuitous ARP / unsolicited NA timing; global (vrrp_garp_*) and per instance (garp_*).</summary>
public sealed record GarpSettings
{
    /// <summary><c>garp_master_delay</c>: second burst after becoming master (default 5 s; 0 = none).</summary>
    public TimeSpan? MasterDelay { get; init; }

    /// <summary><c>garp_master_repeat</c>: messages per burst (default 5).</summary>
    public int? MasterRepeat { get; init; }

    /// <summary><c>garp_lower_prio_delay</c>: burst after a lower-priority advert as master (default MasterDelay).</summary>
    public TimeSpan? LowerPriorityDelay { get; init; }

    /// <summary><c>garp_lower_prio_repeat</c> (default MasterRepeat).</summary>
    public int? LowerPriorityRepeat { get; init; }

    /// <summary><c>garp_master_refresh</c>: periodic burst while master (default 0 = off).</summary>
    public TimeSpan? MasterRefresh { get; init; }

    /// <summary><c>garp_master_refresh_repeat</c> (default 1).</summary>
    public int? MasterRefreshRepeat { get; init; }
}

/// <summary><c>lvs_sync_daemon INTERFACE [inst] VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]</c>.</summary>
public sealed record LvsSyncDaemon(string Interface) : ConfigElement
{
    /// <summary>The vrrp_instance whose state decides master/backup; null runs both daemons.</summary>
    public NameReference? Instance { get; init; }

    /// <summary><c>id</c> 0..255 (default: the instance's virtual_router_id, else 0).</summary>
    public int? SyncId { get; init; }

    public int? MaxLength { get; init; }

    public int? Port { get; init; }

    public int? Ttl { get; init; }

    public IPAddress? Group { get; init; }
}

/// <summary><c>lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]</c>.</summary>
public sealed record LvsTimeouts(TimeSpan? Tcp, TimeSpan? TcpFin, TimeSpan? Udp);

/// <summary><c>lvs_flush_on_stop [VS]</c>.</summary>
public enum LvsFlushOnStop
{
    /// <summary>Remove each configured virtual and real server on stop (keepalived's default).</summary>
    No,

    /// <summary><c>lvs_flush_on_stop</c>: flush the whole IPVS table.</summary>
    All,

    /// <summary><c>lvs_flush_on_stop VS</c>: remove each configured virtual server, letting the kernel drop its real servers.</summary>
    VirtualServers,
}

/// <summary>The <c>SSL</c> block: client credentials for SSL_GET.</summary>
public sealed record SslSettings : ConfigElement
{
    public string? Password { get; init; }

    /// <summary><c>ca</c>: CA file.</summary>
    public string? CertificateAuthority { get; init; }

    public string? Certificate { get; init; }

    public string? Key { get; init; }
}

/// <summary>What kad read: every block it models, in file order.</summary>
public sealed record KeepalivedConfig
{
    public GlobalDefinitions Global { get; init; } = new() { Location = SourceLocation.None };

    public SslSettings? Ssl { get; init; }

    public EquatableArray<VrrpScript> VrrpScripts { get; init; } = [];

    public EquatableArray<VrrpTrackFile> TrackFiles { get; init; } = [];

    public EquatableArray<VrrpSyncGroup> VrrpSyncGroups { get; init; } = [];

    public EquatableArray<VrrpInstance> VrrpInstances { get; init; } = [];

    public EquatableArray<VirtualServerGroup> VirtualServerGroups { get; init; } = [];

    public EquatableArray<VirtualServer> VirtualServers { get; init; } = [];
}
