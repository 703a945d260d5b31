using System.Buffers.Binary;
using System.Net.Sockets;

namespace Kad.Vrrp.Packets;

/// <summary>
/// A received VRRP advertisement that passed every structural check, as a view over the receive buffer (nothing is
/// copied or allocated). Valid only while that buffer is. Instance-specific checks (VRID, auth, interval, address
/// list, peers) are <see cref="VrrpAdvertFilter"/>'s job.
/// </summary>
public readonly ref struct VrrpPacket
{
    public AddressFamily Family { get; init; }

    /// <summary>IP source address, 4 or 16 bytes: the sender's primary address, used for the equal-priority tie-break.</summary>
    public ReadOnlySpan<byte> Source { get; init; }

    public ReadOnlySpan<byte> Destination { get; init; }

    /// <summary>IPv4 TTL or IPv6 hop limit as received.</summary>
    public byte Ttl { get; init; }

    public VrrpVersion Version { get; init; }

    public byte Vrid { get; init; }

    public byte Priority { get; init; }

    public byte AddressCount { get; init; }

    /// <summary>The raw interval field: whole seconds in v2, centiseconds (12 bits) in v3.</summary>
    public ushort IntervalField { get; init; }

    /// <summary>v2 only; <see cref="VrrpAuthType.None"/> for v3.</summary>
    public VrrpAuthType AuthType { get; init; }

    /// <summary>v2: the 8 authentication bytes; v3: empty.</summary>
    public ReadOnlySpan<byte> AuthData { get; init; }

    /// <summary>The address list: <see cref="AddressCount"/> addresses of <see cref="AddressLength"/> bytes each.</summary>
    public ReadOnlySpan<byte> Addresses { get; init; }

    public ushort Checksum { get; init; }

    public VrrpChecksumForm ChecksumForm { get; init; }

    public int AddressLength => Family == AddressFamily.InterNetworkV6 ? 16 : 4;

    /// <summary>The advertisement interval in centiseconds whatever the version (v2 seconds × 100).</summary>
    public int IntervalCentiseconds => Version == VrrpVersion.V2 ? IntervalField * 100 : IntervalField;

    public TimeSpan Interval => TimeSpan.FromMilliseconds(IntervalCentiseconds * 10);

    public ReadOnlySpan<byte> Address(int index) => Addresses.Slice(index * AddressLength, AddressLength);

    public bool IsMulticastDestination => IsMulticast(Destination);

    internal static bool IsMulticast(ReadOnlySpan<byte> address) =>
        address.Length == 4 ? address[0] is >= 224 and <= 239 : address.Length == 16 && address[0] == 0xff;

    /// <summary>Parses a whole IPv4 or IPv6 datagram (IP header included, as an IPv4 raw socket returns it), requiring TTL 255.</summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out VrrpPacket packet, out VrrpDropReason reason) =>
        TryParse(datagram, requireTtl255: true, out packet, out reason);

    /// <summary>
    /// Parses a whole IPv4 or IPv6 datagram. <paramref name="requireTtl255"/> is false only for unicast peers that are
    /// allowed to be routed (keepalived checks TTL in multicast mode only).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, bool requireTtl255, out VrrpPacket packet, out VrrpDropReason reason)
    {
        packet = default;
        if (datagram.IsEmpty)
        {
            reason = VrrpDropReason.TruncatedIpHeader;
            return false;
        }

        switch (datagram[0] >> 4)
        {
            case 4:
                return TryParseIPv4(datagram, requireTtl255, out packet, out reason);
            case 6:
                return TryParseIPv6(datagram, requireTtl255, out packet, out reason);
            default:
                reason = VrrpDropReason.UnknownIpVersion;
                return false;
        }
    }

    /// <summary>
    /// Parses a VRRP message whose IP envelope was taken apart elsewhere (an IPv6 raw socket returns the payload only;
    /// source, destination and hop limit come from recvmsg).
    /// </summary>
    public static bool TryParseMessage(
        ReadOnlySpan<byte> message,
        AddressFamily family,
        ReadOnlySpan<byte> source,
        ReadOnlySpan<byte> destination,
        byte ttl,
        bool requireTtl255,
        out VrrpPacket packet,
        out VrrpDropReason reason)
    {
        packet = default;
        var addressLength = family == AddressFamily.InterNetworkV6 ? 16 : 4;
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || source.Length != addressLength || destination.Length != addressLength)
        {
            reason = VrrpDropReason.UnknownIpVersion;
            return false;
        }

        if (requireTtl255 && ttl != VrrpConstants.RequiredTtl)
        {
            reason = VrrpDropReason.TtlNot255;
            return false;
        }

        if (message.Length < VrrpConstants.FixedHeaderLength)
        {
            reason = VrrpDropReason.TruncatedVrrpHeader;
            return false;
        }

        var versionType = message[VrrpConstants.Offsets.VersionType];
        var version = versionType >> 4;
        if (version is not (2 or 3))
        {
            reason = VrrpDropReason.UnsupportedVersion;
            return false;
        }

        if (version == 2 && family == AddressFamily.InterNetworkV6)
        {
            reason = VrrpDropReason.Version2OverIPv6;
            return false;
        }

        if ((versionType & 0x0F) != VrrpConstants.TypeAdvertisement)
        {
            reason = VrrpDropReason.NotAdvertisement;
            return false;
        }

        var vrid = message[VrrpConstants.Offsets.Vrid];
        if (vrid == 0)
        {
            reason = VrrpDropReason.InvalidVrid;
            return false;
        }

        var count = message[VrrpConstants.Offsets.AddressCount];
        if (count == 0)
        {
            reason = VrrpDropReason.NoAddresses;
            return false;
        }

        var authLength = version == 2 ? VrrpConstants.V2AuthDataLength : 0;
        var expected = VrrpConstants.FixedHeaderLength + (count * addressLength) + authLength;
        if (message.Length < expected)
        {
            reason = VrrpDropReason.TruncatedAddressList;
            return false;
        }

        if (message.Length > expected)
        {
            reason = VrrpDropReason.TrailingBytes;
            return false;
        }

        ushort interval = version == 2
            ? message[VrrpConstants.Offsets.V2AdvertInterval]
            : (ushort)(BinaryPrimitives.ReadUInt16BigEndian(message[VrrpConstants.Offsets.V3RsvdMaxAdverInterval..]) & VrrpConstants.V3MaxIntervalCentiseconds);
        if (interval == 0)
        {
            reason = VrrpDropReason.ZeroInterval;
            return false;
        }

        if (!TryVerifyChecksum(message, version, family, source, destination, out var form))
        {
            reason = VrrpDropReason.BadChecksum;
            return false;
        }

        var addressesEnd = VrrpConstants.Offsets.Addresses + (count * addressLength);
        packet = new VrrpPacket
        {
            Family = family,
            Source = source,
            Destination = destination,
            Ttl = ttl,
            Version = (VrrpVersion)version,
            Vrid = vrid,
            Priority = message[VrrpConstants.Offsets.Priority],
            AddressCount = count,
            IntervalField = interval,
            AuthType = version == 2 ? (VrrpAuthType)message[VrrpConstants.Offsets.V2AuthType] : VrrpAuthType.None,
            AuthData = version == 2 ? message.Slice(addressesEnd, VrrpConstants.V2AuthDataLength) : [],
            Addresses = message[VrrpConstants.Offsets.Addresses..addressesEnd],
            Checksum = BinaryPrimitives.ReadUInt16BigEndian(message[VrrpConstants.Offsets.Checksum..]),
            ChecksumForm = form,
        };
        reason = VrrpDropReason.None;
        return true;
    }

    /// <summary>
    /// Reads the family and VRID of a datagram that may have failed validation, so that a drop can be charged to the
    /// instance it claims to be for. Trusts nothing else.
    /// </summary>
    public static bool TryPeekVrid(ReadOnlySpan<byte> datagram, out AddressFamily family, out byte vrid)
    {
        family = AddressFamily.Unspecified;
        vrid = 0;
        if (datagram.IsEmpty)
        {
            return false;
        }

        int offset;
        switch (datagram[0] >> 4)
        {
            case 4:
                family = AddressFamily.InterNetwork;
                offset = (datagram[0] & 0x0F) * 4;
                break;
            case 6:
                family = AddressFamily.InterNetworkV6;
                offset = VrrpConstants.IPv6HeaderLength;
                break;
            default:
                return false;
        }

        if (offset < VrrpConstants.IPv4HeaderMinLength || datagram.Length <= offset + VrrpConstants.Offsets.Vrid)
        {
            return false;
        }

        vrid = datagram[offset + VrrpConstants.Offsets.Vrid];
        return true;
    }

    private static bool TryParseIPv4(ReadOnlySpan<byte> datagram, bool requireTtl255, out VrrpPacket packet, out VrrpDropReason reason)
    {
        packet = default;
        var headerLength = (datagram[0] & 0x0F) * 4;
        if (datagram.Length < VrrpConstants.IPv4HeaderMinLength || headerLength < VrrpConstants.IPv4HeaderMinLength || headerLength > datagram.Length)
        {
            reason = VrrpDropReason.TruncatedIpHeader;
            return false;
        }

        // Offsets in the IPv4 header (RFC 791).
        const int TotalLengthOffset = 2, TtlOffset = 8, ProtocolOffset = 9, SourceOffset = 12, DestinationOffset = 16;
        if (BinaryPrimitives.ReadUInt16BigEndian(datagram[TotalLengthOffset..]) != datagram.Length)
        {
            reason = VrrpDropReason.IpLengthMismatch;
            return false;
        }

        var protocol = datagram[ProtocolOffset];
        if (protocol != VrrpConstants.IpProtocol)
        {
            reason = protocol == VrrpConstants.AuthenticationHeaderProtocol ? VrrpDropReason.AuthenticationHeaderUnsupported : VrrpDropReason.NotVrrpProtocol;
            return false;
        }

        return TryParseMessage(
            datagram[headerLength..],
            AddressFamily.InterNetwork,
            datagram.Slice(SourceOffset, 4),
            datagram.Slice(DestinationOffset, 4),
            datagram[TtlOffset],
            requireTtl255,
            out packet,
            out reason);
    }

    private static bool TryParseIPv6(ReadOnlySpan<byte> datagram, bool requireTtl255, out VrrpPacket packet, out VrrpDropReason reason)
    {
        packet = default;
        if (datagram.Length < VrrpConstants.IPv6HeaderLength)
        {
            reason = VrrpDropReason.TruncatedIpHeader;
            return false;
        }

        // Offsets in the IPv6 header (RFC 8200).
        const int PayloadLengthOffset = 4, NextHeaderOffset = 6, HopLimitOffset = 7, SourceOffset = 8, DestinationOffset = 24;
        if (BinaryPrimitives.ReadUInt16BigEndian(datagram[PayloadLengthOffset..]) != datagram.Length - VrrpConstants.IPv6HeaderLength)
        {
            reason = VrrpDropReason.IpLengthMismatch;
            return false;
        }

        if (datagram[NextHeaderOffset] != VrrpConstants.IpProtocol)
        {
            reason = VrrpDropReason.NotVrrpProtocol;
            return false;
        }

        return TryParseMessage(
            datagram[VrrpConstants.IPv6HeaderLength..],
            AddressFamily.InterNetworkV6,
            datagram.Slice(SourceOffset, 16),
            datagram.Slice(DestinationOffset, 16),
            datagram[HopLimitOffset],
            requireTtl255,
            out packet,
            out reason);
    }

    private static bool TryVerifyChecksum(ReadOnlySpan<byte> message, int version, AddressFamily family, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, out VrrpChecksumForm form)
    {
        // A message carrying a correct checksum sums (checksum field included) to 0xFFFF, so Finish gives 0.
        var messageSum = InternetChecksum.Add(0, message);
        if (version == 2)
        {
            form = VrrpChecksumForm.MessageOnly;
            return InternetChecksum.Finish(messageSum) == 0;
        }

        if (family == AddressFamily.InterNetworkV6)
        {
            form = VrrpChecksumForm.PseudoHeader;
            return InternetChecksum.Finish(InternetChecksum.AddIPv6PseudoHeader(messageSum, source, destination, VrrpConstants.IpProtocol, message.Length)) == 0;
        }

        // v3 over IPv4: peers disagree on the pseudo-header (ref §5), so accept any of the three forms and say which.
        form = VrrpChecksumForm.PseudoHeader;
        if (InternetChecksum.Finish(InternetChecksum.AddIPv4PseudoHeader(messageSum, source, destination, VrrpConstants.IpProtocol, message.Length)) == 0)
        {
            return true;
        }

        form = VrrpChecksumForm.PseudoHeaderWithGroup;
        if (!destination.SequenceEqual(VrrpConstants.IPv4Group)
            && InternetChecksum.Finish(InternetChecksum.AddIPv4PseudoHeader(messageSum, source, VrrpConstants.IPv4Group, VrrpConstants.IpProtocol, message.Length)) == 0)
        {
            return true;
        }

        form = VrrpChecksumForm.MessageOnly;
        return InternetChecksum.Finish(messageSum) == 0;
    }
}
