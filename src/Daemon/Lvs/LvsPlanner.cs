using System.Collections.Immutable;
using Kad.Checkers;
using Kad.Config.Model;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Lvs;

/// <summary>A script to run because something changed (notify_up/down, quorum_up/down), with why.</summary>
public sealed record LvsNotification(ScriptCommand Script, string Reason);

/// <summary>What one planning pass decided: the table to reach and the scripts to run.</summary>
public sealed record LvsPlan(DesiredTable Desired, IReadOnlyList<LvsNotification> Notifications)
{
    /// <summary>The earliest moment a drain may end by timeout, so the caller can plan again then; null if nothing drains.</summary>
    public DateTimeOffset? NextDrainDeadline { get; init; }
}

/// <summary>
/// Derives the desired IPVS table from model × health, carrying keepalived's state between passes: each virtual
/// server's quorum state (with hysteresis), each real server's last alive state (for notify scripts), destinations
/// being drained, and objects a reload retired. Pure apart from that state; time is passed in. Not thread-safe:
/// the service calls it under its own lock.
/// </summary>
public sealed class LvsPlanner
{
    private readonly Dictionary<string, bool> _quorumUp = new(StringComparer.Ordinal);
    private readonly Dictionary<RealServerKey, bool> _alive = [];
    private readonly Dictionary<(IpvsServiceKey Service, DestinationKey Destination), DateTimeOffset> _draining = [];
    private readonly Dictionary<IpvsServiceKey, Dictionary<DestinationKey, TimeSpan?>> _retiredDestinations = [];
    private readonly HashSet<IpvsServiceKey> _retiredServices = [];
    private LvsModel _model = LvsModel.Empty;

    /// <summary>Names used more than once in the current model (null before the first switch).</summary>
    private HashSet<string>? _duplicateNames;

    /// <summary>The virtual servers of the current model owning each service, when known (built on demand, kept up to date by <see cref="SwitchInPlace"/>).</summary>
    private Dictionary<IpvsServiceKey, List<ManagedVirtualServer>>? _owners;

    public LvsModel Model => _model;

    /// <summary>
    /// The services of <paramref name="scope"/> whose plan depends on the kernel's live connection counts: those of
    /// virtual servers with a drain timeout (theirs or a real server's), or every one of them while a drain or a
    /// retired destination is pending. A pass planned from a remembered table must read these first.
    /// </summary>
    public HashSet<IpvsServiceKey> ServicesNeedingCounts(IReadOnlySet<string> scope)
    {
        var pending = _draining.Count > 0 || _retiredDestinations.Count > 0;
        return _model.VirtualServers
            .Where(v => scope.Contains(v.Name) && (pending || v.DrainTimeout is not null || v.RealServers.Any(r => r.DrainTimeout is not null)))
            .SelectMany(v => v.Services)
            .Select(s => s.Key)
            .ToHashSet();
    }

    /// <summary>Whether a virtual server currently has quorum (null before its first pass).</summary>
    public bool? HasQuorum(string virtualServer) => _quorumUp.TryGetValue(virtualServer, out var up) ? up : null;

    /// <summary>
    /// Switches to a new model (start or reload). Services no longer configured are retired (deleted); destinations
    /// no longer configured under a kept service are retired too (drained first if the old virtual server drained).
    /// Quorum and alive state of what remains is kept, so a reload triggers no scripts for unchanged servers.
    /// Returns the names of the new model's virtual servers a pass must plan for the switch to take effect: those
    /// that are new or differ from their namesake, and those whose services have retired destinations. Work is in
    /// proportion to what changed (plus one comparison per virtual server), so a one-line reload stays cheap.
    /// </summary>
    public IReadOnlySet<string> SetModel(LvsModel model)
    {
        var inPlace = SwitchInPlace(model);
        LastSwitchWasInPlace = inPlace is not null;
        var changed = inPlace ?? SwitchAll(model);
        _model = model;
        return changed;
    }

    /// <summary>Whether the last <see cref="SetModel"/> looked only at the places that differ (tests).</summary>
    internal bool LastSwitchWasInPlace { get; private set; }

