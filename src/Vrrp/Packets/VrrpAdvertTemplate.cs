using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kad.Vrrp.Packets;

/// <summary>
/// Everything an instance's adverts carry except the priority, prepared once per configuration so that sending writes
/// into a reused buffer without allocating.
/// </summary>
public sealed class VrrpAdvertTemplate
{
    private readonly byte[] _addresses;
    private readonly byte[] _authData;

    private VrrpAdvertTemplate(VrrpVersion version, AddressFamily family, byte vrid, ushort intervalField, VrrpAuthType authType, byte[] authData, byte[] addresses, int count)
    {
        Version = version;
        Family = family;
        Vrid = vrid;
        IntervalField = intervalField;
        AuthType = authType;
        _authData = authData;
        _addresses = addresses;
        AddressCount = count;
    }

    public VrrpVersion Version { get; }

    public AddressFamily Family { get; }

    public byte Vrid { get; }

    /// <summary>Seconds (v2) or centiseconds (v3), as written on the wire.</summary>
    public ushort IntervalField { get; }

    public VrrpAuthType AuthType { get; }

    public int AddressCount { get; }

    public ReadOnlySpan<byte> AddressBytes => _addresses;

    public ReadOnlySpan<byte> AuthData => _authData;

    public int AddressLength => Family == AddressFamily.InterNetworkV6 ? 16 : 4;

    /// <summary>Length of the VRRP message (no IP header).</summary>
    public int MessageLength => VrrpConstants.FixedHeaderLength + _addresses.Length + (Version == VrrpVersion.V2 ? VrrpConstants.V2AuthDataLength : 0);

