using System.Net.Sockets;
using Kad.Config.Model;
using Kad.Vrrp.Engine;
using Kad.Vrrp.Packets;
using Kad.Vrrp.StateMachine;
using Kad.Vrrp.Tracking;
using ModelInstance = Kad.Config.Model.VrrpInstance;
using ModelScript = Kad.Config.Model.VrrpScript;

namespace Kad.Daemon.Vrrp;

/// <summary>
/// One engine's worth of the configuration: a sync group with its members, or one instance that is in no group.
/// Units are the granularity of a reload: an unchanged unit keeps its engine (and so its state); a changed one is
/// replaced. Equality is on the parsed model, which compares by value and ignores source positions.
/// </summary>
internal sealed record VrrpUnit(string Key, VrrpEngineOptions Options, IReadOnlyDictionary<string, NotifyScripts> Notify, VrrpUnitSource Source);

/// <summary>What a unit was built from; two units with equal sources run identically.</summary>
internal sealed record VrrpUnitSource(EquatableArray<ModelInstance> Instances, VrrpSyncGroup? Group, EquatableArray<ModelScript> Scripts, VrrpGlobalDefaults Globals, EquatableArray<VrrpTrackFile> TrackFiles = default)
{
    /// <summary>
    /// The source without what a reload can apply to running instances (virtual addresses, notify scripts, GARP
    /// timing, tracking weights): two units whose election parts are equal differ only in those, and the address
    /// family of each instance must stay the same too.
    /// </summary>
    public VrrpUnitSource ElectionPart() => this with
    {
        Instances = [.. Instances.Select(i => i with
        {
            VirtualAddresses = [],
            ExcludedVirtualAddresses = [],
            Notify = new(),
            Garp = new(),
            TrackInterfaces = Unweighted(i.TrackInterfaces),
            TrackScripts = Unweighted(i.TrackScripts),
            TrackFiles = Unweighted(i.TrackFiles),
        })],
        Group = Group is null ? null : Group with
        {
            Notify = new(),
            TrackInterfaces = Unweighted(Group.TrackInterfaces),
            TrackScripts = Unweighted(Group.TrackScripts),
            TrackFiles = Unweighted(Group.TrackFiles),
        },
        Scripts = [.. Scripts.Select(s => s with { Weight = null, WeightReverse = false })],
        TrackFiles = [.. TrackFiles.Select(f => f with { Weight = null, WeightReverse = false })],
        Globals = Globals with { Garp = new(), GarpInterval = null, GnaInterval = null, MinGarp = null },
    };

    // What is tracked stays election-relevant (a new script needs its monitor); only how much it weighs is not.
    private static EquatableArray<TrackedInterface> Unweighted(EquatableArray<TrackedInterface> tracked) =>
        [.. tracked.Select(t => t with { Weight = null, Reverse = false })];

    private static EquatableArray<TrackedScript> Unweighted(EquatableArray<TrackedScript> tracked) =>
        [.. tracked.Select(t => t with { Weight = null, Reverse = null })];

    private static EquatableArray<TrackedFile> Unweighted(EquatableArray<TrackedFile> tracked) =>
        [.. tracked.Select(t => t with { Weight = null, Reverse = null })];

    /// <summary>Whether <paramref name="next"/> can be applied to running instances without restarting them.</summary>
    public bool CanApplyInPlace(VrrpUnitSource next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return ElectionPart() == next.ElectionPart()
            && Instances.Zip(next.Instances).All(p => !p.Second.VirtualAddresses.IsEmpty
                && !p.First.VirtualAddresses.IsEmpty
                && p.First.VirtualAddresses[0].Address.AddressFamily == p.Second.VirtualAddresses[0].Address.AddressFamily);
    }
}

/// <summary>The global_defs values that VRRP instances inherit (the rest of global_defs does not touch VRRP).</summary>
internal sealed record VrrpGlobalDefaults(
    int? Version,
    GarpSettings Garp,
    bool? LowerPriorityNoAdvert,
    bool? HigherPrioritySendAdvert,
    bool? SkipCheckAdvertAddresses,
    int? DownTimerAdverts,
    System.Net.IPAddress? MulticastGroup4,
    System.Net.IPAddress? MulticastGroup6,
    TimeSpan? GarpInterval,
    TimeSpan? GnaInterval,
    bool? MinGarp,
    string? VmacPrefix = null)
{
    public static VrrpGlobalDefaults From(GlobalDefinitions global) => new(
        global.VrrpVersion,
        global.Garp,
        global.LowerPriorityNoAdvert,
        global.HigherPrioritySendAdvert,
        global.SkipCheckAdvertAddresses,
        global.DownTimerAdverts,
        global.VrrpMulticastGroup4,
        global.VrrpMulticastGroup6,
        global.GarpInterval,
        global.GnaInterval,
        global.MinGarp,
        global.VmacPrefix);
}

