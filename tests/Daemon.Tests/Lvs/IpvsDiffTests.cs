using System.Net;
using FsCheck;
using FsCheck.Fluent;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;
using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Tests.Lvs;

public sealed class IpvsDiffTests
{
    private static readonly IpvsServiceKey Web = IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.1"), 80);
    private static readonly IpvsServiceKey Dns = IpvsServiceKey.ForAddress(IpvsProtocol.Udp, IPAddress.Parse("10.0.0.1"), 53);
    private static readonly IpvsDestination Rs1 = new(IPAddress.Parse("10.0.1.1"), 80) { ForwardingMethod = IpvsForwardingMethod.Masquerade, Weight = 1 };
    private static readonly IpvsDestination Rs2 = new(IPAddress.Parse("10.0.1.2"), 80) { ForwardingMethod = IpvsForwardingMethod.Masquerade, Weight = 2 };

    [Test]
    public void Compute_EmptyKernel_AddsServiceBeforeItsDestinations()
    {
        var desired = new DesiredTable([new DesiredService(new IpvsService(Web, "rr"), [Rs1, Rs2])]);

        var operations = IpvsDiff.Compute(desired, ActualTable.Empty);

        Assert.That(operations, Is.EqualTo(new IpvsOperation[]
        {
            new IpvsOperation.AddService(new IpvsService(Web, "rr")),
            new IpvsOperation.AddDestination(Web, Rs1),
            new IpvsOperation.AddDestination(Web, Rs2),
        }));
    }

    [Test]
    public void Compute_ConvergedTable_NoOperations()
    {
        var actual = Table((new IpvsService(Web, "rr"), [new ActualDestination(Rs1, 12, 40), new ActualDestination(Rs2, 3, 0)]));
        var desired = new DesiredTable([new DesiredService(new IpvsService(Web, "rr"), [Rs1, Rs2])]);

        Assert.That(IpvsDiff.Compute(desired, actual), Is.Empty);
    }

    [Test]
    public void Compute_SettingsChanged_EditsInsteadOfDeleteAndAdd()
    {
        var actual = Table((new IpvsService(Web, "rr"), [new ActualDestination(Rs1, 12, 40)]));
        var desired = new DesiredTable([new DesiredService(new IpvsService(Web, "wlc"), [Rs1 with { Weight = 5 }])]);

        var operations = IpvsDiff.Compute(desired, actual);

        Assert.That(operations, Is.EqualTo(new IpvsOperation[]
        {
            new IpvsOperation.UpdateService(new IpvsService(Web, "wlc")),
            new IpvsOperation.UpdateDestination(Web, Rs1 with { Weight = 5 }),
        }));
    }

    [Test]
    public void Compute_ManagedDestinationAbsent_DeletedBeforeServicesAreTouched()
    {
        var actual = Table(
            (new IpvsService(Web, "rr"), [new ActualDestination(Rs1), new ActualDestination(Rs2)]),
            (new IpvsService(Dns, "rr"), []));
        var desired = new DesiredTable(
            [new DesiredService(new IpvsService(Web, "wlc"), [Rs1], [DestinationKey.Of(Rs2)])],
            removed: [Dns]);

        var operations = IpvsDiff.Compute(desired, actual);

        Assert.That(operations, Is.EqualTo(new IpvsOperation[]
        {
            new IpvsOperation.DeleteDestination(Web, Rs2.Address, Rs2.Port),
            new IpvsOperation.DeleteService(Dns),
            new IpvsOperation.UpdateService(new IpvsService(Web, "wlc")),
        }));
    }

    [Test]
    public void Compute_UnmanagedObjects_LeftAlone()
    {
        var foreign = new IpvsDestination(IPAddress.Parse("10.0.9.9"), 80) { Weight = 7 };
        var actual = Table(
            (new IpvsService(Web, "rr"), [new ActualDestination(Rs1), new ActualDestination(foreign)]),
            (new IpvsService(Dns, "rr"), [new ActualDestination(Rs2)]));
        var desired = new DesiredTable([new DesiredService(new IpvsService(Web, "rr"), [Rs1], [DestinationKey.Of(Rs2)])]);

        Assert.That(IpvsDiff.Compute(desired, actual), Is.Empty);
    }

