using System.Net;

namespace Kad.Vrrp.Packets;

/// <summary>
/// The per-instance half of receive validation (RFC 5798 §7.1, keepalived's receive pipeline, ref §12): everything
/// that depends on the instance's configuration. Built once per configuration; <see cref="Check"/> allocates nothing.
/// </summary>
public sealed class VrrpAdvertFilter
{
    private readonly byte[] _authData;
    private readonly byte[] _addresses;
    private readonly byte[][] _peers;
    private readonly byte[][] _ownAddresses;

    public VrrpAdvertFilter(VrrpAdvertTemplate template, VrrpAdvertFilterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        options ??= new VrrpAdvertFilterOptions();
        Template = template;
        _authData = template.AuthData.ToArray();
        _addresses = template.AddressBytes.ToArray();
        _peers = [.. options.UnicastPeers.Select(p => p.GetAddressBytes())];
        _ownAddresses = [.. options.OwnAddresses.Select(p => p.GetAddressBytes())];
        Unicast = _peers.Length > 0;
        CheckAddressList = options.CheckAddressList;
    }

    public VrrpAdvertTemplate Template { get; }

    public bool Unicast { get; }

    public bool CheckAddressList { get; }

    /// <summary>Returns <see cref="VrrpDropReason.None"/> when the advert may reach the state machine.</summary>
    public VrrpDropReason Check(in VrrpPacket packet)
    {
        if (packet.Family != Template.Family)
        {
            return VrrpDropReason.AddressFamilyMismatch;
        }

        if (packet.Vrid != Template.Vrid)
        {
            return VrrpDropReason.UnknownVrid;
        }

        if (ContainsAddress(_ownAddresses, packet.Source))
        {
            return VrrpDropReason.OwnAdvert;
        }

        if (packet.Version != Template.Version)
        {
            return VrrpDropReason.VersionMismatch;
        }

        if (packet.IsMulticastDestination == Unicast)
        {
            return VrrpDropReason.DestinationMismatch;
        }

        if (Unicast && !ContainsAddress(_peers, packet.Source))
        {
            return VrrpDropReason.SourceNotPeer;
        }

        if (packet.Version == VrrpVersion.V2)
        {
            if ((byte)packet.AuthType > (byte)VrrpAuthType.IpAuthenticationHeader)
            {
                return VrrpDropReason.UnknownAuthType;
            }

            if (packet.AuthType != Template.AuthType)
            {
                return VrrpDropReason.AuthTypeMismatch;
            }

            // Type 0 data is ignored on receive (RFC 2338 §5.3.6.1); a password is compared over all 8 bytes.
            if (packet.AuthType == VrrpAuthType.SimplePassword && !packet.AuthData.SequenceEqual(_authData))
            {
                return VrrpDropReason.AuthPasswordMismatch;
            }

            if (packet.IntervalField != Template.IntervalField)
            {
                return VrrpDropReason.IntervalMismatch;
            }
        }

        if (CheckAddressList && !SameAddressSet(packet))
        {
            return VrrpDropReason.AddressListMismatch;
        }

        return VrrpDropReason.None;
    }

    /// <summary>Same count and the same addresses in any order (keepalived ≤ 2.3.2 rejects anything else).</summary>
    private bool SameAddressSet(in VrrpPacket packet)
    {
        var length = Template.AddressLength;
        if (packet.AddressCount != Template.AddressCount)
        {
            return false;
        }

        // Both directions, so duplicates on either side cannot make different sets look equal. Lists are short.
        for (var i = 0; i < packet.AddressCount; i++)
        {
            if (!ContainsChunk(_addresses, packet.Address(i), length))
            {
                return false;
            }
        }

        for (var i = 0; i < Template.AddressCount; i++)
        {
            if (!ContainsChunk(packet.Addresses, _addresses.AsSpan(i * length, length), length))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ContainsChunk(ReadOnlySpan<byte> list, ReadOnlySpan<byte> item, int length)
    {
        for (var offset = 0; offset + length <= list.Length; offset += length)
        {
            if (list.Slice(offset, length).SequenceEqual(item))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsAddress(byte[][] list, ReadOnlySpan<byte> address)
    {
        foreach (var candidate in list)
        {
            if (address.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Receive-side settings of one instance that are not in its advert.</summary>
public sealed record VrrpAdvertFilterOptions
{
    /// <summary><c>unicast_peer</c> addresses; empty means multicast mode.</summary>
    public IReadOnlyList<IPAddress> UnicastPeers { get; init; } = [];

    /// <summary>Our own source addresses: a copy of our own advert is dropped, not obeyed.</summary>
    public IReadOnlyList<IPAddress> OwnAddresses { get; init; } = [];

    /// <summary>Reject adverts whose address list differs from ours, like keepalived 2.2.7 (newer versions only log).</summary>
    public bool CheckAddressList { get; init; } = true;
}

/// <summary>Address helpers shared by the codec and the state machine.</summary>
public static class VrrpAddress
{
    /// <summary>
    /// An address as an unsigned big-endian integer, for the equal-priority tie-break (RFC 5798 §6.4.3: the primary
    /// addresses compared as unsigned integers in network byte order).
    /// </summary>
    public static UInt128 ToUInt128(ReadOnlySpan<byte> address)
    {
        UInt128 value = 0;
        foreach (var b in address)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    public static UInt128 ToUInt128(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return ToUInt128(bytes[..written]);
    }
}
