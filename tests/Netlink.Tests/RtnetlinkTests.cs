// FsCheck.NUnit properties take generated arguments, which NUnit's analyzer cannot see.
#pragma warning disable NUnit1027

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kad.Netlink.Protocol;
using Kad.Netlink.Route;
using Kad.Netlink.Tests.Fakes;

namespace Kad.Netlink.Tests;

/// <summary>rtnetlink requests against the byte layouts of ref/rtnetlink-addr.md, reply decoding, events, client errors.</summary>
public sealed class RtnetlinkTests
{
    private static string Encode(Action<NetlinkWriter> encode)
    {
        var writer = new NetlinkWriter();
        encode(writer);
        return Hex.Format(writer.WrittenSpan);
    }

    private static string Expect(string hex) => Hex.Format(Hex.Parse(hex));

    [Test]
    public void EncodeNewAddress_Ipv4VipWithLabel_MatchesReferenceExample()
    {
        var vip = new InterfaceAddress(2, IPAddress.Parse("10.0.0.100"), 32) { Label = "eth0:0" };
        Assert.That(Encode(w => RtnetlinkCodec.EncodeNewAddress(w, 7, vip)), Is.EqualTo(Expect("""
            34 00 00 00 14 00 05 06 07 00 00 00 00 00 00 00
            02 20 00 00 02 00 00 00
            08 00 02 00 0a 00 00 64
            08 00 01 00 0a 00 00 64
            0b 00 03 00 65 74 68 30 3a 30 00 00
            """)));
    }

    [Test]
    public void EncodeNewAddress_Ipv6NoDad_MatchesReferenceExample()
    {
        var vip = new InterfaceAddress(2, IPAddress.Parse("2001:db8::100"), 64) { Flags = AddressFlags.NoDad };
        Assert.That(Encode(w => RtnetlinkCodec.EncodeNewAddress(w, 8, vip)), Is.EqualTo(Expect("""
            34 00 00 00 14 00 05 06 08 00 00 00 00 00 00 00
            0a 40 00 00 02 00 00 00
            14 00 02 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 01 00
            08 00 08 00 02 00 00 00
            """)));
    }

    [Test]
    public void EncodeNewAddress_ReplaceWithDeprecatedLifetime_UsesReplaceAndCacheInfo()
    {
        var vip = new InterfaceAddress(3, IPAddress.Parse("10.1.2.3"), 24) { Broadcast = IPAddress.Parse("10.1.2.255"), PreferredLifetime = 0 };
        Assert.That(Encode(w => RtnetlinkCodec.EncodeNewAddress(w, 9, vip, replace: true)), Is.EqualTo(Expect("""
            44 00 00 00 14 00 05 05 09 00 00 00 00 00 00 00
            02 18 00 00 03 00 00 00
            08 00 02 00 0a 01 02 03
            08 00 01 00 0a 01 02 03
            08 00 04 00 0a 01 02 ff
            14 00 06 00 00 00 00 00 ff ff ff ff 00 00 00 00 00 00 00 00
            """)));
    }

    [Test]
    public void EncodeDeleteAddress_Ipv4_SendsLocalOnly()
    {
        var vip = new InterfaceAddress(2, IPAddress.Parse("10.0.0.100"), 32);
        Assert.That(Encode(w => RtnetlinkCodec.EncodeDeleteAddress(w, 10, vip)), Is.EqualTo(Expect("""
            20 00 00 00 15 00 05 00 0a 00 00 00 00 00 00 00
            02 20 00 00 02 00 00 00
            08 00 02 00 0a 00 00 64
            """)));
    }

    [Test]
    public void EncodeDumpAddresses_Ipv6_ZeroedHeaderWithFamily()
    {
        Assert.That(Encode(w => RtnetlinkCodec.EncodeDumpAddresses(w, 11, AddressFamily.InterNetworkV6)),
            Is.EqualTo(Expect("18 00 00 00 16 00 01 03 0b 00 00 00 00 00 00 00 0a 00 00 00 00 00 00 00")));
    }

    [Test]
    public void EncodeDumpLinks_ZeroedIfInfoMsg()
    {
        Assert.That(Encode(w => RtnetlinkCodec.EncodeDumpLinks(w, 12)),
            Is.EqualTo(Expect("20 00 00 00 12 00 01 03 0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")));
    }

    [Test]
    public void EncodeGetLink_ByName_MatchesReferenceExamplePlusAck()
    {
        // The reference example sends REQUEST only; we add ACK (0x05) so the end of the reply is explicit.
        Assert.That(Encode(w => RtnetlinkCodec.EncodeGetLink(w, 9, "eth0")), Is.EqualTo(Expect("""
            2c 00 00 00 12 00 05 00 09 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            09 00 03 00 65 74 68 30 00 00 00 00
            """)));
    }