    [Test]
    public void Compute_RemovedServiceNotInKernel_NoOperation()
    {
        var desired = new DesiredTable([], removed: [Dns]);

        Assert.That(IpvsDiff.Compute(desired, ActualTable.Empty), Is.Empty);
    }

    [Test]
    public void Compute_FirewallMarkService_AddedWithDestinations()
    {
        var mark = IpvsServiceKey.ForFirewallMark(7);
        var desired = new DesiredTable([new DesiredService(new IpvsService(mark, "wlc") { Flags = IpvsServiceFlags.Persistent, PersistenceTimeout = 300 }, [Rs1 with { Port = 0 }])]);

        var operations = IpvsDiff.Compute(desired, ActualTable.Empty);

        Assert.That(operations.Select(o => o.Name), Is.EqualTo(new[] { "IPVS NEW_SERVICE", "IPVS NEW_DEST" }));
    }

    // Properties (FsCheck): 1,000 generated (desired, actual) pairs each; a failure prints the replay seed.
    // FsCheck's [Property] supplies the parameters, which NUnit's analyser cannot see.
#pragma warning disable NUnit1027
    [Property(Arbitrary = new[] { typeof(IpvsTableArbitraries) }, MaxTest = 1000, QuietOnSuccess = true)]
    public void Apply_DiffOnAnyTables_KernelAcceptsAndReachesDesired(DesiredTable desired, ActualTable actual)
    {
        var reached = actual;
        var operations = IpvsDiff.Compute(desired, actual);
        var errors = operations.Select(o => InMemoryIpvsTable.Apply(ref reached, o)).Where(e => e is not null).ToList();

        Assert.That(errors, Is.Empty, "the kernel would refuse an operation");
        Assert.That(TableGenerator.Satisfies(desired, actual, reached, out var why), Is.True, why);
        Assert.That(IpvsDiff.Compute(desired, reached), Is.Empty, "not converged after one application");
    }

    [Property(Arbitrary = new[] { typeof(IpvsTableArbitraries) }, MaxTest = 1000, QuietOnSuccess = true)]
    public void With_AppliedDiff_SameTableAsTheKernelReaches(DesiredTable desired, ActualTable actual)
    {
        // What the reconciler keeps instead of dumping again must be what the kernel's rules produce.
        var reached = actual;
        var operations = IpvsDiff.Compute(desired, actual);
        foreach (var operation in operations)
        {
            _ = InMemoryIpvsTable.Apply(ref reached, operation);
        }

        Assert.That(Flatten(actual.With(operations)), Is.EqualTo(Flatten(reached)));
    }

    [Property(Arbitrary = new[] { typeof(IpvsTableArbitraries) }, MaxTest = 1000, QuietOnSuccess = true)]
    public void Compute_ConvergedTable_NoOperations(ActualTable actual)
    {
        // Any table is the desired state of itself when every object in it is declared present.
        var desired = new DesiredTable(actual.Services.Values.Select(s => new DesiredService(s.Settings, s.Destinations.Values.Select(d => d.Settings))));

        Assert.That(IpvsDiff.Compute(desired, actual), Is.Empty);
    }

    [Property(Arbitrary = new[] { typeof(IpvsTableArbitraries) }, MaxTest = 1000, QuietOnSuccess = true)]
    public void Compute_AnyTables_UnmanagedObjectsUntouched(DesiredTable desired, ActualTable actual)
    {
        var operations = IpvsDiff.Compute(desired, actual);
        var managedServices = desired.Services.Keys.Concat(desired.Removed).ToHashSet();

        Assert.Multiple(() =>
        {
            Assert.That(operations.Select(ServiceOf).Where(k => !managedServices.Contains(k)), Is.Empty, "an operation on a service kad does not manage");
            Assert.That(
                operations.SelectMany(Touches).Where(t => desired.Services.TryGetValue(t.Item1, out var want) && !want.Present.ContainsKey(t.Item2) && !want.Absent.Contains(t.Item2)),
                Is.Empty,
                "an operation on a destination kad does not manage");
        });
    }