/// <summary>Maps the parsed configuration onto the VRRP engine's options, resolving keepalived's defaults in one place.</summary>
internal static class VrrpOptionsMapper
{
    /// <summary>The units of <paramref name="config"/>, in configuration order (groups first, then lone instances).</summary>
    public static IReadOnlyList<VrrpUnit> Units(KeepalivedConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var globals = VrrpGlobalDefaults.From(config.Global);
        var byName = config.VrrpInstances.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var grouped = new HashSet<string>(StringComparer.Ordinal);
        var units = new List<VrrpUnit>();
        foreach (var group in config.VrrpSyncGroups)
        {
            var members = group.Members.Select(m => m.Name).Where(byName.ContainsKey).ToList();
            grouped.UnionWith(members);
            units.Add(Unit($"group {group.Name}", [.. members.Select(m => byName[m])], group, config, globals));
        }

        foreach (var instance in config.VrrpInstances.Where(i => !grouped.Contains(i.Name)))
        {
            units.Add(Unit($"instance {instance.Name}", [instance], null, config, globals));
        }

        return units;
    }

    private static VrrpUnit Unit(string key, EquatableArray<ModelInstance> instances, VrrpSyncGroup? group, KeepalivedConfig config, VrrpGlobalDefaults globals)
    {
        var scriptNames = instances.SelectMany(i => i.TrackScripts.Select(t => t.Name))
            .Concat(group?.TrackScripts.Select(t => t.Name) ?? [])
            .ToHashSet(StringComparer.Ordinal);
        EquatableArray<ModelScript> scripts = [.. config.VrrpScripts.Where(s => scriptNames.Contains(s.Name))];
        var scriptsByName = scripts.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var fileNames = instances.SelectMany(i => i.TrackFiles.Select(t => t.Name))
            .Concat(group?.TrackFiles.Select(t => t.Name) ?? [])
            .ToHashSet(StringComparer.Ordinal);
        EquatableArray<VrrpTrackFile> files = [.. config.TrackFiles.Where(f => fileNames.Contains(f.Name))];
        var filesByName = files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var options = new VrrpEngineOptions
        {
            Instances = [.. instances.Select(i => new VrrpInstanceSettings(Instance(i, config.Global), Tracking(i, group, scriptsByName, filesByName)))],
            SyncGroups = group is null
                ? new Dictionary<string, IReadOnlyList<string>>()
                : new Dictionary<string, IReadOnlyList<string>> { [group.Name] = [.. instances.Select(i => i.Name)] },
            Scripts = [.. scripts.Where(s => s.Script is not null).Select(Script)],
        };
        var notify = new Dictionary<string, NotifyScripts>(StringComparer.Ordinal);
        foreach (var instance in instances)
        {
            notify[instance.Name] = Notify(instance.Notify);
        }

        if (group is not null)
        {
            notify[group.Name] = Notify(group.Notify);
        }

        // vmac_prefix matters only to units with an unnamed use_vmac: a change of it must not restart the others.
        var unitGlobals = instances.Any(i => i.VirtualMac is { InterfaceName: null }) ? globals : globals with { VmacPrefix = null };
        return new VrrpUnit(key, options, notify, new VrrpUnitSource(instances, group, scripts, unitGlobals, files));
    }

