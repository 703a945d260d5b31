using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kad.Vrrp.Packets;

namespace Kad.Vrrp.Tests.Packets;

/// <summary>
/// One case per validation rule: each builds an advert that is valid except for one thing and expects exactly that
/// rule's reason. A last test proves no reason lacks a case.
/// </summary>
public class VrrpDropReasonTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.168.1.100");
    private static readonly byte[] Peer = [192, 168, 1, 11];
    private static readonly byte[] Own = [192, 168, 1, 10];

    /// <summary>A valid v2 message (VRID 51, prio 100, 192.168.1.100, PASS "secret", 1 s) with a fresh checksum.</summary>
    private static byte[] V2Message(Action<byte[]>? mutate = null, int addressCount = 1, int extra = 0)
    {
        var message = new byte[8 + (4 * addressCount) + 8 + extra];
        message[0] = 0x21;
        message[1] = 51;
        message[2] = 100;
        message[3] = (byte)addressCount;
        message[4] = 1;
        message[5] = 1;
        for (var i = 0; i < addressCount; i++)
        {
            Vip.GetAddressBytes().CopyTo(message, 8 + (4 * i));
        }

        "secret"u8.CopyTo(message.AsSpan(8 + (4 * addressCount)));
        mutate?.Invoke(message);
        FixV2Checksum(message);
        return message;
    }

    private static void FixV2Checksum(byte[] message)
    {
        if (message.Length < 8)
        {
            return;
        }

        message[6] = 0;
        message[7] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), InternetChecksum.Compute(message));
    }

    private static byte[] V2Datagram(Action<byte[]>? mutate = null, int addressCount = 1, int extra = 0, byte ttl = 255, byte[]? source = null, byte[]? destination = null) =>
        VrrpPacketGoldenTests.IPv4Datagram(V2Message(mutate, addressCount, extra), ttl, source ?? Peer, destination);

    private static VrrpAdvertFilter Filter(VrrpAdvertFilterOptions? options = null) => new(
        VrrpAdvertTemplate.Create(VrrpVersion.V2, 51, TimeSpan.FromSeconds(1), [Vip], VrrpAuthType.SimplePassword, "secret"),
        options ?? new VrrpAdvertFilterOptions { OwnAddresses = [new IPAddress(Own)] });

    private static byte[] WithIPv4Header(Action<byte[]> mutate)
    {
        var datagram = V2Datagram();
        mutate(datagram);
        return datagram;
    }

    /// <summary>Structural cases: datagram → expected reason from <see cref="VrrpPacket.TryParse(ReadOnlySpan{byte}, out VrrpPacket, out VrrpDropReason)"/>.</summary>
    private static IEnumerable<TestCaseData> StructuralCases()
    {
        TestCaseData Case(VrrpDropReason reason, byte[] datagram) => new TestCaseData(reason, datagram).SetName($"TryParse_{reason}_IsDropped");

        yield return Case(VrrpDropReason.TruncatedIpHeader, V2Datagram()[..19]);
        yield return Case(VrrpDropReason.UnknownIpVersion, WithIPv4Header(d => d[0] = 0x55));
        yield return Case(VrrpDropReason.IpLengthMismatch, WithIPv4Header(d => d[3]++));
        yield return Case(VrrpDropReason.NotVrrpProtocol, WithIPv4Header(d => d[9] = 17));
        yield return Case(VrrpDropReason.AuthenticationHeaderUnsupported, WithIPv4Header(d => d[9] = 51));
        yield return Case(VrrpDropReason.TtlNot255, V2Datagram(ttl: 64));
        yield return Case(VrrpDropReason.TruncatedVrrpHeader, VrrpPacketGoldenTests.IPv4Datagram([0x21, 51, 100, 1, 0, 1, 0]));
        yield return Case(VrrpDropReason.UnsupportedVersion, V2Datagram(m => m[0] = 0x41));
        yield return Case(VrrpDropReason.Version2OverIPv6, VrrpPacketGoldenTests.IPv6Datagram(V2Message(), IPAddress.Parse("fe80::1").GetAddressBytes(), IPAddress.Parse("ff02::12").GetAddressBytes()));
        yield return Case(VrrpDropReason.NotAdvertisement, V2Datagram(m => m[0] = 0x22));
        yield return Case(VrrpDropReason.InvalidVrid, V2Datagram(m => m[1] = 0));
        yield return Case(VrrpDropReason.NoAddresses, V2Datagram(m => m[3] = 0));
        yield return Case(VrrpDropReason.TruncatedAddressList, V2Datagram(m => m[3] = 2));
        yield return Case(VrrpDropReason.TrailingBytes, V2Datagram(extra: 4));
        yield return Case(VrrpDropReason.ZeroInterval, V2Datagram(m => m[5] = 0));
        yield return Case(VrrpDropReason.BadChecksum, WithIPv4Header(d => d[20 + 6] ^= 0x01));
    }

    /// <summary>Per-instance cases: a structurally valid datagram → expected reason from <see cref="VrrpAdvertFilter.Check"/>.</summary>
    private static IEnumerable<TestCaseData> FilterCases()
    {
        TestCaseData Case(VrrpDropReason reason, byte[] datagram, VrrpAdvertFilterOptions? options = null) =>
            new TestCaseData(reason, datagram, options).SetName($"Check_{reason}_IsDropped");

        yield return Case(VrrpDropReason.UnknownVrid, V2Datagram(m => m[1] = 52));
        yield return Case(VrrpDropReason.VersionMismatch, V3Datagram());
        yield return Case(VrrpDropReason.AddressFamilyMismatch, V3IPv6Datagram());
        yield return Case(VrrpDropReason.UnknownAuthType, V2Datagram(m => m[4] = 3));
        yield return Case(VrrpDropReason.AuthTypeMismatch, V2Datagram(m => { m[4] = 0; }));
        yield return Case(VrrpDropReason.AuthPasswordMismatch, V2Datagram(m => m[12] = (byte)'S'));
        yield return Case(VrrpDropReason.IntervalMismatch, V2Datagram(m => m[5] = 2));
        yield return Case(VrrpDropReason.AddressListMismatch, V2Datagram(m => m[11] = 101));
        yield return Case(VrrpDropReason.DestinationMismatch, V2Datagram(destination: Own), null);
        yield return Case(VrrpDropReason.SourceNotPeer, V2Datagram(source: [192, 168, 1, 66], destination: Own), new VrrpAdvertFilterOptions { UnicastPeers = [new IPAddress(Peer)] });
        yield return Case(VrrpDropReason.OwnAdvert, V2Datagram(source: Own));
    }

    private static byte[] V3Datagram()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V3, 51, TimeSpan.FromSeconds(1), [Vip]);
        var buffer = new byte[64];
        var length = template.WriteIPv4Datagram(buffer, 100, Peer, [224, 0, 0, 18], 1);
        return buffer[..length];
    }

    private static byte[] V3IPv6Datagram()
    {
        var template = VrrpAdvertTemplate.Create(VrrpVersion.V3, 51, TimeSpan.FromSeconds(1), [IPAddress.Parse("fe80::5:33")]);
        var source = IPAddress.Parse("fe80::1").GetAddressBytes();
        var group = IPAddress.Parse("ff02::12").GetAddressBytes();
        var message = new byte[template.MessageLength];
        template.WriteMessage(message, 100, source, group);
        return VrrpPacketGoldenTests.IPv6Datagram(message, source, group);
    }

    [TestCaseSource(nameof(StructuralCases))]
    public void TryParse_OneRuleBroken_DropsWithThatReason(VrrpDropReason expected, byte[] datagram)
    {
        var ok = VrrpPacket.TryParse(datagram, out _, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.False);
            Assert.That(reason, Is.EqualTo(expected));
        }
    }

    [TestCaseSource(nameof(FilterCases))]
    public void Check_OneRuleBroken_DropsWithThatReason(VrrpDropReason expected, byte[] datagram, VrrpAdvertFilterOptions? options)
    {
        Assert.That(VrrpPacket.TryParse(datagram, out var packet, out var parseReason), Is.True, parseReason.ToString());

        var reason = Filter(options).Check(packet);

        Assert.That(reason, Is.EqualTo(expected));
    }

    [Test]
    public void Check_ValidAdvert_IsAccepted()
    {
        Assert.That(VrrpPacket.TryParse(V2Datagram(), out var packet, out _), Is.True);

        Assert.That(Filter().Check(packet), Is.EqualTo(VrrpDropReason.None));
    }

    [Test]
    public void Check_SameAddressesInAnotherOrder_IsAccepted()
    {
        IPAddress[] vips = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")];
        var ours = VrrpAdvertTemplate.Create(VrrpVersion.V3, 7, TimeSpan.FromSeconds(1), vips);
        var theirs = VrrpAdvertTemplate.Create(VrrpVersion.V3, 7, TimeSpan.FromSeconds(1), [vips[1], vips[0]]);
        var buffer = new byte[64];
        var length = theirs.WriteIPv4Datagram(buffer, 100, Peer, [224, 0, 0, 18], 1);
        Assert.That(VrrpPacket.TryParse(buffer.AsSpan(0, length), out var packet, out _), Is.True);

        Assert.That(new VrrpAdvertFilter(ours).Check(packet), Is.EqualTo(VrrpDropReason.None));
    }

    [Test]
    public void Check_DuplicatedAddressInsteadOfSecond_IsAddressListMismatch()
    {
        IPAddress[] vips = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")];
        var ours = VrrpAdvertTemplate.Create(VrrpVersion.V3, 7, TimeSpan.FromSeconds(1), vips);
        var theirs = VrrpAdvertTemplate.Create(VrrpVersion.V3, 7, TimeSpan.FromSeconds(1), [vips[0], vips[0]]);
        var buffer = new byte[64];
        var length = theirs.WriteIPv4Datagram(buffer, 100, Peer, [224, 0, 0, 18], 1);
        Assert.That(VrrpPacket.TryParse(buffer.AsSpan(0, length), out var packet, out _), Is.True);

        Assert.That(new VrrpAdvertFilter(ours).Check(packet), Is.EqualTo(VrrpDropReason.AddressListMismatch));
    }

    [Test]
    public void Check_AddressListDiffersButCheckOff_IsAccepted()
    {
        Assert.That(VrrpPacket.TryParse(V2Datagram(m => m[11] = 101), out var packet, out _), Is.True);

        var reason = Filter(new VrrpAdvertFilterOptions { CheckAddressList = false }).Check(packet);

        Assert.That(reason, Is.EqualTo(VrrpDropReason.None));
    }

    [Test]
    public void TryParse_TtlBelow255WhenNotRequired_IsAccepted()
    {
        var ok = VrrpPacket.TryParse(V2Datagram(ttl: 64), requireTtl255: false, out var packet, out _);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True);
            Assert.That(packet.Ttl, Is.EqualTo(64));
        }
    }

    [Test]
    public void TryParse_IPv6HopLimitNot255_IsTtlNot255()
    {
        var datagram = V3IPv6Datagram();
        datagram[7] = 1;

        Assert.That(VrrpPacket.TryParse(datagram, out _, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(VrrpDropReason.TtlNot255));
    }

    [Test]
    public void TryPeekVrid_BadChecksum_StillNamesTheClaimedInstance()
    {
        var datagram = WithIPv4Header(d => d[26] ^= 1);

        var ok = VrrpPacket.TryPeekVrid(datagram, out var family, out var vrid);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True);
            Assert.That(family, Is.EqualTo(AddressFamily.InterNetwork));
            Assert.That(vrid, Is.EqualTo(51));
        }
    }

    [Test]
    public void Cases_CoverEveryDropReason()
    {
        var covered = StructuralCases().Concat(FilterCases()).Select(c => (VrrpDropReason)c.Arguments[0]!).ToHashSet();

        var missing = Enum.GetValues<VrrpDropReason>().Where(r => r != VrrpDropReason.None && !covered.Contains(r));

        Assert.That(missing, Is.Empty);
    }

    [Test]
    public void DropCounters_Increment_CountsPerReasonAndTotal()
    {
        var counters = new VrrpDropCounters();

        counters.Increment(VrrpDropReason.BadChecksum);
        counters.Increment(VrrpDropReason.BadChecksum);
        counters.Increment(VrrpDropReason.TtlNot255);
        counters.Increment(VrrpDropReason.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(counters[VrrpDropReason.BadChecksum], Is.EqualTo(2));
            Assert.That(counters[VrrpDropReason.TtlNot255], Is.EqualTo(1));
            Assert.That(counters.Total, Is.EqualTo(3));
            Assert.That(counters.Snapshot().Keys, Is.EquivalentTo(new[] { VrrpDropReason.BadChecksum, VrrpDropReason.TtlNot255 }));
        }
    }
}