    [Property(Arbitrary = new[] { typeof(IpvsTableArbitraries) }, MaxTest = 1000, QuietOnSuccess = true)]
    public void Compute_AnyTables_NeverTouchesMatchingDestinations(DesiredTable desired, ActualTable actual)
    {
        var touched = IpvsDiff.Compute(desired, actual).SelectMany(Touches).ToHashSet();
        var alreadyRight = desired.Services
            .Where(s => actual.Services.ContainsKey(s.Key))
            .SelectMany(s => s.Value.Present
                .Where(p => actual.Services[s.Key].Destinations.TryGetValue(p.Key, out var existing) && existing.Settings == p.Value)
                .Select(p => (s.Key, p.Key)));

        Assert.That(alreadyRight.Where(touched.Contains), Is.Empty);
    }

#pragma warning restore NUnit1027

    private static IpvsServiceKey ServiceOf(IpvsOperation operation) => operation switch
    {
        IpvsOperation.AddService a => a.Service.Key,
        IpvsOperation.UpdateService u => u.Service.Key,
        IpvsOperation.DeleteService d => d.Key,
        IpvsOperation.AddDestination a => a.Service,
        IpvsOperation.UpdateDestination u => u.Service,
        IpvsOperation.DeleteDestination d => d.Service,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown operation"),
    };

    private static IEnumerable<(IpvsServiceKey, DestinationKey)> Touches(IpvsOperation operation) => operation switch
    {
        IpvsOperation.AddDestination a => [(a.Service, DestinationKey.Of(a.Destination))],
        IpvsOperation.UpdateDestination u => [(u.Service, DestinationKey.Of(u.Destination))],
        IpvsOperation.DeleteDestination d => [(d.Service, new DestinationKey(d.Address, d.Port))],
        _ => [],
    };

    /// <summary>A table as sorted text lines (records holding dictionaries compare them by reference).</summary>
    internal static List<string> Flatten(ActualTable table) =>
        [.. table.Services.Values
            .SelectMany(s => s.Destinations.Values.Select(d => $"{s.Settings} {d.Settings} {d.ActiveConnections}/{d.InactiveConnections}").Prepend($"{s.Settings}"))
            .Order(StringComparer.Ordinal)];

    internal static ActualTable Table(params (IpvsService Service, ActualDestination[] Destinations)[] services) =>
        ActualTable.FromDump(services.Select(s => (s.Service, (IEnumerable<ActualDestination>)s.Destinations)));
}

/// <summary>FsCheck arbitraries for IPVS tables (registered with <c>[Property(Arbitrary = ...)]</c>).</summary>
public static class IpvsTableArbitraries
{
    public static Arbitrary<ActualTable> ActualTables() => TableGenerator.Actual.ToArbitrary();

    public static Arbitrary<DesiredTable> DesiredTables() => TableGenerator.Desired.ToArbitrary();
}

