using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kad.Vrrp.Packets;

namespace Kad.Vrrp.Transport;

/// <summary>
/// One instance's advert to one destination, built once and sent as is until the priority changes: an idle master's
/// per-advert work is then two header fields (IPv4 identification and header checksum) and one sendto.
/// </summary>
public sealed class PreparedAdvert
{
    private const int IPv4HeaderLength = VrrpConstants.IPv4HeaderMinLength;
    private readonly VrrpAdvertTemplate _template;
    private readonly byte[] _source;
    private readonly byte[] _destination;
    private readonly VrrpChecksumForm _form;
    private readonly byte _ttl;
    private readonly byte[] _bytes;
    private int _priority = -1;

    internal PreparedAdvert(AddressFamily family, VrrpAdvertTemplate template, IPAddress source, IPAddress destination, VrrpChecksumForm form, byte ttl, int interfaceIndex)
    {
        Family = family;
        _template = template;
        _source = source.GetAddressBytes();
        _destination = destination.GetAddressBytes();
        _form = form;
        _ttl = ttl;
        _bytes = new byte[(family == AddressFamily.InterNetwork ? IPv4HeaderLength : 0) + template.MessageLength];
        SocketAddress = NativeSocketAddress(destination, interfaceIndex);
    }

    public AddressFamily Family { get; }

    /// <summary>The destination as a native sockaddr_in / sockaddr_in6 for sendto.</summary>
    internal byte[] SocketAddress { get; }

    /// <summary>
    /// The bytes to send with <paramref name="priority"/>: an IPv4 datagram (header included, for IP_HDRINCL) or an
    /// IPv6 VRRP message (the kernel adds the header and checksum). Valid until the next call.
    /// </summary>
    internal ReadOnlySpan<byte> Bytes(byte priority, ushort identification)
    {
        if (priority != _priority)
        {
            Build(priority);
        }

        if (Family == AddressFamily.InterNetwork)
        {
            var header = _bytes.AsSpan(0, IPv4HeaderLength);
            BinaryPrimitives.WriteUInt16BigEndian(header[4..], identification);
            header[10] = 0;
            header[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
        }

        return _bytes;
    }

    private void Build(byte priority)
    {
        if (Family == AddressFamily.InterNetwork)
        {
            _template.WriteIPv4Datagram(_bytes, priority, _source, _destination, identification: 0, _form);
            _bytes[8] = _ttl;
        }
        else
        {
            _template.WriteMessage(_bytes, priority, _source, _destination, _form);
        }

        _priority = priority;
    }

    private static byte[] NativeSocketAddress(IPAddress address, int interfaceIndex)
    {
        // <netinet/in.h>: sockaddr_in { sa_family_t (host order); in_port_t; in_addr; zero[8] } = 16 bytes,
        // sockaddr_in6 { sa_family_t; in_port_t; uint32 flowinfo; in6_addr; uint32 scope_id } = 28 bytes.
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var v4 = new byte[16];
            BitConverter.TryWriteBytes(v4.AsSpan(0, 2), (ushort)Interop.AF_INET);
            address.TryWriteBytes(v4.AsSpan(4, 4), out _);
            return v4;
        }

        var v6 = new byte[28];
        BitConverter.TryWriteBytes(v6.AsSpan(0, 2), (ushort)Interop.AF_INET6);
        address.TryWriteBytes(v6.AsSpan(8, 16), out _);
        if (address.IsIPv6LinkLocal || address.IsIPv6Multicast)
        {
            BitConverter.TryWriteBytes(v6.AsSpan(24, 4), (uint)interfaceIndex);
        }

        return v6;
    }
}