    /// <summary>
    /// Builds a template. v2: IPv4 only, interval in whole seconds 1..255, optional simple password (NUL-padded or
    /// truncated to 8 bytes, as keepalived does). v3: interval in centiseconds 1..4095, no authentication.
    /// </summary>
    public static VrrpAdvertTemplate Create(
        VrrpVersion version,
        byte vrid,
        TimeSpan interval,
        IReadOnlyList<IPAddress> addresses,
        VrrpAuthType authType = VrrpAuthType.None,
        string? password = null)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (vrid == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(vrid), "VRID must be 1..255");
        }

        if (addresses.Count is 0 or > 255)
        {
            throw new ArgumentException("an advert carries 1..255 addresses", nameof(addresses));
        }

        var family = addresses[0].AddressFamily;
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) || addresses.Any(a => a.AddressFamily != family))
        {
            throw new ArgumentException("addresses must all be IPv4 or all be IPv6", nameof(addresses));
        }

        ushort intervalField;
        byte[] authData = [];
        if (version == VrrpVersion.V2)
        {
            if (family != AddressFamily.InterNetwork)
            {
                throw new ArgumentException("VRRPv2 is IPv4 only", nameof(addresses));
            }

            if (interval.Ticks % TimeSpan.TicksPerSecond != 0 || interval.TotalSeconds is < 1 or > 255)
            {
                throw new ArgumentOutOfRangeException(nameof(interval), "a v2 interval is whole seconds 1..255");
            }

            intervalField = (ushort)interval.TotalSeconds;
            authData = new byte[VrrpConstants.V2AuthDataLength];
            if (authType == VrrpAuthType.SimplePassword)
            {
                var bytes = Encoding.UTF8.GetBytes(password ?? "");
                bytes.AsSpan(0, Math.Min(bytes.Length, authData.Length)).CopyTo(authData);
            }
            else if (authType != VrrpAuthType.None)
            {
                throw new NotSupportedException("only auth_type PASS is implemented for VRRPv2");
            }
        }
        else
        {
            if (authType != VrrpAuthType.None)
            {
                throw new ArgumentException("VRRPv3 has no authentication", nameof(authType));
            }

            const long TicksPerCentisecond = TimeSpan.TicksPerMillisecond * 10;
            if (interval.Ticks % TicksPerCentisecond != 0 || interval.Ticks / TicksPerCentisecond is < 1 or > VrrpConstants.V3MaxIntervalCentiseconds)
            {
                throw new ArgumentOutOfRangeException(nameof(interval), "a v3 interval is whole centiseconds 1..4095");
            }

            intervalField = (ushort)(interval.Ticks / TicksPerCentisecond);
        }

        var length = family == AddressFamily.InterNetworkV6 ? 16 : 4;
        var bytesOut = new byte[addresses.Count * length];
        for (var i = 0; i < addresses.Count; i++)
        {
            addresses[i].TryWriteBytes(bytesOut.AsSpan(i * length, length), out _);
        }

        return new VrrpAdvertTemplate(version, family, vrid, intervalField, authType, authData, bytesOut, addresses.Count);
    }

    /// <summary>
    /// Writes the VRRP message with <paramref name="priority"/> and its checksum into <paramref name="destination"/>;
    /// returns the length. <paramref name="source"/> and <paramref name="ipDestination"/> feed the v3 pseudo-header
    /// (ignored for v2 and for <see cref="VrrpChecksumForm.MessageOnly"/>).
    /// </summary>
    public int WriteMessage(Span<byte> destination, byte priority, ReadOnlySpan<byte> source, ReadOnlySpan<byte> ipDestination, VrrpChecksumForm form = VrrpChecksumForm.PseudoHeader)
    {
        var length = MessageLength;
        if (destination.Length < length)
        {
            throw new ArgumentException("buffer too small for the advert", nameof(destination));
        }

        var message = destination[..length];
        message[VrrpConstants.Offsets.VersionType] = (byte)(((int)Version << 4) | VrrpConstants.TypeAdvertisement);
        message[VrrpConstants.Offsets.Vrid] = Vrid;
        message[VrrpConstants.Offsets.Priority] = priority;
        message[VrrpConstants.Offsets.AddressCount] = (byte)AddressCount;
        if (Version == VrrpVersion.V2)
        {
            message[VrrpConstants.Offsets.V2AuthType] = (byte)AuthType;
            message[VrrpConstants.Offsets.V2AdvertInterval] = (byte)IntervalField;
        }
        else
        {
            // The 4 reserved bits are sent as zero.
            BinaryPrimitives.WriteUInt16BigEndian(message[VrrpConstants.Offsets.V3RsvdMaxAdverInterval..], IntervalField);
        }

        message[VrrpConstants.Offsets.Checksum] = 0;
        message[VrrpConstants.Offsets.Checksum + 1] = 0;
        _addresses.CopyTo(message[VrrpConstants.Offsets.Addresses..]);
        _authData.CopyTo(message[(VrrpConstants.Offsets.Addresses + _addresses.Length)..]);

        var sum = InternetChecksum.Add(0, message);
        if (Version == VrrpVersion.V3 && form != VrrpChecksumForm.MessageOnly)
        {
            var pseudoDestination = form == VrrpChecksumForm.PseudoHeaderWithGroup && Family == AddressFamily.InterNetwork ? VrrpConstants.IPv4Group : ipDestination;
            sum = Family == AddressFamily.InterNetworkV6
                ? InternetChecksum.AddIPv6PseudoHeader(sum, source, pseudoDestination, VrrpConstants.IpProtocol, length)
                : InternetChecksum.AddIPv4PseudoHeader(sum, source, pseudoDestination, VrrpConstants.IpProtocol, length);
        }

        BinaryPrimitives.WriteUInt16BigEndian(message[VrrpConstants.Offsets.Checksum..], InternetChecksum.Finish(sum));
        return length;
    }

    /// <summary>
    /// Writes a complete IPv4 datagram (20-byte header as keepalived sends it: TOS 0xC0, no DF, TTL 255, protocol 112,
    /// header checksum filled in) followed by the advert, for a raw socket with IP_HDRINCL. Returns the total length.
    /// </summary>
    public int WriteIPv4Datagram(Span<byte> destination, byte priority, ReadOnlySpan<byte> source, ReadOnlySpan<byte> ipDestination, ushort identification, VrrpChecksumForm form = VrrpChecksumForm.PseudoHeader)
    {
        if (Family != AddressFamily.InterNetwork)
        {
            throw new InvalidOperationException("not an IPv4 template");
        }

        const int HeaderLength = VrrpConstants.IPv4HeaderMinLength;
        var total = HeaderLength + MessageLength;
        if (destination.Length < total)
        {
            throw new ArgumentException("buffer too small for the datagram", nameof(destination));
        }

        var header = destination[..HeaderLength];
        header[0] = 0x45; // version 4, IHL 5
        header[1] = 0xC0; // TOS: internetwork control, as keepalived
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)total);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], identification);
        header[6] = 0; // flags / fragment offset: no DF
        header[7] = 0;
        header[8] = VrrpConstants.RequiredTtl;
        header[9] = VrrpConstants.IpProtocol;
        header[10] = 0;
        header[11] = 0;
        source.CopyTo(header[12..16]);
        ipDestination.CopyTo(header[16..20]);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));

        WriteMessage(destination[HeaderLength..], priority, source, ipDestination, form);
        return total;
    }
}
