namespace Kad.Netlink.LabDriver;

/// <summary>
/// Every case the driver runs, in order. Compiled into the driver and (linked) into the NUnit fixture, which turns
/// each name into one test result.
/// </summary>
public static class LabCaseNames
{
    /// <summary>Every scheduler name IPVS has had; one the guest kernel does not ship must fail with ENOENT.</summary>
    public static readonly string[] Schedulers = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"];

    public static IReadOnlyList<string> All { get; } =
    [
        "ipvs_info",
        .. Schedulers.Select(s => "ipvs_scheduler_" + s),
        "ipvs_scheduler_flags_sh",
        "ipvs_scheduler_flags_mh",
        "ipvs_ipv4_tcp_persistent_netmask",
        "ipvs_ipv6_udp_persistent_prefix",
        "ipvs_udp_one_packet",
        "ipvs_sctp_service",
        "ipvs_fwmark_ipv4",
        "ipvs_fwmark_ipv6",
        "ipvs_forwarding_nat_dr_tun",
        "ipvs_tunnel_gue_gre",
        "ipvs_mixed_family_tunnel",
        "ipvs_thresholds",
        "ipvs_edit_service_and_destination",
        "ipvs_delete_destination_and_service",
        "ipvs_errors_typed",
        "ipvs_timeouts",
        "ipvs_sync_daemon_defaults",
        "ipvs_sync_daemon_options",
        "ipvs_stats_and_zero",
        "ipvs_flush",
        "ipvs_batch_failures_by_index",
        "ipvs_dump_10k",
        "rt_links",
        "rt_addr_ipv4_label_broadcast",
        "rt_addr_ipv6_nodad",
        "rt_events",
    ];
}
