namespace Kad.Vrrp.Packets;

/// <summary>Wire constants of VRRP (RFC 3768 for version 2, RFC 5798 for version 3).</summary>
public static class VrrpConstants
{
    /// <summary>IANA protocol number of VRRP (IPv4 protocol field and IPv6 next header).</summary>
    public const byte IpProtocol = 112;

    /// <summary>IANA protocol number of the IP Authentication Header (keepalived's v2 "auth_type AH").</summary>
    public const byte AuthenticationHeaderProtocol = 51;

    /// <summary>Adverts are sent with this TTL / hop limit; a receiver requires it to prove the sender is on-link.</summary>
    public const byte RequiredTtl = 255;

    /// <summary>The only packet type defined: ADVERTISEMENT.</summary>
    public const byte TypeAdvertisement = 1;

    public const byte PriorityOwner = 255;
    public const byte PriorityResign = 0;
    public const byte PriorityDefault = 100;

    /// <summary>Fixed part of a v2 or v3 message: version/type, VRID, priority, count, 2 bytes of interval (and auth type in v2), checksum.</summary>
    public const int FixedHeaderLength = 8;

    /// <summary>v2 carries 8 bytes of authentication data after the addresses.</summary>
    public const int V2AuthDataLength = 8;

    /// <summary>The v3 Max Adver Int field is 12 bits of centiseconds.</summary>
    public const ushort V3MaxIntervalCentiseconds = 0x0FFF;

    public const int IPv4HeaderMinLength = 20;
    public const int IPv6HeaderLength = 40;

    /// <summary>224.0.0.18, the IPv4 VRRP group.</summary>
    public static ReadOnlySpan<byte> IPv4Group => [224, 0, 0, 18];

    /// <summary>ff02::12, the IPv6 VRRP group.</summary>
    public static ReadOnlySpan<byte> IPv6Group => [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12];

    /// <summary>Field offsets inside the VRRP message.</summary>
    internal static class Offsets
    {
        public const int VersionType = 0;
        public const int Vrid = 1;
        public const int Priority = 2;
        public const int AddressCount = 3;
        public const int V2AuthType = 4;
        public const int V2AdvertInterval = 5;
        public const int V3RsvdMaxAdverInterval = 4;
        public const int Checksum = 6;
        public const int Addresses = 8;
    }
}

public enum VrrpVersion : byte
{
    V2 = 2,
    V3 = 3,
}

/// <summary>The v2 Auth Type field (RFC 2338 values; RFC 3768 keeps only "none" but keepalived still speaks the others).</summary>
public enum VrrpAuthType : byte
{
    None = 0,
    SimplePassword = 1,
    IpAuthenticationHeader = 2,
}

/// <summary>Which checksum form a received v3 IPv4 advert verified with (keepalived and peers differ, see ref §5).</summary>
public enum VrrpChecksumForm : byte
{
    /// <summary>Checksum over the VRRP message only: every v2 advert, and v3 over IPv4 per RFC 9568 / Cisco / <c>v3_checksum_as_v2</c>.</summary>
    MessageOnly = 0,

    /// <summary>Pseudo-header with the packet's real destination (RFC 5798 reading, keepalived's default, always IPv6).</summary>
    PseudoHeader = 1,

    /// <summary>Pseudo-header naming 224.0.0.18 although the advert was unicast (keepalived ≤ 1.3.6).</summary>
    PseudoHeaderWithGroup = 2,
}
