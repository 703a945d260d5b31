using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kad.Netlink.Ipvs;
using Kad.Netlink.Protocol;
using static Kad.Netlink.LabDriver.Guest;

namespace Kad.Netlink.LabDriver;

/// <summary>
/// IPVS cases. Most program a table through our client, snapshot ipvsadm's views of it, flush, program the same
/// table with ipvsadm commands, snapshot again and require identical text; both tables are also read back through
/// our own dumps and compared with the intended model.
/// </summary>
internal sealed class IpvsCases(IpvsClient client)
{
    private static readonly IpvsServiceKey Web = Tcp("10.0.0.1", 80);

    public Dictionary<string, Action> Build()
    {
        var cases = new Dictionary<string, Action>
        {
            ["ipvs_info"] = Info,
            ["ipvs_scheduler_flags_sh"] = () => SchedulerFlags("sh"),
            ["ipvs_scheduler_flags_mh"] = () => SchedulerFlags("mh"),
            ["ipvs_ipv4_tcp_persistent_netmask"] = Ipv4Persistent,
            ["ipvs_ipv6_udp_persistent_prefix"] = Ipv6Persistent,
            ["ipvs_udp_one_packet"] = OnePacket,
            ["ipvs_sctp_service"] = Sctp,
            ["ipvs_fwmark_ipv4"] = FwmarkIpv4,
            ["ipvs_fwmark_ipv6"] = FwmarkIpv6,
            ["ipvs_forwarding_nat_dr_tun"] = Forwarding,
            ["ipvs_tunnel_gue_gre"] = TunnelTypes,
            ["ipvs_mixed_family_tunnel"] = MixedFamily,
            ["ipvs_thresholds"] = Thresholds,
            ["ipvs_edit_service_and_destination"] = Edit,
            ["ipvs_delete_destination_and_service"] = Delete,
            ["ipvs_errors_typed"] = Errors,
            ["ipvs_timeouts"] = Timeouts,
            ["ipvs_sync_daemon_defaults"] = SyncDaemonDefaults,
            ["ipvs_sync_daemon_options"] = SyncDaemonOptions,
            ["ipvs_stats_and_zero"] = StatsAndZero,
            ["ipvs_flush"] = Flush,
            ["ipvs_batch_failures_by_index"] = BatchFailures,
            ["ipvs_dump_10k"] = Dump10k,
        };
        foreach (var scheduler in LabCaseNames.Schedulers)
        {
            cases["ipvs_scheduler_" + scheduler] = () => Scheduler(scheduler);
        }

        return cases;
    }

