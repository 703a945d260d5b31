using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;
using Kad.Vrrp.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Vrrp.Engine;

/// <summary>
/// Runs every instance of one interface on a dedicated thread (DESIGN: "Timing under load"): the thread sleeps in
/// epoll on the VRRP sockets and an eventfd until a packet arrives, a timer of some instance falls due, or another
/// thread posts a command. Steady state — receiving, validating, timing and sending adverts — allocates nothing, so
/// neither a busy thread pool nor GC allocation pressure from elsewhere can delay an advert or a master-down timer.
/// An idle master's advert is a prepared datagram (<see cref="PreparedAdvert"/>) and one sendto per interval.
/// </summary>
public sealed unsafe class VrrpInterfaceLoop : IVrrpWire, IDisposable
{
    private const int BufferLength = 9216;
    private readonly VrrpInstance[] _instances;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action? _onThreadStart;
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _receiveBuffer = new byte[BufferLength];
    private readonly VrrpInstance?[] _byVridV4 = new VrrpInstance?[256];
    private readonly VrrpInstance?[] _byVridV6 = new VrrpInstance?[256];
    private readonly Dictionary<VrrpInstance, Route> _routes = [];
    private readonly Queue<Announcement> _announcements = new();
    private long _nextAnnouncementAt;
    private Thread? _thread;
    private Wakeup? _wakeup;
    private Poller? _poller;
    private VrrpSocket? _socketV4;
    private VrrpSocket? _socketV6;
    private readonly Dictionary<string, AnnouncementSocket> _announcers = new(StringComparer.Ordinal);
    private readonly IVirtualMacPort? _virtualMacs;
    private readonly List<VirtualMacInterface> _createdVirtualMacs = [];
    private volatile bool _stopping;
    private readonly int? _realtimePriority;

    /// <summary>Where one instance's adverts go: one prepared advert per destination, so sending allocates nothing.</summary>
    private sealed record Route(VrrpSocket Socket, PreparedAdvert[] Adverts);

    /// <summary>Prepares the loop; nothing is opened until <see cref="Start"/>. <c>onThreadStart</c> runs first on the new
    /// thread (a test enters a network namespace there, so the sockets are created inside it). <c>realtimePriority</c>
    /// (1..99, keepalived's <c>vrrp_rt_priority</c>) runs the thread under SCHED_RR so a loaded machine cannot delay
    /// adverts and master-down timers behind ordinary threads; null keeps the normal scheduler. <c>virtualMacs</c>
    /// creates the <c>use_vmac</c> interfaces of the instances before the sockets open and deletes them at stop.</summary>
    public VrrpInterfaceLoop(string interfaceName, IEnumerable<VrrpInstance> instances, TimeProvider? time = null, ILogger? logger = null, Action? onThreadStart = null, int? realtimePriority = null, IVirtualMacPort? virtualMacs = null)
    {
        _virtualMacs = virtualMacs;
        if (realtimePriority is < 1 or > 99)
        {
            throw new ArgumentOutOfRangeException(nameof(realtimePriority), "SCHED_RR priorities are 1..99");
        }

        _realtimePriority = realtimePriority;
        InterfaceName = interfaceName;
        _instances = [.. instances];
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _onThreadStart = onThreadStart;
        foreach (var instance in _instances)
        {
            var table = instance.IsIPv6 ? _byVridV6 : _byVridV4;
            if (table[instance.Options.VirtualRouterId] is not null)
            {
                throw new ArgumentException($"two instances use VRID {instance.Options.VirtualRouterId} on {interfaceName}");
            }

            table[instance.Options.VirtualRouterId] = instance;
        }
    }

    public string InterfaceName { get; }

    public IReadOnlyList<VrrpInstance> Instances => _instances;

    /// <summary>Drops that cannot be charged to an instance (unknown VRID, unreadable header).</summary>
    public VrrpDropCounters InterfaceDrops { get; } = new();