/// <summary>Random IPVS tables over a small universe of keys, so desired and actual overlap often.</summary>
internal static class TableGenerator
{
    private static readonly IpvsServiceKey[] Services =
    [
        IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.1"), 80),
        IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, IPAddress.Parse("10.0.0.1"), 443),
        IpvsServiceKey.ForAddress(IpvsProtocol.Udp, IPAddress.Parse("2001:db8::1"), 53),
        IpvsServiceKey.ForFirewallMark(7),
    ];

    private static readonly DestinationKey[] Destinations =
    [
        new(IPAddress.Parse("10.0.1.1"), 80),
        new(IPAddress.Parse("10.0.1.2"), 80),
        new(IPAddress.Parse("10.0.1.2"), 8080),
        new(IPAddress.Parse("10.0.1.3"), 80),
    ];

    /// <summary>Any subset of the services, each with any subset of the destinations, settings and counters.</summary>
    public static Gen<ActualTable> Actual { get; } =
        from keys in Gen.SubListOf(Services)
        from services in Gen.CollectToArray(keys, key =>
            from settings in ServiceSettings(key)
            from destinations in Gen.SubListOf(Destinations)
            from actual in Gen.CollectToArray(destinations, d =>
                from destination in DestinationSettings(d)
                from active in Gen.Choose(0, 4)
                from inactive in Gen.Choose(0, 4)
                select new ActualDestination(destination, (uint)active, (uint)inactive))
            select (settings, (IEnumerable<ActualDestination>)actual))
        select ActualTable.FromDump(services);

    /// <summary>Managed services with present and absent destinations (they may overlap: present wins), and removed services.</summary>
    public static Gen<DesiredTable> Desired { get; } =
        from managed in Gen.SubListOf(Services)
        from services in Gen.CollectToArray(managed, key =>
            from settings in ServiceSettings(key)
            from present in Gen.SubListOf(Destinations)
            from presentSettings in Gen.CollectToArray(present, DestinationSettings)
            from absent in Gen.SubListOf(Destinations)
            select new DesiredService(settings, presentSettings, absent))
        from removed in Gen.SubListOf(Services)
        select new DesiredTable(services, removed.Where(k => !managed.Contains(k)));

    /// <summary>Whether <paramref name="reached"/> is <paramref name="desired"/> for what is managed and <paramref name="before"/> for the rest.</summary>
    public static bool Satisfies(DesiredTable desired, ActualTable before, ActualTable reached, out string why)
    {
        foreach (var (key, want) in desired.Services)
        {
            if (!reached.Services.TryGetValue(key, out var have) || have.Settings != want.Settings)
            {
                why = $"service {key} missing or different";
                return false;
            }

            foreach (var (destination, settings) in want.Present)
            {
                if (!have.Destinations.TryGetValue(destination, out var d) || d.Settings != settings)
                {
                    why = $"{key} {destination} missing or different";
                    return false;
                }
            }

            foreach (var destination in want.Absent.Where(d => !want.Present.ContainsKey(d)))
            {
                if (have.Destinations.ContainsKey(destination))
                {
                    why = $"{key} {destination} should be gone";
                    return false;
                }
            }

            var unmanaged = have.Destinations.Keys.Where(d => !want.Present.ContainsKey(d) && !want.Absent.Contains(d));
            foreach (var destination in unmanaged)
            {
                if (!before.Services.TryGetValue(key, out var old) || old.Destinations.GetValueOrDefault(destination) != have.Destinations[destination])
                {
                    why = $"unmanaged {key} {destination} changed";
                    return false;
                }
            }

            // Edited or untouched destinations keep their connections.
            if (before.Services.TryGetValue(key, out var previous))
            {
                foreach (var (destination, d) in have.Destinations)
                {
                    if (previous.Destinations.TryGetValue(destination, out var p) && p.ActiveConnections != d.ActiveConnections)
                    {
                        why = $"{key} {destination} lost its connections";
                        return false;
                    }
                }
            }
        }

        foreach (var key in desired.Removed.Where(k => !desired.Services.ContainsKey(k)))
        {
            if (reached.Services.ContainsKey(key))
            {
                why = $"removed service {key} still there";
                return false;
            }
        }

        foreach (var (key, service) in before.Services.Where(s => !desired.Services.ContainsKey(s.Key) && !desired.Removed.Contains(s.Key)))
        {
            if (!reached.Services.TryGetValue(key, out var after) || after.Settings != service.Settings || !after.Destinations.SequenceEqual(service.Destinations))
            {
                why = $"unmanaged service {key} changed";
                return false;
            }
        }

        why = "";
        return true;
    }

    private static Gen<IpvsService> ServiceSettings(IpvsServiceKey key) =>
        from scheduler in Gen.Elements("rr", "wlc", "sh")
        from persistent in Gen.Elements(true, false)
        from timeout in Gen.Elements(0u, 300u)
        select new IpvsService(key, scheduler) { Flags = persistent ? IpvsServiceFlags.Persistent : IpvsServiceFlags.None, PersistenceTimeout = timeout };

    private static Gen<IpvsDestination> DestinationSettings(DestinationKey key) =>
        from weight in Gen.Choose(0, 2)
        from forwarding in Gen.Elements(IpvsForwardingMethod.Masquerade, IpvsForwardingMethod.DirectRoute)
        select new IpvsDestination(key.Address, key.Port) { Weight = (uint)weight, ForwardingMethod = forwarding };
}