    private static IpvsServiceKey Tcp(string address, ushort port) => IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse(address), port);

    private static IpvsDestination Dest(string address, ushort port, IpvsForwardingMethod method, uint weight = 1) =>
        new(IPAddress.Parse(address), port) { ForwardingMethod = method, Weight = weight };

    private sealed record Table(params (IpvsService Service, IpvsDestination[] Destinations)[] Entries);

    private void Reset() => client.Flush();

    private static (string List, string Save, string Stats, string Tunnels) Snapshot() =>
        (Ipvsadm("-Ln"), Ipvsadm("-S -n"), Ipvsadm("-Ln --stats"), Ipvsadm("-Ln --tun-info"));

    /// <summary>The heart of the IPVS cases: our client and ipvsadm must produce the same kernel state.</summary>
    private void SameAsIpvsadm(Table table, Action? oursAfter, Table? expectedAfter, params string[] ipvsadmCommands)
    {
        Reset();
        foreach (var (service, destinations) in table.Entries)
        {
            client.AddService(service);
            foreach (var destination in destinations)
            {
                client.AddDestination(service.Key, destination);
            }
        }

        oursAfter?.Invoke();
        var expected = expectedAfter ?? table;
        ReadBack(expected, "after our client");
        var ours = Snapshot();

        Reset();
        foreach (var command in ipvsadmCommands)
        {
            Ipvsadm(command);
        }

        var theirs = Snapshot();
        SameText(ours.List, theirs.List, "ipvsadm -Ln");
        SameText(ours.Save, theirs.Save, "ipvsadm -S -n");
        SameText(ours.Stats, theirs.Stats, "ipvsadm -Ln --stats");
        SameText(ours.Tunnels, theirs.Tunnels, "ipvsadm -Ln --tun-info");
        ReadBack(expected, "after ipvsadm");
        Reset();
    }

    private void SameAsIpvsadm(Table table, params string[] ipvsadmCommands) => SameAsIpvsadm(table, null, null, ipvsadmCommands);

    /// <summary>Our dumps must return exactly the intended services and destinations (destinations in order).</summary>
    private void ReadBack(Table expected, string when)
    {
        var services = client.GetServices().Select(s => s.Service).ToList();
        Equal(services.Count, expected.Entries.Length, $"service count {when}");
        foreach (var (service, destinations) in expected.Entries)
        {
            var found = services.SingleOrDefault(s => s.Key == service.Key);
            Check(found is not null, $"{service.Key} missing from our dump {when}");
            Check(found == service, $"{service.Key} {when}: dumped {found} vs intended {service}");
            Check(client.GetService(service.Key)?.Service == service, $"GET_SERVICE {service.Key} {when} disagrees with the dump");
            // The kernel lists destinations newest first; identity and settings matter, not order.
            var dumped = client.GetDestinations(service.Key).Select(d => d.Destination).ToList();
            Check(dumped.Count == destinations.Length && dumped.ToHashSet().SetEquals(destinations),
                $"{service.Key} destinations {when}: dumped [{string.Join(", ", dumped.Select(Describe))}] vs intended [{string.Join(", ", destinations.Select(Describe))}]");
        }
    }

    private static string Describe(IpvsDestination d) =>
        $"{d} {d.ForwardingMethod} w{d.Weight} x{d.UpperThreshold} y{d.LowerThreshold} {d.TunnelType}:{d.TunnelPort}:{d.TunnelFlags}";

    private void Info()
    {
        var info = client.GetInfo();
        var header = Ipvsadm("-Ln").Split('\n')[0];
        Check(header.Contains($"version {info.Version} (size={info.ConnectionTableSize})", StringComparison.Ordinal), $"ipvsadm says '{header}', we read {info}");
    }

    private void Scheduler(string name)
    {
        if (!Directory.Exists("/sys/module/ip_vs_" + name))
        {
            // Not shipped by this kernel: both tools must be refused, ours with a typed ENOENT.
            Reset();
            var error = Expect(() => client.AddService(new IpvsService(Web, name)), Errno.ENOENT);
            Check(error.Subject is IpvsOperation.AddService, $"subject was {error.Subject}");
            Check(TryIpvsadm($"-A -t 10.0.0.1:80 -s {name}").ExitCode != 0, "ipvsadm accepted a scheduler the kernel lacks");
            Console.WriteLine($"INFO ipvs_scheduler_{name} not shipped by this kernel: ENOENT from both");
            return;
        }

        SameAsIpvsadm(
            new Table((new IpvsService(Web, name), [Dest("10.0.1.1", 80, IpvsForwardingMethod.Masquerade, 2), Dest("10.0.1.2", 80, IpvsForwardingMethod.Masquerade, 3)])),
            $"-A -t 10.0.0.1:80 -s {name}",
            "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 2",
            "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 3");
    }

    private void SchedulerFlags(string name) => SameAsIpvsadm(
        new Table((new IpvsService(Web, name) { Flags = IpvsServiceFlags.SchedulerFlag1 | IpvsServiceFlags.SchedulerFlag2 }, [Dest("10.0.1.1", 80, IpvsForwardingMethod.DirectRoute)])),
        $"-A -t 10.0.0.1:80 -s {name} -b {name}-fallback,{name}-port",
        "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1");

    private void Ipv4Persistent() => SameAsIpvsadm(
        new Table((new IpvsService(Tcp("10.0.0.1", 443), "wlc") { Flags = IpvsServiceFlags.Persistent, PersistenceTimeout = 360, PersistencePrefixLength = 24 },
            [Dest("10.0.1.1", 443, IpvsForwardingMethod.DirectRoute)])),
        "-A -t 10.0.0.1:443 -s wlc -p 360 -M 255.255.255.0",
        "-a -t 10.0.0.1:443 -r 10.0.1.1:443 -g -w 1");

    private void Ipv6Persistent() => SameAsIpvsadm(
        new Table((new IpvsService(IpvsServiceKey.ForAddress(IpvsProtocol.Udp, IPAddress.Parse("2001:db8::1"), 53), "rr") { Flags = IpvsServiceFlags.Persistent, PersistenceTimeout = 600, PersistencePrefixLength = 64 },
            [Dest("2001:db8::2", 53, IpvsForwardingMethod.Masquerade), Dest("2001:db8::3", 5353, IpvsForwardingMethod.Masquerade, 4)])),
        "-A -u [2001:db8::1]:53 -s rr -p 600 -M 64",
        "-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -m -w 1",
        "-a -u [2001:db8::1]:53 -r [2001:db8::3]:5353 -m -w 4");

    private void OnePacket() => SameAsIpvsadm(
        new Table((new IpvsService(IpvsServiceKey.ForAddress(IpvsProtocol.Udp, IPAddress.Parse("10.0.0.1"), 53), "rr") { Flags = IpvsServiceFlags.OnePacket },
            [Dest("10.0.1.1", 53, IpvsForwardingMethod.Masquerade)])),
        "-A -u 10.0.0.1:53 -s rr -o",
        "-a -u 10.0.0.1:53 -r 10.0.1.1:53 -m -w 1");

    private void Sctp() => SameAsIpvsadm(
        new Table((new IpvsService(IpvsServiceKey.ForAddress(IpvsProtocol.Sctp, IPAddress.Parse("10.0.0.1"), 5000), "rr"),
            [Dest("10.0.1.1", 5000, IpvsForwardingMethod.Masquerade)])),
        "-A --sctp-service 10.0.0.1:5000 -s rr",
        "-a --sctp-service 10.0.0.1:5000 -r 10.0.1.1:5000 -m -w 1");

    private void FwmarkIpv4() => SameAsIpvsadm(
        new Table((new IpvsService(IpvsServiceKey.ForFirewallMark(1), "wrr"),
            [Dest("10.0.1.1", 0, IpvsForwardingMethod.DirectRoute, 5), Dest("10.0.1.2", 0, IpvsForwardingMethod.DirectRoute, 0)])),
        "-A -f 1 -s wrr",
        "-a -f 1 -r 10.0.1.1 -g -w 5",
        "-a -f 1 -r 10.0.1.2 -g -w 0");

    private void FwmarkIpv6() => SameAsIpvsadm(
        new Table((new IpvsService(IpvsServiceKey.ForFirewallMark(2, AddressFamily.InterNetworkV6), "rr"),
            [Dest("2001:db8::5", 80, IpvsForwardingMethod.DirectRoute)])),
        "-A -f 2 -6 -s rr",
        "-a -f 2 -6 -r [2001:db8::5]:80 -g -w 1");

    private void Forwarding() => SameAsIpvsadm(
        new Table((new IpvsService(Web, "rr"),
        [
            Dest("10.0.1.1", 8080, IpvsForwardingMethod.Masquerade),
            Dest("10.0.1.2", 80, IpvsForwardingMethod.DirectRoute),
            Dest("10.0.1.3", 80, IpvsForwardingMethod.Tunnel),
        ])),
        "-A -t 10.0.0.1:80 -s rr",
        "-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 1",
        "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1",
        "-a -t 10.0.0.1:80 -r 10.0.1.3:80 -i -w 1");

    private void TunnelTypes() => SameAsIpvsadm(
        new Table((new IpvsService(Web, "rr"),
        [
            Dest("10.0.1.4", 80, IpvsForwardingMethod.Tunnel) with { TunnelType = IpvsTunnelType.Gue, TunnelPort = 6080, TunnelFlags = IpvsTunnelFlags.Checksum },
            Dest("10.0.1.5", 80, IpvsForwardingMethod.Tunnel) with { TunnelType = IpvsTunnelType.Gre },
            Dest("10.0.1.6", 80, IpvsForwardingMethod.Tunnel) with { TunnelType = IpvsTunnelType.Gue, TunnelPort = 5555, TunnelFlags = IpvsTunnelFlags.RemoteChecksum },
        ])),
        "-A -t 10.0.0.1:80 -s rr",
        "-a -t 10.0.0.1:80 -r 10.0.1.4:80 -i --tun-type gue --tun-port 6080 --tun-csum -w 1",
        "-a -t 10.0.0.1:80 -r 10.0.1.5:80 -i --tun-type gre -w 1",
        "-a -t 10.0.0.1:80 -r 10.0.1.6:80 -i --tun-type gue --tun-port 5555 --tun-remcsum -w 1");

    /// <summary>An IPv6 real server behind an IPv4 service: allowed with tunnelling only (ADDR_FAMILY differs).</summary>
    private void MixedFamily()
    {
        SameAsIpvsadm(
            new Table((new IpvsService(Web, "rr"), [Dest("2001:db8::9", 80, IpvsForwardingMethod.Tunnel), Dest("10.0.1.3", 80, IpvsForwardingMethod.Tunnel)])),
            "-A -t 10.0.0.1:80 -s rr",
            "-a -t 10.0.0.1:80 -r [2001:db8::9]:80 -i -w 1",
            "-a -t 10.0.0.1:80 -r 10.0.1.3:80 -i -w 1");
        client.AddService(new IpvsService(Web, "rr"));
        Expect(() => client.AddDestination(Web, Dest("2001:db8::9", 80, IpvsForwardingMethod.Masquerade)), Errno.EINVAL);
        Reset();
    }

    private void Thresholds() => SameAsIpvsadm(
        new Table((new IpvsService(Web, "lc"), [Dest("10.0.1.1", 80, IpvsForwardingMethod.Masquerade, 3) with { UpperThreshold = 100, LowerThreshold = 10 }])),
        "-A -t 10.0.0.1:80 -s lc",
        "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 3 -x 100 -y 10");

    private void Edit()
    {
        var edited = new IpvsService(Web, "wlc") { Flags = IpvsServiceFlags.Persistent, PersistenceTimeout = 100 };
        var editedDestination = Dest("10.0.1.1", 80, IpvsForwardingMethod.Masquerade, 7) with { UpperThreshold = 50, LowerThreshold = 5 };
        SameAsIpvsadm(
            new Table((new IpvsService(Web, "rr"), [Dest("10.0.1.1", 80, IpvsForwardingMethod.Masquerade)])),
            () =>
            {
                client.UpdateService(edited);
                client.UpdateDestination(Web, editedDestination);
            },
            new Table((edited, [editedDestination])),
            "-A -t 10.0.0.1:80 -s rr",
            "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1",
            "-E -t 10.0.0.1:80 -s wlc -p 100",
            "-e -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 7 -x 50 -y 5");
    }

    private void Delete()
    {
        var keep = Dest("10.0.1.1", 80, IpvsForwardingMethod.Masquerade);
        var drop = Dest("10.0.1.2", 80, IpvsForwardingMethod.Masquerade);
        SameAsIpvsadm(
            new Table((new IpvsService(Web, "rr"), [keep, drop])),
            () => client.DeleteDestination(Web, drop),
            new Table((new IpvsService(Web, "rr"), [keep])),
            "-A -t 10.0.0.1:80 -s rr",
            "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1",
            "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 1",
            "-d -t 10.0.0.1:80 -r 10.0.1.2:80");

        client.AddService(new IpvsService(Web, "rr"));
        client.DeleteService(Web);
        Check(!Ipvsadm("-Ln").Contains("10.0.0.1:80", StringComparison.Ordinal), "ipvsadm still lists the deleted service");
        Equal(client.GetServices().Count, 0, "services after delete");
    }

    private static NetlinkException Expect(Action action, int errno)
    {
        try
        {
            action();
        }
        catch (NetlinkException e)
        {
            Check(e.Errno == errno, $"expected {Errno.Name(errno)}, got {e.ErrnoName}: {e.Message}");
            return e;
        }

        throw new CaseFailedException($"expected {Errno.Name(errno)}, but the kernel accepted the request");
    }

    private void Errors()
    {
        Reset();
        var service = new IpvsService(Web, "rr");
        var destination = Dest("10.0.1.1", 80, IpvsForwardingMethod.Masquerade);
        client.AddService(service);
        var twice = Expect(() => client.AddService(service), Errno.EEXIST);
        Check(twice.Subject is IpvsOperation.AddService added && added.Service == service, $"EEXIST subject {twice.Subject}");
        Check(twice.ErrnoName == "EEXIST" && twice.Message.Contains("TCP 10.0.0.1:80", StringComparison.Ordinal), $"message: {twice.Message}");
        client.AddDestination(Web, destination);
        Expect(() => client.AddDestination(Web, destination), Errno.EEXIST);
        var missingDestination = Expect(() => client.DeleteDestination(Web, Dest("10.0.1.99", 80, IpvsForwardingMethod.Masquerade)), Errno.ENOENT);
        Check(missingDestination.Subject is IpvsOperation.DeleteDestination { Address: var a } && a.Equals(IPAddress.Parse("10.0.1.99")), $"ENOENT subject {missingDestination.Subject}");
        var missingService = Tcp("10.0.0.9", 80);
        Expect(() => client.DeleteService(missingService), Errno.ESRCH);
        Expect(() => client.AddDestination(missingService, destination), Errno.ESRCH);
        Expect(() => client.UpdateService(new IpvsService(missingService, "rr")), Errno.ESRCH);
        Expect(() => client.AddService(new IpvsService(Tcp("10.0.0.2", 80), "nosuchsched")), Errno.ENOENT);
        Expect(() => client.AddDestination(Web, Dest("10.0.1.2", 80, IpvsForwardingMethod.Masquerade) with { UpperThreshold = 1, LowerThreshold = 5 }), Errno.ERANGE);
        Expect(() => client.ZeroCounters(missingService), Errno.ESRCH);
        Check(client.GetService(missingService) is null, "GET_SERVICE of a missing service should be null");
        Equal(client.GetDestinations(missingService).Count, 0, "destinations of a missing service");
        Reset();
    }

    private void Timeouts()
    {
        var original = client.GetTimeouts();
        client.SetTimeouts(new IpvsTimeouts(TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30)));
        var shown = Ipvsadm("-L --timeout");
        Check(shown.Contains(": 100 20 30", StringComparison.Ordinal), $"ipvsadm --timeout says {OneLine(shown)}");
        Equal(client.GetTimeouts(), new IpvsTimeouts(TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30)), "timeouts read back");
        client.SetTimeouts(new IpvsTimeouts(TimeSpan.Zero, TimeSpan.FromSeconds(25), TimeSpan.Zero));
        Equal(client.GetTimeouts(), new IpvsTimeouts(TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30)), "zero leaves a timeout unchanged");
        Ipvsadm("--set 900 120 300");
        Equal(client.GetTimeouts(), new IpvsTimeouts(TimeSpan.FromSeconds(900), TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(300)), "timeouts set by ipvsadm");
        client.SetTimeouts(original);
    }

    /// <summary>Stops whatever sync daemons an earlier failed case left running.</summary>
    private void StopAllDaemons()
    {
        foreach (var daemon in client.GetSyncDaemons())
        {
            client.StopSyncDaemon(daemon.State);
        }
    }

    private void SyncDaemonDefaults()
    {
        EnsureVethPair();
        StopAllDaemons();
        client.StartSyncDaemon(new IpvsSyncDaemon(IpvsSyncState.Master, "v0", 5));
        client.StartSyncDaemon(new IpvsSyncDaemon(IpvsSyncState.Backup, "v1", 6));
        var ours = Ipvsadm("-L --daemon");
        var dumped = client.GetSyncDaemons();
        Check(dumped.Select(d => (d.State, d.Interface, d.SyncId)).SequenceEqual([(IpvsSyncState.Master, "v0", 5u), (IpvsSyncState.Backup, "v1", 6u)]),
            $"our dump: {string.Join("; ", dumped)}");
        Expect(() => client.StartSyncDaemon(new IpvsSyncDaemon(IpvsSyncState.Master, "v0", 5)), Errno.EEXIST);
        client.StopSyncDaemon(IpvsSyncState.Master);
        client.StopSyncDaemon(IpvsSyncState.Backup);
        Equal(client.GetSyncDaemons().Count, 0, "daemons after stop");

        Ipvsadm("--start-daemon master --mcast-interface v0 --syncid 5");
        Ipvsadm("--start-daemon backup --mcast-interface v1 --syncid 6");
        var theirs = Ipvsadm("-L --daemon");
        SameText(ours, theirs, "ipvsadm -L --daemon");
        Check(client.GetSyncDaemons().SequenceEqual(dumped), "daemons started by ipvsadm dump differently from ours");
        Ipvsadm("--stop-daemon master");
        Ipvsadm("--stop-daemon backup");
        Expect(() => client.StopSyncDaemon(IpvsSyncState.Master), Errno.ESRCH);
        Expect(() => client.StartSyncDaemon(new IpvsSyncDaemon(IpvsSyncState.Master, "nosuchif0", 1)), Errno.ENODEV);
    }

    private void SyncDaemonOptions()
    {
        EnsureVethPair();
        StopAllDaemons();
        var daemon = new IpvsSyncDaemon(IpvsSyncState.Master, "v0", 7) { Group = IPAddress.Parse("224.0.0.82"), Port = 8849, Ttl = 2, MaxLength = 1400 };
        client.StartSyncDaemon(daemon);
        var ours = Ipvsadm("-L --daemon");
        var dumped = client.GetSyncDaemons();
        Check(dumped.Count == 1 && dumped[0] == daemon, $"our dump: {string.Join("; ", dumped)} vs {daemon}");
        client.StopSyncDaemon(IpvsSyncState.Master);

        Ipvsadm("--start-daemon master --mcast-interface v0 --syncid 7 --mcast-group 224.0.0.82 --mcast-port 8849 --mcast-ttl 2 --sync-maxlen 1400");
        SameText(ours, Ipvsadm("-L --daemon"), "ipvsadm -L --daemon");
        Check(client.GetSyncDaemons().SequenceEqual([daemon]), "options of the ipvsadm-started daemon read back differently");
        Ipvsadm("--stop-daemon master");
    }

    private void StatsAndZero()
    {
        Reset();
        Ip("addr replace 10.10.0.1/32 dev lo");
        Directory.CreateDirectory("/tmp/www");
        File.WriteAllText("/tmp/www/index.html", "hello from the kernel lab\n");
        using var server = Process.Start(new ProcessStartInfo("/bin/busybox", ["httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/tmp/www"]) { UseShellExecute = false })!;
        try
        {
            var key = Tcp("10.10.0.1", 80);
            client.AddService(new IpvsService(key, "rr"));
            client.AddDestination(key, Dest("127.0.0.1", 8080, IpvsForwardingMethod.Masquerade));
            Thread.Sleep(300);
            for (var i = 0; i < 3; i++)
            {
                Sh("wget -q -O /dev/null http://10.10.0.1/");
            }

            // Kernels before 6.2 copy the per-CPU counters into what dumps report on the 2 s estimator timer.
            var service = WaitForConnections(key, 3);
            var destination = client.GetDestinations(key).Single();
            Check(service.Stats.InPackets > 0 && service.Stats.InBytes > 0, $"no traffic counted: {service.Stats}");
            var stats = Ipvsadm("-Ln --stats");
            CompareStatsLine(stats, "TCP  10.10.0.1:80", service.Stats);
            CompareStatsLine(stats, "-> 127.0.0.1:8080", destination.Stats);
            Console.WriteLine($"INFO ipvs_stats_and_zero service {service.Stats.Connections} conns {service.Stats.InPackets}/{service.Stats.OutPackets} pkts {service.Stats.InBytes}/{service.Stats.OutBytes} bytes; destination forwarding read back as {destination.Destination.ForwardingMethod}");

            client.ZeroCounters(key);
            Equal(client.GetService(key)!.Stats.Connections, 0UL, "connections after ZERO of the service");
            CompareStatsLine(Ipvsadm("-Ln --stats"), "TCP  10.10.0.1:80", IpvsStats.Empty);

            Sh("wget -q -O /dev/null http://10.10.0.1/");
            WaitForConnections(key, 1);
            client.ZeroCounters();
            Equal(client.GetService(key)!.Stats.InBytes, 0UL, "bytes after ZERO of everything");
            CompareStatsLine(Ipvsadm("-Ln --stats"), "TCP  10.10.0.1:80", IpvsStats.Empty);
        }
        finally
        {
            server.Kill();
            server.WaitForExit();
            Reset();
            Ip("addr del 10.10.0.1/32 dev lo");
        }
    }

    private IpvsServiceStatus WaitForConnections(IpvsServiceKey key, ulong connections)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var service = client.GetService(key) ?? throw new CaseFailedException("service vanished");
            if (service.Stats.Connections == connections || DateTime.UtcNow > deadline)
            {
                Equal(service.Stats.Connections, connections, "service connections");
                Thread.Sleep(2500); // one more estimator tick, so the packet/byte counts are final too
                return client.GetService(key)!;
            }

            Thread.Sleep(250);
        }
    }

    /// <summary>ipvsadm --stats columns: Conns InPkts OutPkts InBytes OutBytes (exact below 100000).</summary>
    private static void CompareStatsLine(string output, string prefix, IpvsStats expected)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new CaseFailedException($"no '{prefix}' line in ipvsadm --stats: {OneLine(output)}");
        var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^5..];
        var values = new[] { expected.Connections, expected.InPackets, expected.OutPackets, expected.InBytes, expected.OutBytes };
        Check(columns.Select(c => c).SequenceEqual(values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            $"ipvsadm '{line.Trim()}' vs ours {string.Join(' ', values)}");
    }

    private void Flush()
    {
        Reset();
        client.AddService(new IpvsService(Web, "rr"));
        client.AddDestination(Web, Dest("10.0.1.1", 80, IpvsForwardingMethod.Masquerade));
        client.AddService(new IpvsService(IpvsServiceKey.ForFirewallMark(4), "rr"));
        client.AddService(new IpvsService(IpvsServiceKey.ForAddress(IpvsProtocol.Udp, IPAddress.Parse("2001:db8::1"), 53), "rr"));
        Equal(Ipvsadm("-S -n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, 4, "rules before flush");
        client.Flush();
        Equal(Ipvsadm("-S -n").Trim(), "", "ipvsadm -S -n after flush");
        Equal(client.GetServices().Count, 0, "our dump after flush");
    }

    private void BatchFailures()
    {
        Reset();
        var d1 = Dest("10.0.1.1", 80, IpvsForwardingMethod.Masquerade);
        var d2 = Dest("10.0.1.2", 80, IpvsForwardingMethod.Masquerade);
        var operations = new List<IpvsOperation>
        {
            new IpvsOperation.AddService(new IpvsService(Web, "rr")),
            new IpvsOperation.AddDestination(Web, d1),
            new IpvsOperation.AddDestination(Web, d1),
            new IpvsOperation.AddDestination(Tcp("10.0.0.9", 80), d1),
            new IpvsOperation.AddService(new IpvsService(Web, "rr")),
            new IpvsOperation.AddDestination(Web, d2),
            new IpvsOperation.DeleteDestination(Web, IPAddress.Parse("10.0.1.77"), 80),
        };
        var result = client.ApplyBatch(operations);
        var failures = string.Join(",", result.Failures.Select(f => $"{f.Index}:{f.Error.ErrnoName}"));
        Equal(failures, "2:EEXIST,3:ESRCH,4:EEXIST,6:ENOENT", "failures by index");
        Check(result.Failures.All(f => ReferenceEquals(f.Error.Subject, operations[f.Index])), "a failure's subject is not its operation");
        Equal(result.Datagrams, 1L, "datagrams for 7 operations");
        Equal(Ipvsadm("-S -n").Trim(), "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 1", "ipvsadm -S -n");
        Reset();
    }

    private void Dump10k()
    {
        Reset();
        var operations = RuleSet.Operations(100, 100);
        var watch = Stopwatch.StartNew();
        var result = client.ApplyBatch(operations);
        var applyMs = watch.Elapsed.TotalMilliseconds;
        Check(result.AllSucceeded, $"{result.Failures.Count} failures, first: {(result.Failures.Count > 0 ? result.Failures[0].Error.Message : "")}");

        watch.Restart();
        var table = client.GetTable();
        var dumpMs = watch.Elapsed.TotalMilliseconds;
        Equal(table.Count, 100, "services dumped");
        Equal(table.Sum(t => t.Destinations.Count), 10_000, "destinations dumped");
        for (var s = 0; s < 100; s++)
        {
            var entry = table.SingleOrDefault(t => t.Service.Service.Key == RuleSet.Service(s));
            Check(entry.Service is not null, $"service {RuleSet.Service(s)} missing");
            Check(entry.Destinations.Select(d => d.Destination).ToHashSet().SetEquals(Enumerable.Range(0, 100).Select(d => RuleSet.Destination(s, d))), $"destinations of {RuleSet.Service(s)} differ");
        }

        var ours = table.SelectMany(t => t.Destinations.Select(d => $"{t.Service.Service.Key.Address}:80 {d.Destination.Address}:{d.Destination.Port} {d.Destination.Weight}")).ToHashSet();
        var theirs = RuleSet.ParseSave(Ipvsadm("-S -n"), out var serviceLines);
        Equal(serviceLines, 100, "ipvsadm -S -n service lines");
        Equal(theirs.Count, 10_000, "ipvsadm -S -n destination lines");
        Check(ours.SetEquals(theirs), $"our dump and ipvsadm -S -n differ in {ours.Except(theirs).Count() + theirs.Except(ours).Count()} entries");
        Console.WriteLine($"INFO ipvs_dump_10k applied {operations.Count} operations in {result.Datagrams} datagrams, {applyMs:0} ms; dumped in {dumpMs:0} ms");
        Reset();
    }

    public static void EnsureVethPair()
    {
        if (!Directory.Exists("/sys/class/net/v0"))
        {
            Ip("link add v0 type veth peer name v1");
        }

        Ip("link set v0 up");
        Ip("link set v1 up");
    }
}