    /// <summary>One instance with keepalived's defaults for everything left unset (instance, then global_defs, then built-in).</summary>
    public static VrrpInstanceOptions Instance(ModelInstance instance, GlobalDefinitions global)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(global);
        var addresses = instance.VirtualAddresses.Select(Address).ToList();
        var ipv6 = addresses.Count > 0 && addresses[0].Address.AddressFamily == AddressFamily.InterNetworkV6;
        // keepalived: IPv6 instances always speak VRRPv3.
        var version = ipv6 ? 3 : instance.Version ?? global.VrrpVersion ?? 2;
        var garp = Garp(instance.Garp, global);
        return new VrrpInstanceOptions
        {
            Name = instance.Name,
            Interface = instance.Interface ?? global.DefaultInterface ?? "eth0",
            VirtualRouterId = checked((byte)(instance.VirtualRouterId ?? 0)),
            VirtualAddresses = addresses,
            ExcludedAddresses = [.. instance.ExcludedVirtualAddresses.Select(Address)],
            Version = version == 3 ? VrrpVersion.V3 : VrrpVersion.V2,
            Priority = checked((byte)(instance.Priority ?? VrrpConstants.PriorityDefault)),
            AdvertisementInterval = instance.AdvertInterval ?? TimeSpan.FromSeconds(1),
            InitialState = instance.State == VrrpInitialState.Master ? VrrpState.Master : VrrpState.Backup,
            Preempt = instance.Preempt ?? true,
            PreemptDelay = instance.PreemptDelay ?? TimeSpan.Zero,
            // Authentication exists only in VRRPv2 (RFC 5798 removed it).
            AuthType = version == 2 ? AuthType(instance.Authentication) : Kad.Vrrp.Packets.VrrpAuthType.None,
            AuthPassword = version == 2 ? instance.Authentication?.Password : null,
            SourceAddress = instance.SourceAddress,
            UnicastPeers = [.. instance.UnicastPeers.Select(p => p.Address)],
            UnicastTtl = (byte)Math.Clamp(instance.UnicastTtl ?? VrrpConstants.RequiredTtl, 1, 255),
            MulticastGroup = instance.MulticastDestination ?? (ipv6 ? global.VrrpMulticastGroup6 : global.VrrpMulticastGroup4),
            CheckAddressList = !(instance.SkipCheckAdvertAddresses ?? global.SkipCheckAdvertAddresses ?? false),
            AdvertOnLowerPriority = !(instance.LowerPriorityNoAdvert ?? global.LowerPriorityNoAdvert ?? false),
            AdvertBeforeYielding = instance.HigherPrioritySendAdvert ?? global.HigherPrioritySendAdvert ?? false,
            DownTimerAdverts = instance.DownTimerAdverts ?? global.DownTimerAdverts ?? 3,
            Garp = garp,
            VirtualMac = VirtualMacOptions(instance, ipv6, global.VmacPrefix),
        };
    }

    /// <summary><c>use_vmac [NAME] [MAC]</c>: default name vrrp.VRID and the RFC MAC of the family; keepalived.conf(5):
    /// unicast needs <c>vmac_xmit_base</c>, so a unicast instance sends from the base as if it were written.</summary>
    public static VirtualMacOptions? VirtualMacOptions(ModelInstance instance, bool ipv6, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.VirtualMac is not { } vmac)
        {
            return null;
        }

        var vrid = checked((byte)(instance.VirtualRouterId ?? 0));
        return new VirtualMacOptions
        {
            InterfaceName = vmac.InterfaceName ?? VirtualMac.DefaultInterfaceName(vrid, prefix ?? VirtualMac.DefaultPrefix),
            MacAddress = vmac.MacAddress is { } written
                ? VirtualMac.FromWritten(Convert.FromHexString(written.Replace(":", "", StringComparison.Ordinal)), vrid)
                : VirtualMac.Address(vrid, ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork),
            TransmitOnBase = instance.VirtualMacTransmitBase || instance.UnicastPeerBlock,
        };
    }

    public static VirtualAddress Address(VirtualIpAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var host = address.Address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        return new VirtualAddress(address.Address, address.PrefixLength ?? host, address.Device, address.Label, address.Scope);
    }

    /// <summary>Per-instance garp_* over global vrrp_garp_* over keepalived's defaults (5 s, 5 frames, no refresh;
    /// <c>vrrp_min_garp</c>: 1 frame, no second burst), with the global per-interface spacing.</summary>
    public static GarpOptions Garp(GarpSettings instance, GlobalDefinitions global)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(global);
        var minimal = global.MinGarp == true;
        var repeat = instance.MasterRepeat ?? global.Garp.MasterRepeat ?? (minimal ? 1 : 5);
        return new GarpOptions
        {
            MasterDelay = instance.MasterDelay ?? global.Garp.MasterDelay ?? (minimal ? TimeSpan.Zero : TimeSpan.FromSeconds(5)),
            MasterRepeat = repeat,
            MasterRefresh = instance.MasterRefresh ?? global.Garp.MasterRefresh ?? TimeSpan.Zero,
            MasterRefreshRepeat = instance.MasterRefreshRepeat ?? global.Garp.MasterRefreshRepeat ?? 1,
            LowerPriorityRepeat = instance.LowerPriorityRepeat ?? global.Garp.LowerPriorityRepeat ?? repeat,
            ArpSpacing = global.GarpInterval ?? TimeSpan.Zero,
            NaSpacing = global.GnaInterval ?? TimeSpan.Zero,
        };
    }

    private static Kad.Vrrp.Packets.VrrpAuthType AuthType(VrrpAuthentication? authentication) => authentication?.Type switch
    {
        Kad.Config.Model.VrrpAuthType.Password => Kad.Vrrp.Packets.VrrpAuthType.SimplePassword,
        Kad.Config.Model.VrrpAuthType.AuthenticationHeader => Kad.Vrrp.Packets.VrrpAuthType.IpAuthenticationHeader,
        _ => Kad.Vrrp.Packets.VrrpAuthType.None,
    };

    private static VrrpTrackingOptions Tracking(ModelInstance instance, VrrpSyncGroup? group, Dictionary<string, ModelScript> scripts, Dictionary<string, VrrpTrackFile> files)
    {
        // keepalived: a track_file's weight defaults to 1; a weight on the tracking line overrides the block's.
        var trackedFiles = instance.TrackFiles.Concat(group?.TrackFiles ?? [])
            .Where(t => files.TryGetValue(t.Name, out var f) && f.File is not null)
            .Select(t => new TrackedFileOptions(t.Name, files[t.Name].File!, t.Weight ?? files[t.Name].Weight ?? 1, t.Reverse ?? files[t.Name].WeightReverse))
            .ToList();
        var interfaces = instance.TrackInterfaces.Concat(group?.TrackInterfaces ?? [])
            .Select(t => new TrackedInterfaceOptions(t.Name, t.Weight ?? 0, t.Reverse))
            .ToList();
        var tracked = instance.TrackScripts.Concat(group?.TrackScripts ?? [])
            .Where(t => scripts.TryGetValue(t.Name, out var s) && s.Script is not null)
            .Select(t => new TrackedScriptOptions(t.Name, t.Weight, t.Reverse ?? scripts[t.Name].WeightReverse))
            .ToList();
        return new VrrpTrackingOptions { Interfaces = interfaces, Scripts = tracked, Files = trackedFiles, DontTrackPrimary = instance.DontTrackPrimary };
    }

    private static VrrpScriptSettings Script(ModelScript script) => new(
        new VrrpScriptOptions
        {
            Name = script.Name,
            Argv = [.. script.Script!.Arguments],
            Interval = script.Interval ?? TimeSpan.FromSeconds(1),
            Timeout = script.Timeout,
            Rise = script.Rise ?? 1,
            Fall = script.Fall ?? 1,
            InitFail = script.InitFail,
        },
        script.Weight ?? 0);

    private static NotifyScripts Notify(VrrpNotifyScripts notify) => new()
    {
        Master = Argv(notify.Master),
        Backup = Argv(notify.Backup),
        Fault = Argv(notify.Fault),
        Stop = Argv(notify.Stop),
        Any = Argv(notify.Any),
        MasterRxLowerPriority = Argv(notify.MasterRxLowerPriority),
    };

    private static string[]? Argv(ScriptCommand? command) => command is null ? null : [.. command.Arguments];
}

