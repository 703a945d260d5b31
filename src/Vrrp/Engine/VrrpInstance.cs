using System.Net;
using System.Net.Sockets;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Vrrp.Engine;

/// <summary>What an instance needs from the interface it runs on: sending adverts and announcing addresses.</summary>
public interface IVrrpWire
{
    /// <summary>Sends one advert of <paramref name="instance"/> with <paramref name="priority"/> to its group or peers.</summary>
    bool SendAdvert(VrrpInstance instance, byte priority);

    /// <summary>Sends <paramref name="framesPerAddress"/> gratuitous ARPs / unsolicited NAs for each of the instance's addresses.</summary>
    void Announce(VrrpInstance instance, int framesPerAddress);

    /// <summary>The same for some of its addresses only (those a reload added).</summary>
    void Announce(VrrpInstance instance, int framesPerAddress, IReadOnlyList<byte[]> addresses);

    /// <summary>The instance's advert template changed (reload): prepare its adverts again.</summary>
    void Refresh(VrrpInstance instance);
}

/// <summary>
/// One <c>vrrp_instance</c>: its state machine, advert template, receive filter, drop counters, and the side effects
/// of state changes (addresses, announcements, notifications). Everything runs on the interface thread.
/// </summary>
public sealed class VrrpInstance : IVrrpRouterSink
{
    private readonly IVirtualAddressPort _addresses;
    private readonly IVrrpNotifyPort _notify;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private VrrpInstanceOptions _options;
    private VrrpAdvertTemplate _template;
    private byte[][] _addressBytes;
    private IVrrpWire? _wire;
    private VrrpRouter? _router;
    private VrrpAdvertFilter? _filter;
    private int _priorityAdjustment;
    private bool _installed;
    private bool _ownFault;
    private bool _groupFault;
    private IPAddress? _lastAdvertSource;
    private UInt128 _lastAdvertSourceBits;

    public VrrpInstance(VrrpInstanceOptions options, TimeProvider time, IVirtualAddressPort addresses, IVrrpNotifyPort? notify = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _addresses = addresses ?? throw new ArgumentNullException(nameof(addresses));
        _notify = notify ?? NullNotifyPort.Instance;
        _logger = logger ?? NullLogger.Instance;
        _template = CreateTemplate(options);
        Garp = new GarpSchedule(options.Garp, time);
        _addressBytes = AllAddresses(options).Select(a => a.Address.GetAddressBytes()).ToArray();
    }

    /// <summary>The options in effect (a reload may replace them in place, see <see cref="Reconfigure"/>).</summary>
    public VrrpInstanceOptions Options => _options;

    public string Name => Options.Name;

    public VrrpAdvertTemplate Template => _template;

    public GarpSchedule Garp { get; }

    /// <summary>Every address announced on becoming master (advertised and excluded), as bytes.</summary>
    public IReadOnlyList<byte[]> AddressBytes => _addressBytes;

    public VrrpDropCounters Drops { get; } = new();

    public long AdvertsReceived { get; private set; }

    public long AdvertsSent { get; private set; }

    public long BecameMaster { get; private set; }

    /// <summary>Our advert source (the tie-break address), known once bound to the interface.</summary>
    public IPAddress? SourceAddress { get; private set; }

    public VrrpState State => _router?.State ?? VrrpState.Initialize;

    /// <summary>
    /// The current master's address: our own source while MASTER, the source of the last accepted advert while
    /// BACKUP (keepalived's master_saddr), otherwise null. Read from other threads (status).
    /// </summary>
    public IPAddress? MasterAddress => State switch
    {
        VrrpState.Master => SourceAddress,
        VrrpState.Backup => Volatile.Read(ref _lastAdvertSource),
        _ => null,
    };

    public byte Priority => _router?.Priority ?? Options.Priority;

    public VrrpRouter Router => _router ?? throw new InvalidOperationException("not bound to an interface yet");