    [Test]
    public void EncodeNewMacvlan_Vrid51Private_MatchesHandDecodedLayout()
    {
        var link = new MacvlanLink("vrrp.51", 2, PhysicalAddress.Parse("00-00-5E-00-01-33"), MacvlanMode.Private);
        Assert.That(Encode(w => RtnetlinkCodec.EncodeNewMacvlan(w, 10, link)), Is.EqualTo(Expect("""
            5c 00 00 00 10 00 05 06 0a 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            0c 00 03 00 76 72 72 70 2e 35 31 00
            08 00 05 00 02 00 00 00
            0a 00 01 00 00 00 5e 00 01 33 00 00
            1c 00 12 80
               0c 00 01 00 6d 61 63 76 6c 61 6e 00
               0c 00 02 80
                  08 00 01 00 01 00 00 00
            """)), "NEWLINK CREATE|EXCL|ACK; IFNAME, LINK, ADDRESS, LINKINFO{KIND macvlan, DATA{MACVLAN_MODE private}}");
    }

    [Test]
    public void EncodeNewMacvlan_MacNotSixBytes_Throws()
    {
        var link = new MacvlanLink("vrrp.1", 2, PhysicalAddress.None, MacvlanMode.Private);

        Assert.That(() => Encode(w => RtnetlinkCodec.EncodeNewMacvlan(w, 1, link)), Throws.ArgumentException);
    }

    [Test]
    public void EncodeSetLinkUp_Up_SetsFlagAndChangeMaskOnly()
    {
        Assert.That(Encode(w => RtnetlinkCodec.EncodeSetLinkUp(w, 11, 7, up: true)), Is.EqualTo(Expect("""
            20 00 00 00 10 00 05 00 0b 00 00 00 00 00 00 00
            00 00 00 00 07 00 00 00 01 00 00 00 01 00 00 00
            """)));
    }

    [Test]
    public void EncodeDeleteLink_ByIndex_IsDellinkWithAck()
    {
        Assert.That(Encode(w => RtnetlinkCodec.EncodeDeleteLink(w, 12, 7)), Is.EqualTo(Expect("""
            20 00 00 00 11 00 05 00 0c 00 00 00 00 00 00 00
            00 00 00 00 07 00 00 00 00 00 00 00 00 00 00 00
            """)));
    }

    [Test]
    public void DecodeLink_WithLinkInfo_ReadsKindAndParent()
    {
        var writer = new NetlinkWriter();
        writer.BeginMessage(RtnetlinkConstants.RTM_NEWLINK, 0, 0);
        writer.WriteRaw(Hex.Parse("00 00 01 00 09 00 00 00 43 10 01 00 00 00 00 00"));
        writer.WriteString(RtnetlinkConstants.IFLA_IFNAME, "vrrp.51");
        writer.WriteU32(RtnetlinkConstants.IFLA_LINK, 2);
        writer.WriteAttribute(RtnetlinkConstants.IFLA_ADDRESS, Hex.Parse("00 00 5e 00 01 33"));
        var info = writer.BeginNested(RtnetlinkConstants.IFLA_LINKINFO);
        writer.WriteString(RtnetlinkConstants.IFLA_INFO_KIND, "macvlan");
        writer.EndNested(info);
        writer.EndMessage();
        var reader = new NetlinkMessageReader(writer.WrittenSpan);
        reader.TryRead(out var message);

        var link = RtnetlinkCodec.DecodeLink(message);

        Assert.That((link.Name, link.Kind, link.ParentIndex, link.MacAddress.ToString()), Is.EqualTo(("vrrp.51", (string?)"macvlan", (int?)2, "00005E000133")));
    }

    [Test]
    public void CreateMacvlan_NameTaken_ThrowsEexistNamingTheInterface()
    {
        var transport = new FakeNetlinkTransport(r => [FakeReplies.Ack(r, Errno.EEXIST)]);
        var client = new RtnetlinkClient(transport);

        var error = Assert.Throws<NetlinkException>(() => client.CreateMacvlan(new MacvlanLink("vrrp.51", 2, PhysicalAddress.Parse("00-00-5E-00-01-33"), MacvlanMode.Private)));

        Assert.That((error.ErrnoName, error.Operation, error.Subject), Is.EqualTo(("EEXIST", "RTM_NEWLINK", (object)"vrrp.51")));
        Assert.That(error.Message, Does.Contain("vrrp.51").And.Contain("EEXIST"));
        Assert.That(transport.Requests[0].Type, Is.EqualTo(RtnetlinkConstants.RTM_NEWLINK));
    }

