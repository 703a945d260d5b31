using System.Collections.Immutable;
using System.Net;
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

    [Test]
    public void Apply_DiffOnRandomTables_ReachesDesiredAndConverges()
    {
        // A property over 2,000 generated (desired, actual) pairs; the seed is printed so a failure can be replayed.
        var seed = Environment.TickCount;
        var random = new Random(seed);
        for (var i = 0; i < 2000; i++)
        {
            var actual = TableGenerator.Actual(random);
            var desired = TableGenerator.Desired(random);
            var reached = actual;
            var operations = IpvsDiff.Compute(desired, actual);
            var errors = operations.Select(o => InMemoryIpvsTable.Apply(ref reached, o)).Where(e => e is not null).ToList();

            Assert.That(errors, Is.Empty, $"seed {seed} case {i}: the kernel would refuse an operation");
            Assert.That(TableGenerator.Satisfies(desired, actual, reached, out var why), Is.True, $"seed {seed} case {i}: {why}");
            Assert.That(IpvsDiff.Compute(desired, reached), Is.Empty, $"seed {seed} case {i}: not converged");
        }
    }

    [Test]
    public void Compute_ConvergedRandomTables_NoOperations()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        for (var i = 0; i < 2000; i++)
        {
            // Any table is the desired state of itself when every object in it is declared present.
            var actual = TableGenerator.Actual(random);
            var desired = new DesiredTable(actual.Services.Values.Select(s => new DesiredService(s.Settings, s.Destinations.Values.Select(d => d.Settings))));

            Assert.That(IpvsDiff.Compute(desired, actual), Is.Empty, $"seed {seed} case {i}");
        }
    }

    [Test]
    public void Compute_RandomTables_NeverTouchesMatchingDestinations()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        for (var i = 0; i < 2000; i++)
        {
            var actual = TableGenerator.Actual(random);
            var desired = TableGenerator.Desired(random);
            var touched = IpvsDiff.Compute(desired, actual).SelectMany(Touches).ToHashSet();

            foreach (var (key, want) in desired.Services)
            {
                if (!actual.Services.TryGetValue(key, out var have))
                {
                    continue;
                }

                foreach (var (destination, settings) in want.Present)
                {
                    if (have.Destinations.TryGetValue(destination, out var existing) && existing.Settings == settings)
                    {
                        Assert.That(touched, Does.Not.Contain((key, destination)), $"seed {seed} case {i}: {destination} was already right");
                    }
                }
            }
        }
    }

    private static IEnumerable<(IpvsServiceKey, DestinationKey)> Touches(IpvsOperation operation) => operation switch
    {
        IpvsOperation.AddDestination a => [(a.Service, DestinationKey.Of(a.Destination))],
        IpvsOperation.UpdateDestination u => [(u.Service, DestinationKey.Of(u.Destination))],
        IpvsOperation.DeleteDestination d => [(d.Service, new DestinationKey(d.Address, d.Port))],
        _ => [],
    };

    internal static ActualTable Table(params (IpvsService Service, ActualDestination[] Destinations)[] services) =>
        ActualTable.FromDump(services.Select(s => (s.Service, (IEnumerable<ActualDestination>)s.Destinations)));
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

    private static readonly string[] Schedulers = ["rr", "wlc", "sh"];

    public static ActualTable Actual(Random random) =>
        ActualTable.FromDump(Subset(random, Services).Select(k => (ServiceSettings(random, k),
            Subset(random, Destinations).Select(d => new ActualDestination(DestinationSettings(random, d), (uint)random.Next(0, 5), (uint)random.Next(0, 5))))));

    public static DesiredTable Desired(Random random)
    {
        var managed = Subset(random, Services).ToList();
        var services = managed.Select(k =>
        {
            var present = Subset(random, Destinations).ToList();
            var absent = Subset(random, Destinations);
            return new DesiredService(ServiceSettings(random, k), present.Select(d => DestinationSettings(random, d)), absent);
        });
        return new DesiredTable(services, Subset(random, Services).Where(k => !managed.Contains(k)));
    }

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

    private static IpvsService ServiceSettings(Random random, IpvsServiceKey key) => new(key, Schedulers[random.Next(Schedulers.Length)])
    {
        Flags = random.Next(2) == 0 ? IpvsServiceFlags.None : IpvsServiceFlags.Persistent,
        PersistenceTimeout = (uint)random.Next(0, 2) * 300,
    };

    private static IpvsDestination DestinationSettings(Random random, DestinationKey key) => new(key.Address, key.Port)
    {
        Weight = (uint)random.Next(0, 3),
        ForwardingMethod = random.Next(2) == 0 ? IpvsForwardingMethod.Masquerade : IpvsForwardingMethod.DirectRoute,
    };

    private static IEnumerable<T> Subset<T>(Random random, T[] items) => items.Where(_ => random.Next(2) == 0).ToList();
}