/// <summary>
/// What a reload does to the VRRP units: keep the unchanged, update in place those whose change is not election-relevant
/// (addresses, notify scripts, GARP timing), stop the removed, restart the changed, start the new.
/// </summary>
internal sealed record VrrpReloadPlan(IReadOnlyList<string> Kept, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Changed)
{
    /// <summary>Changed units applied to the running instances, which keep their state.</summary>
    public IReadOnlyList<string> Updated { get; init; } = [];

    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0 && Updated.Count == 0;

    public static VrrpReloadPlan Compute(IEnumerable<VrrpUnit> running, IEnumerable<VrrpUnit> wanted)
    {
        var old = running.ToDictionary(u => u.Key, StringComparer.Ordinal);
        var next = wanted.ToDictionary(u => u.Key, StringComparer.Ordinal);
        var kept = new List<string>();
        var added = new List<string>();
        var changed = new List<string>();
        var updated = new List<string>();
        foreach (var (key, unit) in next)
        {
            if (!old.TryGetValue(key, out var current))
            {
                added.Add(key);
            }
            else if (current.Source == unit.Source)
            {
                kept.Add(key);
            }
            else if (current.Source.CanApplyInPlace(unit.Source))
            {
                updated.Add(key);
            }
            else
            {
                changed.Add(key);
            }
        }

        return new VrrpReloadPlan(kept, added, [.. old.Keys.Where(k => !next.ContainsKey(k))], changed) { Updated = updated };
    }

    /// <summary>One human line per change, for the log and <c>dotnet-kad reload</c>.</summary>
    public IReadOnlyList<string> Describe() =>
    [
        .. Added.Select(k => $"vrrp: {k} added"),
        .. Updated.Select(k => $"vrrp: {k} changed (applied in place, state kept)"),
        .. Changed.Select(k => $"vrrp: {k} changed (restarted)"),
        .. Removed.Select(k => $"vrrp: {k} removed"),
    ];
}