    [Test]
    public void DeleteLink_Gone_ThrowsEnodevNamingTheInterface()
    {
        var client = new RtnetlinkClient(new FakeNetlinkTransport(r => [FakeReplies.Ack(r, Errno.ENODEV)]));

        var error = Assert.Throws<NetlinkException>(() => client.DeleteLink(9, "vrrp.51"));

        Assert.That((error.ErrnoName, error.Operation, error.Subject), Is.EqualTo(("ENODEV", "RTM_DELLINK", (object)"vrrp.51")));
    }

    [Test]
    public void DecodeLink_KernelStyleMessage_ReadsNameMacMtuStateAndFlags()
    {
        var bytes = Hex.Parse("""
            48 00 00 00 10 00 00 00 01 00 00 00 00 00 00 00
            00 00 01 00 02 00 00 00 43 10 01 00 00 00 00 00
            09 00 03 00 65 74 68 30 00 00 00 00
            08 00 04 00 dc 05 00 00
            05 00 10 00 06 00 00 00
            0a 00 01 00 52 54 00 12 34 56 00 00
            """);
        var reader = new NetlinkMessageReader(bytes);
        reader.TryRead(out var message);

        var link = RtnetlinkCodec.DecodeLink(message);

        Assert.That((link.Index, link.Name, link.Mtu, link.OperationalState, link.HardwareType), Is.EqualTo((2, "eth0", 1500u, OperationalState.Up, (ushort)1)));
        Assert.That(link.MacAddress, Is.EqualTo(PhysicalAddress.Parse("52-54-00-12-34-56")));
        Assert.That(link.Flags, Is.EqualTo(InterfaceFlags.Up | InterfaceFlags.Broadcast | InterfaceFlags.Running | InterfaceFlags.Multicast | InterfaceFlags.LowerUp));
        Assert.That(link.IsUsable, Is.True);
    }

    [Test]
    public void MonitorDecode_DelAddrNotification_IsAddressRemoved()
    {
        var writer = new NetlinkWriter();
        writer.BeginMessage(RtnetlinkConstants.RTM_DELADDR, 0, 0);
        writer.WriteRaw(Hex.Parse("02 20 80 00 05 00 00 00"));
        writer.WriteAddress(RtnetlinkConstants.IFA_ADDRESS, IPAddress.Parse("192.0.2.10"));
        writer.WriteAddress(RtnetlinkConstants.IFA_LOCAL, IPAddress.Parse("192.0.2.10"));
        writer.WriteString(RtnetlinkConstants.IFA_LABEL, "eth1");
        writer.EndMessage();
        writer.BeginMessage(RtnetlinkConstants.RTM_NEWLINK, 0, 0);
        writer.WriteRaw(Hex.Parse("00 00 01 00 05 00 00 00 02 10 00 00 01 00 00 00"));
        writer.WriteString(RtnetlinkConstants.IFLA_IFNAME, "eth1");
        writer.EndMessage();

        var events = RtnetlinkMonitor.Decode(writer.WrittenSpan);

        Assert.That(events, Has.Count.EqualTo(2));
        var removed = (RtnetlinkEvent.AddressChanged)events[0];
        Assert.That((removed.Removed, removed.Address.Address, removed.Address.PrefixLength, removed.Address.InterfaceIndex, removed.Address.Flags),
            Is.EqualTo((true, IPAddress.Parse("192.0.2.10"), 32, 5, AddressFlags.Permanent)));
        var link = (RtnetlinkEvent.LinkChanged)events[1];
        Assert.That((link.Removed, link.Link.Name, link.Link.IsUsable), Is.EqualTo((false, "eth1", false)));
    }

    [Test]
    public void Monitor_Enobufs_ReportsEventsLost()
    {
        var monitor = new RtnetlinkMonitor(new ThrowingTransport(new NetlinkException(Errno.ENOBUFS, "recv(netlink)")));

        Assert.That(monitor.Receive(TimeSpan.FromMilliseconds(1)), Is.EqualTo(new RtnetlinkEvent[] { new RtnetlinkEvent.EventsLost() }));
    }

    [Test]
    public void AddAddress_AlreadyPresent_ThrowsEexistWithAddressAsSubject()
    {
        var transport = new FakeNetlinkTransport(r => [FakeReplies.Ack(r, Errno.EEXIST)]);
        var client = new RtnetlinkClient(transport);
        var vip = new InterfaceAddress(2, IPAddress.Parse("10.0.0.100"), 32);

        var error = Assert.Throws<NetlinkException>(() => client.AddAddress(vip));

        Assert.That((error.ErrnoName, error.Operation, error.Subject), Is.EqualTo(("EEXIST", "RTM_NEWADDR", (object)vip)));
        Assert.That(transport.Requests[0].Type, Is.EqualTo(RtnetlinkConstants.RTM_NEWADDR));
    }