    /// <summary>Raised on the interface thread after every transition (sync groups listen here).</summary>
    public event Action<VrrpInstance, VrrpStateChange>? StateChanged;

    /// <summary>Connects the instance to its interface once the source address is known; then <see cref="Start"/>.</summary>
    public void Bind(IVrrpWire wire, IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _wire = wire ?? throw new ArgumentNullException(nameof(wire));
        SourceAddress = source;
        _filter = CreateFilter(source);
        _router = new VrrpRouter(new VrrpRouterOptions
        {
            Version = Options.Version,
            Priority = Options.Priority,
            AdvertisementInterval = Options.AdvertisementInterval,
            Preempt = Options.Preempt,
            PreemptDelay = Options.PreemptDelay,
            InitialState = Options.InitialState,
            PrimaryAddress = VrrpAddress.ToUInt128(source),
            DownTimerAdverts = Options.DownTimerAdverts,
            AdvertOnLowerPriority = Options.AdvertOnLowerPriority,
            AdvertBeforeYielding = Options.AdvertBeforeYielding,
        }, _time, this);

        // Tracking may have reported before the interface thread existed.
        if (_priorityAdjustment != 0)
        {
            _router.SetPriority(EffectivePriority(Options.Priority, _priorityAdjustment));
        }

        _router.SetFault(_ownFault || _groupFault);
    }

    public void Start() => Router.Start();

    /// <summary>Shutdown: a master resigns with priority 0 and releases its addresses.</summary>
    public void Stop() => _router?.Stop();

    public long? NextDeadline
    {
        get
        {
            var router = _router?.NextDeadline;
            var garp = Garp.NextDeadline;
            return router is null ? garp : garp is null ? router : Math.Min(router.Value, garp.Value);
        }
    }

    /// <summary>Fires whatever is due now.</summary>
    public void OnTimer()
    {
        var now = _time.GetTimestamp();
        if (_router?.NextDeadline <= now)
        {
            _router.OnTimer();
        }

        if (Garp.NextDeadline <= now)
        {
            var frames = Garp.TakeDue();
            if (frames > 0 && State == VrrpState.Master)
            {
                _wire?.Announce(this, frames);
            }
        }
    }

    /// <summary>A structurally valid advert for this VRID: apply the instance's rules, count, and feed the state machine.</summary>
    public void HandleAdvert(in VrrpPacket packet)
    {
        if (_filter is null || _router is null)
        {
            return;
        }

        var reason = _filter.Check(packet);
        if (reason != VrrpDropReason.None)
        {
            Drops.Increment(reason);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("{Instance}: dropped advert from {Source}: {Reason}", Name, new IPAddress(packet.Source), reason);
            }

            return;
        }

        AdvertsReceived++;
        var wasMaster = _router.State == VrrpState.Master;
        var source = VrrpAddress.ToUInt128(packet.Source);
        if (_lastAdvertSource is null || source != _lastAdvertSourceBits)
        {
            // Allocates only when the sender changes, not per advert.
            _lastAdvertSourceBits = source;
            Volatile.Write(ref _lastAdvertSource, new IPAddress(packet.Source));
        }