    /// <summary>The switch in general: every virtual server of both models compared by name.</summary>
    private HashSet<string> SwitchAll(LvsModel model)
    {
        var before = ByName(_model.VirtualServers);
        var after = ByName(model.VirtualServers);
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, vs) in after)
        {
            if (vs is null || !before.TryGetValue(name, out var was) || was is null || !was.Equals(vs))
            {
                changed.Add(name);
            }
        }

        // The owners of each new service, built only when an old virtual server changed (what stays managed under a
        // service can come from any virtual server sharing it).
        Dictionary<IpvsServiceKey, List<ManagedVirtualServer>>? owners = null;
        foreach (var vs in _model.VirtualServers)
        {
            if (!changed.Contains(vs.Name) && after.ContainsKey(vs.Name))
            {
                continue;
            }

            owners ??= Owners(model);
            Retire(vs, owners);
            var now = after.GetValueOrDefault(vs.Name);
            if (now is not null || !after.ContainsKey(vs.Name))
            {
                // (A name used twice in the new model keeps its servers' state: they may live on under either.)
                ForgetGoneServers(vs, now);
            }

            if (!after.ContainsKey(vs.Name))
            {
                _quorumUp.Remove(vs.Name);
            }
        }

        foreach (var vs in model.VirtualServers.Where(v => changed.Contains(v.Name)))
        {
            foreach (var service in vs.Services)
            {
                _retiredServices.Remove(service.Key);
            }
        }

        if (_retiredDestinations.Count > 0)
        {
            owners ??= Owners(model);
            ReviewRetiredDestinations(owners, changed);
        }

        _duplicateNames = [.. after.Where(n => n.Value is null).Select(n => n.Key)];
        _owners = owners;
        return changed;
    }

    /// <summary>
    /// The switch when the new model differs from the current one at a few places only, each keeping its name (used
    /// once in both) and its services — a reload that edited a few virtual servers: what <see cref="SwitchAll"/>
    /// does, done for those places only, with the owners of each service kept from one switch to the next. Null
    /// when the models differ otherwise.
    /// </summary>
    private HashSet<string>? SwitchInPlace(LvsModel model)
    {
        var (old, next) = (_model.VirtualServers, model.VirtualServers);
        if (_duplicateNames is null || old.Count != next.Count)
        {
            return null;
        }

        var differing = new List<int>();
        for (var i = 0; i < next.Count; i++)
        {
            if (ReferenceEquals(old[i], next[i]))
            {
                continue;
            }

            if (old[i].Name != next[i].Name || _duplicateNames.Contains(next[i].Name) || differing.Count >= Math.Max(8, next.Count / 16) ||
                !old[i].Services.Select(s => s.Key).SequenceEqual(next[i].Services.Select(s => s.Key)))
            {
                return null;
            }

            differing.Add(i);
        }

        var owners = _owners ??= Owners(_model);
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in differing)
        {
            var (was, now) = (old[i], next[i]);
            foreach (var service in now.Services)
            {
                var list = owners[service.Key];
                list[list.FindIndex(v => ReferenceEquals(v, was))] = now;
            }

            if (was.Equals(now))
            {
                continue;
            }

            changed.Add(now.Name);
            Retire(was, owners);
            ForgetGoneServers(was, now);
            foreach (var service in now.Services)
            {
                _retiredServices.Remove(service.Key);
            }
        }

        if (_retiredDestinations.Count > 0)
        {
            ReviewRetiredDestinations(owners, changed);
        }

        return changed;
    }

    /// <summary>
    /// An old virtual server that changed or went: its services no virtual server of the new model has are retired
    /// (deleted), and under those kept, its destinations no owner manages any more are retired (drained first if it
    /// drained). <paramref name="owners"/> are the new model's.
    /// </summary>
    private void Retire(ManagedVirtualServer vs, Dictionary<IpvsServiceKey, List<ManagedVirtualServer>> owners)
    {
        foreach (var service in vs.Services)
        {
            if (!owners.TryGetValue(service.Key, out var kept))
            {
                _retiredServices.Add(service.Key);
                continue;
            }

            var managed = kept.SelectMany(Managed).ToHashSet();
            foreach (var destination in Managed(vs).Where(d => !managed.Contains(d)))
            {
                if (!_retiredDestinations.TryGetValue(service.Key, out var retired))
                {
                    retired = [];
                    _retiredDestinations[service.Key] = retired;
                }

                retired[destination] = DrainTimeoutOf(vs, destination);
            }
        }
    }

    /// <summary>Forgets the alive state of <paramref name="vs"/>'s real servers that <paramref name="now"/> (its successor, if any) does not have.</summary>
    private void ForgetGoneServers(ManagedVirtualServer vs, ManagedVirtualServer? now)
    {
        foreach (var gone in vs.RealServers.Select(r => r.HealthKey).Where(k => now is null || !now.RealServers.Any(r => r.HealthKey == k)))
        {
            _alive.Remove(gone);
        }
    }

    /// <summary>
    /// Retired destinations that a virtual server of the new model manages again stay; the owners of services that
    /// still have retired ones are planned (added to <paramref name="changed"/>); a retired service takes its
    /// retired destinations with it.
    /// </summary>
    private void ReviewRetiredDestinations(Dictionary<IpvsServiceKey, List<ManagedVirtualServer>> owners, HashSet<string> changed)
    {
        foreach (var (service, retired) in _retiredDestinations.ToList())
        {
            if (!owners.TryGetValue(service, out var kept))
            {
                // The whole service is retired (or gone): its destinations go with it.
                _retiredDestinations.Remove(service);
                continue;
            }

            foreach (var vs in kept)
            {
                foreach (var destination in Managed(vs))
                {
                    retired.Remove(destination);
                }

                if (retired.Count > 0)
                {
                    changed.Add(vs.Name);
                }
            }
        }
    }

    /// <summary>
    /// The services a pass over <paramref name="changed"/> (from <see cref="SetModel"/>) concerns — theirs and every
    /// retired one — when reading just those is cheaper than dumping a table of <paramref name="tableServices"/>
    /// services; null when a full pass is (most of the table changed).
    /// </summary>
    public HashSet<IpvsServiceKey>? PartialScope(IReadOnlySet<string> changed, int tableServices)
    {
        var services = _model.VirtualServers.Where(v => changed.Contains(v.Name)).SelectMany(v => v.Services).Select(s => s.Key).ToHashSet();
        services.UnionWith(_retiredServices);
        return services.Count * 2 <= tableServices ? services : null;
    }

    /// <summary>Virtual servers by name; null for a name used twice (never taken as unchanged).</summary>
    private static Dictionary<string, ManagedVirtualServer?> ByName(IReadOnlyList<ManagedVirtualServer> servers)
    {
        var byName = new Dictionary<string, ManagedVirtualServer?>(servers.Count, StringComparer.Ordinal);
        foreach (var vs in servers)
        {
            byName[vs.Name] = byName.ContainsKey(vs.Name) ? null : vs;
        }

        return byName;
    }

    private static Dictionary<IpvsServiceKey, List<ManagedVirtualServer>> Owners(LvsModel model)
    {
        var owners = new Dictionary<IpvsServiceKey, List<ManagedVirtualServer>>();
        foreach (var vs in model.VirtualServers)
        {
            foreach (var service in vs.Services)
            {
                if (!owners.TryGetValue(service.Key, out var list))
                {
                    owners[service.Key] = list = [];
                }

                list.Add(vs);
            }
        }

        return owners;
    }

    /// <summary>
    /// One pass: what the table must look like given each real server's health (absent = no checker, always up)
    /// and the actual table (for drains: connection counts and what is still there).
    /// </summary>
    public LvsPlan Plan(Func<RealServerKey, (Health Health, int Weight)?> health, ActualTable actual, DateTimeOffset now) =>
        Plan(health, actual, now, only: null);

    /// <summary>
    /// A pass over some virtual servers only (<paramref name="only"/> by name; null: all): the desired table then
    /// holds just their services, plus every retired service, so a diff against it touches nothing else.
    /// </summary>
    public LvsPlan Plan(Func<RealServerKey, (Health Health, int Weight)?> health, ActualTable actual, DateTimeOffset now, IReadOnlySet<string>? only)
    {
        var notifications = new List<LvsNotification>();
        var services = new List<DesiredService>();
        DateTimeOffset? nextDeadline = null;

        foreach (var vs in _model.VirtualServers)
        {
            if (only is not null && !only.Contains(vs.Name))
            {
                continue;
            }

            var states = vs.RealServers.Select(rs =>
            {
                var (state, weight) = health(rs.HealthKey) ?? (Health.Up, (int)rs.Destination.Weight);
                // keepalived keeps a server in service until a checker says otherwise (alpha starts checkers down).
                return (Server: rs, Alive: state != Health.Down, Weight: (uint)Math.Max(0, weight));
            }).ToList();

            foreach (var (rs, alive, _) in states)
            {
                if (_alive.TryGetValue(rs.HealthKey, out var was) && was != alive && (alive ? rs.NotifyUp : rs.NotifyDown) is { } script)
                {
                    notifications.Add(new LvsNotification(script, $"{rs.HealthKey} {(alive ? "up" : "down")}"));
                }

                _alive[rs.HealthKey] = alive;
            }

            var quorumUp = UpdateQuorum(vs, states.Where(s => s.Alive).Sum(s => (long)s.Weight), notifications);
            var useSorry = vs.SorryServer is not null && !quorumUp;

            foreach (var service in vs.Services)
            {
                var present = new Dictionary<DestinationKey, IpvsDestination>();
                var absent = new HashSet<DestinationKey>();
                actual.Services.TryGetValue(service.Key, out var have);

                foreach (var (rs, alive, weight) in states)
                {
                    // Lost quorum with a sorry server: keepalived takes even live servers out (inhibited ones to 0).
                    if (alive && !useSorry)
                    {
                        present[rs.Key] = rs.Destination with { Weight = weight };
                        _draining.Remove((service.Key, rs.Key));
                    }
                    else if (rs.InhibitOnFailure)
                    {
                        present[rs.Key] = rs.Destination with { Weight = 0 };
                        _draining.Remove((service.Key, rs.Key));
                    }
                    else
                    {
                        Leave(service.Key, rs.Key, rs.DrainTimeout ?? vs.DrainTimeout, have, now, present, absent, ref nextDeadline);
                    }
                }

                if (vs.SorryServer is { } sorry && !present.ContainsKey(DestinationKey.Of(sorry)))
                {
                    if (useSorry)
                    {
                        present[DestinationKey.Of(sorry)] = sorry;
                    }
                    else if (vs.SorryServerInhibit)
                    {
                        present[DestinationKey.Of(sorry)] = sorry with { Weight = 0 };
                    }
                    else
                    {
                        absent.Add(DestinationKey.Of(sorry));
                    }
                }

                if (_retiredDestinations.TryGetValue(service.Key, out var retired))
                {
                    foreach (var (destination, drain) in retired.ToList())
                    {
                        if (have is null || !have.Destinations.ContainsKey(destination))
                        {
                            retired.Remove(destination);
                            continue;
                        }

                        if (!present.ContainsKey(destination))
                        {
                            Leave(service.Key, destination, drain, have, now, present, absent, ref nextDeadline);
                        }
                    }
                }

                services.Add(new DesiredService(service, present.ToImmutableDictionary(), absent.ToImmutableHashSet()));
            }
        }

        _retiredServices.RemoveWhere(k => !actual.Services.ContainsKey(k));
        foreach (var empty in _retiredDestinations.Where(r => r.Value.Count == 0).Select(r => r.Key).ToList())
        {
            _retiredDestinations.Remove(empty);
        }

        return new LvsPlan(new DesiredTable(services, _retiredServices), notifications) { NextDrainDeadline = nextDeadline };
    }

    /// <summary>
    /// The shutdown plan (keepalived's <c>clear_services</c>): every managed destination deleted, then every managed
    /// service; with <c>omega</c>, notify_down for live servers and quorum_down for virtual servers with quorum.
    /// </summary>
    public LvsPlan PlanShutdown(ActualTable actual)
    {
        var notifications = new List<LvsNotification>();
        var services = new List<DesiredService>();
        var removed = new HashSet<IpvsServiceKey>(_retiredServices);
        foreach (var vs in _model.VirtualServers)
        {
            if (vs.Omega)
            {
                foreach (var rs in vs.RealServers.Where(r => _alive.GetValueOrDefault(r.HealthKey) && r.NotifyDown is not null))
                {
                    notifications.Add(new LvsNotification(rs.NotifyDown!, $"{rs.HealthKey} down (shutdown)"));
                }

                if (_quorumUp.GetValueOrDefault(vs.Name) && vs.QuorumDown is { } down)
                {
                    notifications.Add(new LvsNotification(down, $"{vs.Name} quorum down (shutdown)"));
                }
            }

            foreach (var service in vs.Services)
            {
                removed.Add(service.Key);
            }
        }

        _ = actual;
        return new LvsPlan(new DesiredTable(services, removed), notifications);
    }

    /// <summary>The drain timeout of a destination leaving <paramref name="vs"/>: its real server's, else the virtual server's.</summary>
    private static TimeSpan? DrainTimeoutOf(ManagedVirtualServer vs, DestinationKey destination) =>
        vs.RealServers.FirstOrDefault(r => r.Key == destination)?.DrainTimeout ?? vs.DrainTimeout;

    /// <summary>Destination keys kad manages for a virtual server: its real servers and its sorry server.</summary>
    private static IEnumerable<DestinationKey> Managed(ManagedVirtualServer vs) =>
        vs.RealServers.Select(r => r.Key).Concat(vs.SorryServer is { } s ? [DestinationKey.Of(s)] : []);

    /// <summary>
    /// keepalived's update_quorum_state: gained when the live weight reaches quorum + hysteresis, lost when it
    /// falls below quorum - hysteresis (or to 0). The first pass takes the plain comparison with quorum.
    /// </summary>
    private bool UpdateQuorum(ManagedVirtualServer vs, long liveWeight, List<LvsNotification> notifications)
    {
        if (!_quorumUp.TryGetValue(vs.Name, out var up))
        {
            up = liveWeight >= vs.Quorum && liveWeight > 0;
            _quorumUp[vs.Name] = up;
            return up;
        }

        if (!up && liveWeight >= (long)vs.Quorum + vs.Hysteresis && liveWeight > 0)
        {
            _quorumUp[vs.Name] = true;
            if (vs.QuorumUp is { } script)
            {
                notifications.Add(new LvsNotification(script, $"{vs.Name} gained quorum ({liveWeight} >= {vs.Quorum}+{vs.Hysteresis})"));
            }

            return true;
        }

        if (up && (liveWeight == 0 || liveWeight < (long)vs.Quorum - vs.Hysteresis))
        {
            _quorumUp[vs.Name] = false;
            if (vs.QuorumDown is { } script)
            {
                notifications.Add(new LvsNotification(script, $"{vs.Name} lost quorum ({liveWeight} < {vs.Quorum}-{vs.Hysteresis})"));
            }

            return false;
        }

        return up;
    }

    /// <summary>
    /// A managed destination that must leave: removed at once, or with a drain timeout first held at weight 0 until
    /// its active connections reach 0 or the timeout passes (kad extension).
    /// </summary>
    private void Leave(
        IpvsServiceKey service,
        DestinationKey destination,
        TimeSpan? drain,
        ActualService? have,
        DateTimeOffset now,
        Dictionary<DestinationKey, IpvsDestination> present,
        HashSet<DestinationKey> absent,
        ref DateTimeOffset? nextDeadline)
    {
        if (drain is not { } timeout || have is null || !have.Destinations.TryGetValue(destination, out var current))
        {
            _draining.Remove((service, destination));
            absent.Add(destination);
            return;
        }

        var draining = _draining.TryGetValue((service, destination), out var since);
        if (current.ActiveConnections == 0 || (draining && now - since >= timeout))
        {
            _draining.Remove((service, destination));
            absent.Add(destination);
            return;
        }

        if (!draining)
        {
            since = now;
            _draining[(service, destination)] = since;
        }

        present[destination] = current.Settings with { Weight = 0 };
        var deadline = since + timeout;
        nextDeadline = nextDeadline is { } d && d < deadline ? d : deadline;
    }
}