    [Test]
    public void DeleteAddress_Missing_ThrowsEaddrnotavail()
    {
        var client = new RtnetlinkClient(new FakeNetlinkTransport(r => [FakeReplies.Ack(r, Errno.EADDRNOTAVAIL)]));

        var error = Assert.Throws<NetlinkException>(() => client.DeleteAddress(new InterfaceAddress(2, IPAddress.Parse("10.0.0.100"), 32)));

        Assert.That(error.ErrnoName, Is.EqualTo("EADDRNOTAVAIL"));
    }

    [Test]
    public void GetLink_UnknownName_ReturnsNull()
    {
        var client = new RtnetlinkClient(new FakeNetlinkTransport(r => [FakeReplies.Ack(r, Errno.ENODEV)]));

        Assert.That(client.GetLink("nope0"), Is.Null);
    }

    [Test]
    public void GetAddresses_Dump_DecodesEveryAddressInOrder()
    {
        var transport = new FakeNetlinkTransport(r =>
        [
            FakeReplies.Raw(r, RtnetlinkConstants.RTM_NEWADDR, Hex.Parse("02 08 80 fe 01 00 00 00"), w =>
            {
                w.WriteAddress(RtnetlinkConstants.IFA_ADDRESS, IPAddress.Loopback);
                w.WriteAddress(RtnetlinkConstants.IFA_LOCAL, IPAddress.Loopback);
                w.WriteString(RtnetlinkConstants.IFA_LABEL, "lo");
            }, NetlinkConstants.NLM_F_MULTI),
            FakeReplies.Raw(r, RtnetlinkConstants.RTM_NEWADDR, Hex.Parse("0a 80 80 fe 01 00 00 00"), w =>
            {
                w.WriteAddress(RtnetlinkConstants.IFA_ADDRESS, IPAddress.IPv6Loopback);
                w.WriteU32(RtnetlinkConstants.IFA_FLAGS, 0x80);
            }, NetlinkConstants.NLM_F_MULTI),
            FakeReplies.Done(r),
        ]);
        var client = new RtnetlinkClient(transport);

        var addresses = client.GetAddresses();

        Assert.That(addresses.Select(a => (a.Address, a.PrefixLength, a.Label, a.Scope)),
            Is.EqualTo(new[] { (IPAddress.Loopback, 8, (string?)"lo", AddressScope.Host), (IPAddress.IPv6Loopback, 128, null, AddressScope.Host) }));
        Assert.That(transport.Requests[0].Flags, Is.EqualTo((ushort)0x0301));
    }

    [FsCheck.NUnit.Property(MaxTest = 200)]
    public bool Address_EncodeThenDecode_RoundTrips(bool ipv6, byte prefixSeed, int index, byte[] addressSeed, bool withLabel, bool noDad)
    {
        var bytes = new byte[ipv6 ? 16 : 4];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = addressSeed is { Length: > 0 } ? addressSeed[i % addressSeed.Length] : (byte)(i + 1);
        }

        var address = new InterfaceAddress((index & 0xFFFF) + 1, new IPAddress(bytes), prefixSeed % (ipv6 ? 129 : 33))
        {
            Label = !ipv6 && withLabel ? "eth0:" + (index & 0xFF) : null,
            Broadcast = !ipv6 && withLabel ? IPAddress.Parse("10.255.255.255") : null,
            Flags = noDad ? AddressFlags.NoDad : AddressFlags.None,
            PreferredLifetime = noDad && withLabel ? 0u : null,
            ValidLifetime = noDad && withLabel ? RtnetlinkConstants.InfiniteLifetime : null,
        };
        var writer = new NetlinkWriter();
        RtnetlinkCodec.EncodeNewAddress(writer, 4, address);
        var reader = new NetlinkMessageReader(writer.WrittenSpan);
        reader.TryRead(out var message);

        return RtnetlinkCodec.DecodeAddress(message) == address;
    }

    [FsCheck.NUnit.Property(MaxTest = 1000)]
    public void RouteDecoders_ArbitraryPayload_ThrowOnlyProtocolErrors(byte type, byte[] payload)
    {
        var writer = new NetlinkWriter();
        writer.BeginMessage((ushort)(RtnetlinkConstants.RTM_NEWLINK + (type % 8)), 0, 0);
        writer.WriteRaw(payload ?? []);
        writer.EndMessage();
        try
        {
            RtnetlinkMonitor.Decode(writer.WrittenSpan);
        }
        catch (NetlinkProtocolException)
        {
        }
    }

    private sealed class ThrowingTransport(Exception error) : Kad.Netlink.Transport.INetlinkTransport
    {
        public uint PortId => 1;

        public void Send(ReadOnlySpan<byte> datagram)
        {
        }

        public int Receive(Span<byte> buffer, TimeSpan timeout) => throw error;

        public void Dispose()
        {
        }
    }
}