        _router.OnAdvertisement(new VrrpAdvertInfo(packet.Priority, packet.Interval, source));
        if (wasMaster && _router.State == VrrpState.Master && packet.Priority != 0 && packet.Priority < _router.Priority)
        {
            if (Options.Garp.LowerPriorityRepeat > 0)
            {
                _wire?.Announce(this, Options.Garp.LowerPriorityRepeat);
            }

            _notify.MasterReceivedLowerPriority(Name);
        }
    }

    /// <summary>Tracking: the sum of weights of tracked objects; the effective priority is clamped to 1..254 (owner unaffected).</summary>
    public void SetPriorityAdjustment(int adjustment)
    {
        _priorityAdjustment = adjustment;
        if (_router is not null)
        {
            _router.SetPriority(EffectivePriority(Options.Priority, adjustment));
        }
    }

    public int PriorityAdjustment => _priorityAdjustment;

    /// <summary>keepalived: an owner (255) ignores weights; others stay within 1..254.</summary>
    public static byte EffectivePriority(byte configured, int adjustment) =>
        configured == VrrpConstants.PriorityOwner ? configured : (byte)Math.Clamp(configured + adjustment, 1, 254);

    /// <summary>Tracking raises / clears this instance's own Fault.</summary>
    public void SetFault(bool faulted)
    {
        var changed = _ownFault != faulted;
        _ownFault = faulted;
        _router?.SetFault(_ownFault || _groupFault);
        if (changed)
        {
            OwnFaultChanged?.Invoke(this, faulted);
        }
    }

    /// <summary>Raised on the interface thread when the instance's own fault (tracking) changes; sync groups listen.</summary>
    public event Action<VrrpInstance, bool>? OwnFaultChanged;

    /// <summary>A sync group puts every member in Fault while any member has its own fault.</summary>
    public void SetGroupFault(bool faulted)
    {
        _groupFault = faulted;
        _router?.SetFault(_ownFault || _groupFault);
    }

    /// <summary>Whether the instance itself (not its group) is faulted.</summary>
    public bool HasOwnFault => _ownFault;

    void IVrrpRouterSink.SendAdvertisement(byte priority)
    {
        if (_wire?.SendAdvert(this, priority) == true)
        {
            AdvertsSent++;
        }
    }

    void IVrrpRouterSink.StateChanged(VrrpStateChange change)
    {
        _logger.LogInformation("{Instance}: entering {State} ({Reason})", Name, change.To, change.Reason);
        if (change.To == VrrpState.Master)
        {
            BecameMaster++;
            InstallAddresses();
            var frames = Garp.OnBecameMaster();
            _wire?.Announce(this, frames);
        }
        else if (change.From == VrrpState.Master)
        {
            Garp.OnLeftMaster();
            RemoveAddresses();
        }

        _notify.Notify(new VrrpNotification(VrrpNotification.InstanceKind, Name, change.To, Priority, change.Reason));
        StateChanged?.Invoke(this, change);
    }

    private void InstallAddresses()
    {
        foreach (var address in AllAddresses(Options))
        {
            AddAddress(address);
        }

        _installed = true;
    }

    private void RemoveAddresses()
    {
        if (!_installed)
        {
            return;
        }

        foreach (var address in AllAddresses(Options))
        {
            RemoveAddress(address);
        }

        _installed = false;
    }

    /// <summary>
    /// keepalived: with <c>use_vmac</c>, an address without a <c>dev</c> (or whose <c>dev</c> is the instance's own
    /// interface) goes on the VMAC; any other goes on its <c>dev</c>.
    /// </summary>
    internal static (VirtualAddress Address, string Device) Placement(VirtualAddress address, VrrpInstanceOptions options)
    {
        if (options.VirtualMac is { } vmac && (address.Device is null || address.Device == options.Interface))
        {
            return (address with { Device = null }, vmac.InterfaceName);
        }

        return (address, address.Device ?? options.Interface);
    }

    private void AddAddress(VirtualAddress address)
    {
        try
        {
            var (placed, device) = Placement(address, Options);
            _addresses.Add(placed, device);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "{Instance}: cannot add {Address}", Name, address);
        }
    }

    private void RemoveAddress(VirtualAddress address)
    {
        try
        {
            var (placed, device) = Placement(address, Options);
            _addresses.Remove(placed, device);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "{Instance}: cannot remove {Address}", Name, address);
        }
    }

    internal bool IsIPv6 => Options.Family == AddressFamily.InterNetworkV6;

    /// <summary>
    /// Whether <paramref name="next"/> differs from <paramref name="current"/> only in what <see cref="Reconfigure"/>
    /// applies in place: the addresses (same family, at least one advertised) and the GARP options. Everything else
    /// takes part in the election or the socket set-up and needs a new instance.
    /// </summary>
    public static bool CanReconfigure(VrrpInstanceOptions current, VrrpInstanceOptions next)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        return next.VirtualAddresses.Count > 0
            && current.Family == next.Family
            && current.Name == next.Name
            && current.Interface == next.Interface
            && current.VirtualRouterId == next.VirtualRouterId
            && current.Version == next.Version
            && current.Priority == next.Priority
            && current.AdvertisementInterval == next.AdvertisementInterval
            && current.InitialState == next.InitialState
            && current.Preempt == next.Preempt
            && current.PreemptDelay == next.PreemptDelay
            && current.AuthType == next.AuthType
            && current.AuthPassword == next.AuthPassword
            && Equals(current.SourceAddress, next.SourceAddress)
            && current.UnicastPeers.SequenceEqual(next.UnicastPeers)
            && current.UnicastTtl == next.UnicastTtl
            && Equals(current.MulticastGroup, next.MulticastGroup)
            && current.V3ChecksumForm == next.V3ChecksumForm
            && current.CheckAddressList == next.CheckAddressList
            && current.AdvertOnLowerPriority == next.AdvertOnLowerPriority
            && current.AdvertBeforeYielding == next.AdvertBeforeYielding
            && current.DownTimerAdverts == next.DownTimerAdverts
            && Equals(current.VirtualMac, next.VirtualMac);
    }

    /// <summary>
    /// Reload in place (interface thread): new addresses and GARP options without leaving the current state. A master
    /// removes the dropped addresses, installs and announces the new ones, and its next advert carries the new list; a
    /// backup only checks adverts against the new list from now on.
    /// </summary>
    public void Reconfigure(VrrpInstanceOptions next)
    {
        if (!CanReconfigure(Options, next))
        {
            throw new ArgumentException($"{Name}: the change is election-relevant and needs a restart of the instance", nameof(next));
        }

        var before = AllAddresses(Options).ToList();
        var after = AllAddresses(next).ToList();
        var added = after.Where(a => !before.Contains(a)).ToList();
        var removed = before.Where(a => !after.Contains(a)).ToList();
        _options = next;
        _template = CreateTemplate(next);
        _addressBytes = after.Select(a => a.Address.GetAddressBytes()).ToArray();
        Garp.Update(next.Garp);
        if (SourceAddress is not null)
        {
            _filter = CreateFilter(SourceAddress);
        }

        _wire?.Refresh(this);
        if (_installed)
        {
            foreach (var address in removed)
            {
                RemoveAddress(address);
            }

            foreach (var address in added)
            {
                AddAddress(address);
            }
        }

        if (State == VrrpState.Master && added.Count > 0)
        {
            _wire?.Announce(this, next.Garp.MasterRepeat, [.. added.Select(a => a.Address.GetAddressBytes())]);
        }

        _logger.LogInformation("{Instance}: reconfigured in place ({Added} addresses added, {Removed} removed)", Name, added.Count, removed.Count);
    }

    private static IEnumerable<VirtualAddress> AllAddresses(VrrpInstanceOptions options) => options.VirtualAddresses.Concat(options.ExcludedAddresses);

    private static VrrpAdvertTemplate CreateTemplate(VrrpInstanceOptions options) =>
        VrrpAdvertTemplate.Create(options.Version, options.VirtualRouterId, options.AdvertisementInterval,
            [.. options.VirtualAddresses.Select(a => a.Address)], options.AuthType, options.AuthPassword);

    private VrrpAdvertFilter CreateFilter(IPAddress source) => new(Template, new VrrpAdvertFilterOptions
    {
        UnicastPeers = Options.UnicastPeers,
        OwnAddresses = [source],
        CheckAddressList = Options.CheckAddressList,
    });
}
