namespace Kad.Vrrp.Packets;

/// <summary>
/// Why a received datagram was not accepted as an advertisement. One value per validation rule, so each can be counted
/// and tested. The first group is checked by <see cref="VrrpPacket.TryParse(ReadOnlySpan{byte}, out VrrpPacket, out VrrpDropReason)"/>
/// without any configuration; the second by <see cref="VrrpAdvertFilter"/> against one instance's settings.
/// </summary>
public enum VrrpDropReason
{
    None = 0,

    // ---- structure (no configuration needed) ----

    /// <summary>Shorter than an IP header, or an IPv4 header length field below 5 words or beyond the datagram.</summary>
    TruncatedIpHeader,

    /// <summary>The IP version nibble is neither 4 nor 6.</summary>
    UnknownIpVersion,

    /// <summary>The IPv4 total length (or IPv6 payload length) does not equal the bytes received.</summary>
    IpLengthMismatch,

    /// <summary>IPv4 protocol / IPv6 next header is not 112 (IPv6 extension headers are not supported).</summary>
    NotVrrpProtocol,

    /// <summary>IPv4 protocol 51: keepalived's v2 AH authentication, which kad does not implement.</summary>
    AuthenticationHeaderUnsupported,

    /// <summary>TTL or hop limit is not 255: the sender is not on-link (RFC 5798 §7.1).</summary>
    TtlNot255,

    /// <summary>Fewer bytes than the fixed 8-byte VRRP header.</summary>
    TruncatedVrrpHeader,

    /// <summary>The VRRP version nibble is neither 2 nor 3.</summary>
    UnsupportedVersion,

    /// <summary>Version 2 received over IPv6 (v2 is IPv4 only).</summary>
    Version2OverIPv6,

    /// <summary>The type nibble is not 1 (ADVERTISEMENT).</summary>
    NotAdvertisement,

    /// <summary>VRID 0 is not a valid virtual router.</summary>
    InvalidVrid,

    /// <summary>Count IPvX Addrs is zero (RFC 9568 errata: such adverts are ignored).</summary>
    NoAddresses,

    /// <summary>The message is shorter than its address count (and v2 auth data) require.</summary>
    TruncatedAddressList,

    /// <summary>The message is longer than its address count (and v2 auth data) require; keepalived requires exact length.</summary>
    TrailingBytes,

    /// <summary>The advertisement interval field is zero.</summary>
    ZeroInterval,

    /// <summary>The checksum does not verify in any accepted form.</summary>
    BadChecksum,

    // ---- per instance (VrrpAdvertFilter) ----

    /// <summary>No instance on this interface uses the advert's VRID (for this address family).</summary>
    UnknownVrid,

    /// <summary>The advert's version differs from the instance's <c>version</c> (no v2/v3 mixed mode).</summary>
    VersionMismatch,

    /// <summary>The IP family differs from the instance's.</summary>
    AddressFamilyMismatch,

    /// <summary>v2 Auth Type is not 0, 1 or 2.</summary>
    UnknownAuthType,

    /// <summary>v2 Auth Type differs from the instance's <c>authentication { auth_type }</c>.</summary>
    AuthTypeMismatch,

    /// <summary>v2 simple password differs (compared over all 8 bytes).</summary>
    AuthPasswordMismatch,

    /// <summary>v2 Adver Int differs from the local <c>advert_int</c> (RFC 3768 §7.1: discard).</summary>
    IntervalMismatch,

    /// <summary>The address count or the address set differs from the instance's virtual addresses.</summary>
    AddressListMismatch,

    /// <summary>Multicast advert for a unicast instance, or unicast advert for a multicast instance.</summary>
    DestinationMismatch,

    /// <summary>Unicast mode: the source is not one of the configured <c>unicast_peer</c> addresses.</summary>
    SourceNotPeer,

    /// <summary>The source is one of our own addresses (a looped-back copy of our own advert).</summary>
    OwnAdvert,
}
