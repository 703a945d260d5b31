using System.Net;
using Kad.Daemon.Lvs;
using Kad.Netlink.Route;

namespace Kad.Daemon.Tests.Lvs;

public sealed class LocalAddressSetTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("10.0.0.100");

    [Test]
    public void Reset_Dump_AddressesKnown()
    {
        var set = new LocalAddressSet();

        var changed = set.Reset([Address(1, "127.0.0.1"), Address(2, "10.0.0.2")]);

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.True);
            Assert.That(set.Addresses, Is.EquivalentTo(new[] { IPAddress.Loopback, IPAddress.Parse("10.0.0.2") }));
        });
    }

    [Test]
    public void Apply_NewThenDeletedAddress_ReportsBothChanges()
    {
        var set = new LocalAddressSet();
        set.Reset([Address(2, "10.0.0.2")]);

        var added = set.Apply(new RtnetlinkEvent.AddressChanged(Address(2, "10.0.0.100"), Removed: false));
        var held = set.Addresses.Contains(Vip);
        var removed = set.Apply(new RtnetlinkEvent.AddressChanged(Address(2, "10.0.0.100"), Removed: true));

        Assert.Multiple(() =>
        {
            Assert.That((added, held, removed), Is.EqualTo((true, true, true)));
            Assert.That(set.Addresses, Does.Not.Contain(Vip));
        });
    }

    [Test]
    public void Apply_AddressOnTwoInterfacesRemovedFromOne_StillHeldAndNoChange()
    {
        var set = new LocalAddressSet();
        set.Reset([Address(1, "10.0.0.100"), Address(2, "10.0.0.100")]);

        var changed = set.Apply(new RtnetlinkEvent.AddressChanged(Address(1, "10.0.0.100"), Removed: true));

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.False);
            Assert.That(set.Addresses, Does.Contain(Vip));
        });
    }

    [Test]
    public void Apply_RepeatedNewAddressOrLinkEvent_NoChange()
    {
        var set = new LocalAddressSet();
        set.Reset([Address(2, "10.0.0.100")]);

        var again = set.Apply(new RtnetlinkEvent.AddressChanged(Address(2, "10.0.0.100"), Removed: false));
        var lost = set.Apply(new RtnetlinkEvent.EventsLost());

        Assert.That((again, lost), Is.EqualTo((false, false)));
    }

    private static InterfaceAddress Address(int index, string address) => new(index, IPAddress.Parse(address), 24);
}