    /// <summary>Completes once the sockets are open and every instance has started; faults if that failed.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the thread has exited.</summary>
    public Task Stopped => _stopped.Task;

    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("already started");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"vrrp-{InterfaceName}", Priority = ThreadPriority.Highest };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="command"/> on the interface thread (tracking, faults, status); never blocks.</summary>
    public void Post(Action command)
    {
        _commands.Enqueue(command);
        _wakeup?.Signal();
    }

    /// <summary>Shutdown: masters send priority 0 and release their addresses; the thread exits.</summary>
    public bool Stop(TimeSpan timeout)
    {
        if (_thread is null)
        {
            return true;
        }

        Post(() => _stopping = true);
        return _thread.Join(timeout);
    }

    public void Dispose() => Stop(TimeSpan.FromSeconds(5));

    private void Run()
    {
        try
        {
            _onThreadStart?.Invoke();
            ApplySchedulingPolicy();
            Open();
            foreach (var instance in _instances)
            {
                instance.Start();
            }

            _started.TrySetResult();
            Loop();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "VRRP on {Interface} failed", InterfaceName);
            _started.TrySetException(ex);
        }
        finally
        {
            foreach (var instance in _instances)
            {
                try
                {
                    instance.Stop();
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "{Instance}: stop failed", instance.Name);
                }
            }

            _socketV4?.Dispose();
            _socketV6?.Dispose();
            foreach (var announcer in _announcers.Values)
            {
                announcer.Dispose();
            }

            _poller?.Dispose();
            _wakeup?.Dispose();
            DeleteVirtualMacs();
            _stopped.TrySetResult();
        }
    }

    private void ApplySchedulingPolicy()
    {
        if (_realtimePriority is not { } priority)
        {
            return;
        }

        if (Interop.sched_setscheduler(0, Interop.SCHED_RR, &priority) != 0)
        {
            // Not fatal: without CAP_SYS_NICE the loop still runs, only without the guarantee.
            _logger.LogWarning("{Interface}: cannot set SCHED_RR priority {Priority}: errno {Errno}", InterfaceName, priority, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>The calling thread's scheduling policy (SCHED_OTHER 0, SCHED_RR 2): lets a test check the interface thread.</summary>
    public static int CurrentThreadSchedulingPolicy() => Interop.sched_getscheduler(0);

    private void Open()
    {
        _wakeup = new Wakeup();
        var v4 = _instances.Where(i => !i.IsIPv6).ToList();
        var v6 = _instances.Where(i => i.IsIPv6).ToList();
        // Source addresses come from each instance's own (base) interface: a VMAC holds no address of its own but the
        // VIPs (IPv6: a copy of the base's link-local, added when it is created). One snapshot of the host's
        // interfaces serves every instance.
        var interfaces = NetworkInterface.GetAllNetworkInterfaces();
        var linkLocal = v6.Count == 0 ? null
            : v6.Select(i => i.Options.SourceAddress).FirstOrDefault(a => a is not null)
                ?? AddressesOf(interfaces, v6[0].Options.Interface).FirstOrDefault(a => a.IsIPv6LinkLocal)
                ?? throw new InvalidOperationException($"{v6[0].Options.Interface} has no IPv6 link-local address");
        CreateVirtualMacs(linkLocal);
        if (v4.Count > 0)
        {
            _socketV4 = VrrpSocket.Open(InterfaceName, AddressFamily.InterNetwork, Groups(v4));
            foreach (var instance in v4)
            {
                var primary = AddressesOf(interfaces, instance.Options.Interface).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
                BindInstance(instance, _socketV4, instance.Options.SourceAddress ?? primary
                    ?? throw new InvalidOperationException($"{instance.Name}: {instance.Options.Interface} has no IPv4 address"));
            }
        }

        if (v6.Count > 0)
        {
            var hopLimit = v6.Where(i => i.Options.Unicast).Select(i => i.Options.UnicastTtl).DefaultIfEmpty(VrrpConstants.RequiredTtl).Min();
            _socketV6 = VrrpSocket.Open(InterfaceName, AddressFamily.InterNetworkV6, Groups(v6), linkLocal, hopLimit);
            foreach (var instance in v6)
            {
                BindInstance(instance, _socketV6, instance.Options.SourceAddress ?? linkLocal!);
            }
        }

        AcceptOnlyOurVrids(_socketV4, v4);
        AcceptOnlyOurVrids(_socketV6, v6);
        _poller = new Poller();
        _poller.Add(_wakeup.Fd);
        if (_socketV4 is not null)
        {
            _poller.Add(_socketV4.Fd);
        }

        if (_socketV6 is not null)
        {
            _poller.Add(_socketV6.Fd);
        }

        foreach (var device in _instances.Select(i => i.Options.AddressInterface).Distinct(StringComparer.Ordinal))
        {
            try
            {
                // On a VMAC the socket reads the virtual MAC from the interface: announcements carry it as sender.
                _announcers[device] = AnnouncementSocket.Open(device);
            }
            catch (VrrpSocketException ex)
            {
                _logger.LogWarning("{Interface}: no gratuitous ARP / NA: {Error}", device, ex.Message);
            }
        }
    }

    private static IEnumerable<IPAddress> AddressesOf(NetworkInterface[] interfaces, string interfaceName)
    {
        var nic = interfaces.FirstOrDefault(n => n.Name == interfaceName)
            ?? throw new InvalidOperationException($"interface {interfaceName} not found");
        return nic.GetIPProperties().UnicastAddresses.Select(u => u.Address);
    }

    /// <summary>The instances' <c>use_vmac</c> interfaces, before any socket opens on them.</summary>
    private void CreateVirtualMacs(IPAddress? linkLocal)
    {
        foreach (var instance in _instances)
        {
            if (instance.Options.VirtualMac is not { } options)
            {
                continue;
            }

            var port = _virtualMacs ?? throw new InvalidOperationException($"{instance.Name}: use_vmac needs a virtual MAC port");
            var vmac = new VirtualMacInterface(options.InterfaceName, instance.Options.Interface, options.MacAddress, instance.Options.Family)
            {
                LinkLocal = instance.IsIPv6 ? instance.Options.SourceAddress ?? linkLocal : null,
            };
            port.Create(vmac);
            _createdVirtualMacs.Add(vmac);
        }
    }

    /// <summary>At stop, after the instances released their addresses and the sockets closed (keepalived removes its VMACs too).</summary>
    private void DeleteVirtualMacs()
    {
        foreach (var vmac in Enumerable.Reverse(_createdVirtualMacs))
        {
            try
            {
                _virtualMacs!.Delete(vmac);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "{Interface}: cannot delete the VMAC", vmac.Name);
            }
        }

        _createdVirtualMacs.Clear();
    }

    /// <summary>Other routers' adverts are dropped by the kernel instead of waking this thread (<see cref="VridSocketFilter"/>).</summary>
    private void AcceptOnlyOurVrids(VrrpSocket? socket, List<VrrpInstance> instances)
    {
        if (socket is null)
        {
            return;
        }

        try
        {
            socket.AcceptOnlyVrids(instances.Select(i => i.Options.VirtualRouterId));
        }
        catch (VrrpSocketException ex)
        {
            // Not fatal: unfiltered, foreign adverts are read and counted as unknown VRIDs, as before.
            _logger.LogWarning("{Interface}: no VRID socket filter: {Error}", InterfaceName, ex.Message);
        }
    }

    private static IPAddress[] Groups(IEnumerable<VrrpInstance> instances) =>
        [.. instances.Where(i => !i.Options.Unicast).Select(i => i.Options.EffectiveMulticastGroup).Distinct()];

    private void BindInstance(VrrpInstance instance, VrrpSocket socket, IPAddress source)
    {
        BindRoute(instance, socket, source);
        instance.Bind(this, source);
    }

    private void BindRoute(VrrpInstance instance, VrrpSocket socket, IPAddress source)
    {
        IEnumerable<IPAddress> targets = instance.Options.Unicast
            ? instance.Options.UnicastPeers
            : [instance.Options.EffectiveMulticastGroup];
        var form = instance.Options.Version == VrrpVersion.V3 ? instance.Options.V3ChecksumForm : VrrpChecksumForm.MessageOnly;
        var ttl = instance.Options.Unicast ? instance.Options.UnicastTtl : VrrpConstants.RequiredTtl;
        _routes[instance] = new Route(socket, [.. targets.Select(t => socket.Prepare(instance.Template, source, t, form, ttl))]);
    }

    private void Loop()
    {
        Span<int> ready = stackalloc int[4];
        // Commands posted before the thread existed found no eventfd to signal: run them on the first pass.
        var commandsPending = true;
        while (!_stopping)
        {
            if (commandsPending)
            {
                commandsPending = false;
                RunCommands();
                if (_stopping)
                {
                    break;
                }
            }

            var count = _poller!.Wait(ready, NanosecondsUntilNextDeadline());
            for (var i = 0; i < count; i++)
            {
                var fd = ready[i];
                if (fd == _wakeup!.Fd)
                {
                    _wakeup.Drain();
                    commandsPending = true;
                }
                else if (fd == _socketV4?.Fd)
                {
                    ReceiveOne(_socketV4);
                }
                else if (fd == _socketV6?.Fd)
                {
                    ReceiveOne(_socketV6);
                }
            }

            FireDueTimers();
        }
    }

    /// <summary>Time to the earliest deadline of any instance, rounded up to whole nanoseconds; null when none runs.</summary>
    private long? NanosecondsUntilNextDeadline()
    {
        var next = long.MaxValue;
        foreach (var instance in _instances)
        {
            if (instance.NextDeadline is { } deadline && deadline < next)
            {
                next = deadline;
            }
        }

        if (_announcements.Count > 0 && _nextAnnouncementAt < next)
        {
            next = _nextAnnouncementAt;
        }

        if (next == long.MaxValue)
        {
            return null;
        }

        var delta = next - _time.GetTimestamp();
        if (delta <= 0)
        {
            return 0;
        }

        // Rounded up: waking a fraction early would find nothing due and cost a second wait.
        var frequency = _time.TimestampFrequency;
        return frequency == 1_000_000_000 ? delta : (long)(((UInt128)(ulong)delta * 1_000_000_000 + (ulong)frequency - 1) / (ulong)frequency);
    }

    private void FireDueTimers()
    {
        var now = _time.GetTimestamp();
        if (_announcements.Count > 0)
        {
            SendDueAnnouncements(now);
        }

        if (!AnyBackupDue(now))
        {
            FireDue(now);
            return;
        }

        // A master-down timer is due, but this thread may have been descheduled (load, GC) since it last read the
        // sockets: an advert that arrived meanwhile must reset the timer before it is allowed to fire.
        if (_socketV4 is not null)
        {
            Drain(_socketV4);
        }

        if (_socketV6 is not null)
        {
            Drain(_socketV6);
        }

        FireDue(_time.GetTimestamp());
    }

    private void FireDue(long now)
    {
        foreach (var instance in _instances)
        {
            if (instance.NextDeadline <= now)
            {
                instance.OnTimer();
            }
        }
    }

    private bool AnyBackupDue(long now)
    {
        foreach (var instance in _instances)
        {
            if (instance.State == VrrpState.Backup && instance.NextDeadline <= now)
            {
                return true;
            }
        }

        return false;
    }

    private void RunCommands()
    {
        while (_commands.TryDequeue(out var command))
        {
            try
            {
                command();
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "VRRP command on {Interface} failed", InterfaceName);
            }
        }
    }

    /// <summary>One datagram per readiness: epoll is level-triggered, so a queue that holds more wakes the next wait at
    /// once, and the common case (one advert per wake-up) costs one recvmsg instead of a second one returning EAGAIN.</summary>
    private void ReceiveOne(VrrpSocket socket)
    {
        var length = socket.Receive(_receiveBuffer);
        if (length >= 0)
        {
            Dispatch(socket, _receiveBuffer.AsSpan(0, length));
        }
    }

    private void Drain(VrrpSocket socket)
    {
        // Bounded, so a flood cannot starve the timers: at most 64 datagrams per wake-up.
        for (var i = 0; i < 64; i++)
        {
            var length = socket.Receive(_receiveBuffer);
            if (length < 0)
            {
                return;
            }

            Dispatch(socket, _receiveBuffer.AsSpan(0, length));
        }
    }

    private void Dispatch(VrrpSocket socket, ReadOnlySpan<byte> received)
    {
        if (socket.Family == AddressFamily.InterNetwork)
        {
            VrrpInstance? instance = null;
            if (VrrpPacket.TryPeekVrid(received, out var family, out var vrid) && family == AddressFamily.InterNetwork)
            {
                instance = _byVridV4[vrid];
                if (instance is null)
                {
                    // Another router's VRID past the socket filter (queued before it was attached, or no filter):
                    // no need to validate what nobody reads.
                    InterfaceDrops.Increment(VrrpDropReason.UnknownVrid);
                    return;
                }
            }

            var requireTtl = instance is null || !instance.Options.Unicast;
            if (!VrrpPacket.TryParse(received, requireTtl, out var packet, out var reason))
            {
                (instance?.Drops ?? InterfaceDrops).Increment(reason);
                return;
            }

            Deliver(instance, packet);
        }
        else
        {
            var instance = received.Length > 1 ? _byVridV6[received[VrrpConstants.Offsets.Vrid]] : null;
            if (instance is null && received.Length >= VrrpConstants.FixedHeaderLength)
            {
                InterfaceDrops.Increment(VrrpDropReason.UnknownVrid);
                return;
            }

            var requireTtl = instance is null || !instance.Options.Unicast;
            if (!VrrpPacket.TryParseMessage(received, AddressFamily.InterNetworkV6, socket.LastSource, socket.LastDestination, socket.LastHopLimit, requireTtl, out var packet, out var reason))
            {
                (instance?.Drops ?? InterfaceDrops).Increment(reason);
                return;
            }

            Deliver(instance, packet);
        }
    }

    private void Deliver(VrrpInstance? instance, in VrrpPacket packet)
    {
        if (instance is null)
        {
            InterfaceDrops.Increment(VrrpDropReason.UnknownVrid);
            return;
        }

        instance.HandleAdvert(packet);
    }

    bool IVrrpWire.SendAdvert(VrrpInstance instance, byte priority)
    {
        if (!_routes.TryGetValue(instance, out var route))
        {
            return false;
        }

        var sent = true;
        foreach (var advert in route.Adverts)
        {
            sent &= route.Socket.Send(advert, priority);
        }

        return sent;
    }

    void IVrrpWire.Announce(VrrpInstance instance, int framesPerAddress) => Announce(instance, framesPerAddress, instance.AddressBytes);

    void IVrrpWire.Announce(VrrpInstance instance, int framesPerAddress, IReadOnlyList<byte[]> addresses) => Announce(instance, framesPerAddress, addresses);

    void IVrrpWire.Refresh(VrrpInstance instance)
    {
        if (_routes.TryGetValue(instance, out var route) && instance.SourceAddress is { } source)
        {
            BindRoute(instance, route.Socket, source);
        }
    }

    private void Announce(VrrpInstance instance, int framesPerAddress, IReadOnlyList<byte[]> addresses)
    {
        if (!_announcers.ContainsKey(instance.Options.AddressInterface))
        {
            return;
        }

        var garp = instance.Options.Garp;
        for (var i = 0; i < framesPerAddress; i++)
        {
            foreach (var address in addresses)
            {
                _announcements.Enqueue(new Announcement(instance, address, address.Length == 4 ? garp.ArpSpacing : garp.NaSpacing));
            }
        }

        SendDueAnnouncements(_time.GetTimestamp());
    }

    /// <summary>
    /// Sends queued GARPs / NAs whose turn has come: back to back without <c>vrrp_garp_interval</c> /
    /// <c>vrrp_gna_interval</c>, else one per interval on this interface (keepalived's rate limit, so a switch that
    /// polices ARP sees a steady trickle). A frame for an instance that has left Master meanwhile is dropped: its
    /// addresses are gone and announcing them would pull traffic to a router that no longer holds them.
    /// </summary>
    private void SendDueAnnouncements(long now)
    {
        while (_announcements.Count > 0 && now >= _nextAnnouncementAt)
        {
            var next = _announcements.Dequeue();
            if (next.Instance.State != VrrpState.Master)
            {
                continue;
            }

            var announcer = _announcers[next.Instance.Options.AddressInterface];
            if (next.Address.Length == 4)
            {
                announcer.SendGratuitousArp(next.Address);
            }
            else
            {
                announcer.SendNeighborAdvertisement(next.Address, next.Instance.Options.Garp.NeighborAdvertRouterFlag);
            }

            _nextAnnouncementAt = now + (long)((UInt128)(ulong)next.Spacing.Ticks * (ulong)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
        }
    }

    private readonly record struct Announcement(VrrpInstance Instance, byte[] Address, TimeSpan Spacing);

    /// <summary>For status output: current state of each instance (call through <see cref="Post"/> for a consistent view).</summary>
    public IReadOnlyList<(string Name, VrrpState State, byte Priority)> Snapshot() =>
        [.. _instances.Select(i => (i.Name, i.State, i.Priority))];
}
