using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Kad.Netlink.Protocol;
using static Kad.Netlink.Route.RtnetlinkConstants;

namespace Kad.Netlink.Route;

/// <summary>Pure encoding of rtnetlink link/address requests and decoding of their replies and notifications.</summary>
public static class RtnetlinkCodec
{
    private const ushort DoRequest = NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK;
    private const ushort DumpRequest = NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_DUMP;

    /// <summary>
    /// RTM_NEWADDR with CREATE|EXCL (EEXIST if present), or CREATE|REPLACE when <paramref name="replace"/> (refresh
    /// lifetimes). IPv4 sends LOCAL and ADDRESS; IPv6 sends LOCAL. Flags go in IFA_FLAGS (the header byte stays 0).
    /// </summary>
    public static void EncodeNewAddress(NetlinkWriter writer, uint sequence, InterfaceAddress address, bool replace = false)
    {
        var flags = (ushort)(DoRequest | NetlinkConstants.NLM_F_CREATE | (replace ? NetlinkConstants.NLM_F_REPLACE : NetlinkConstants.NLM_F_EXCL));
        writer.BeginMessage(RTM_NEWADDR, flags, sequence);
        WriteAddressHeader(writer, address);
        writer.WriteAddress(IFA_LOCAL, address.Address);
        if (address.Family == AddressFamily.InterNetwork)
        {
            writer.WriteAddress(IFA_ADDRESS, address.Address);
            if (address.Broadcast is { } broadcast)
            {
                writer.WriteAddress(IFA_BROADCAST, broadcast);
            }

            if (address.Label is { } label)
            {
                writer.WriteString(IFA_LABEL, label);
            }
        }

        if (address.Flags != AddressFlags.None)
        {
            writer.WriteU32(IFA_FLAGS, (uint)address.Flags);
        }

        if (address.PreferredLifetime is not null || address.ValidLifetime is not null)
        {
            Span<byte> cacheInfo = stackalloc byte[16];
            cacheInfo.Clear();
            MemoryMarshal.Write(cacheInfo, address.PreferredLifetime ?? InfiniteLifetime);
            MemoryMarshal.Write(cacheInfo[4..], address.ValidLifetime ?? InfiniteLifetime);
            writer.WriteAttribute(IFA_CACHEINFO, cacheInfo);
        }

        writer.EndMessage();
    }

    /// <summary>RTM_DELADDR matching the local address (and label, if set) with the exact prefix length.</summary>
    public static void EncodeDeleteAddress(NetlinkWriter writer, uint sequence, InterfaceAddress address)
    {
        writer.BeginMessage(RTM_DELADDR, DoRequest, sequence);
        WriteAddressHeader(writer, address);
        writer.WriteAddress(IFA_LOCAL, address.Address);
        if (address.Family == AddressFamily.InterNetwork && address.Label is { } label)
        {
            writer.WriteString(IFA_LABEL, label);
        }

        writer.EndMessage();
    }

    /// <summary>RTM_GETADDR dump for one family (or all with <see cref="AddressFamily.Unspecified"/>).</summary>
    public static void EncodeDumpAddresses(NetlinkWriter writer, uint sequence, AddressFamily family)
    {
        writer.BeginMessage(RTM_GETADDR, DumpRequest, sequence);
        Span<byte> header = stackalloc byte[IfAddrMsgLength];
        header.Clear();
        header[0] = ToKernelFamily(family);
        writer.WriteRaw(header);
        writer.EndMessage();
    }

    public static void EncodeDumpLinks(NetlinkWriter writer, uint sequence)
    {
        writer.BeginMessage(RTM_GETLINK, DumpRequest, sequence);
        Span<byte> header = stackalloc byte[IfInfoMsgLength];
        header.Clear();
        writer.WriteRaw(header);
        writer.EndMessage();
    }

    /// <summary>RTM_GETLINK for one link, by name (index 0 + IFLA_IFNAME) or by index; with ACK so the reply's end is explicit.</summary>
    public static void EncodeGetLink(NetlinkWriter writer, uint sequence, string? name, int index = 0)
    {
        writer.BeginMessage(RTM_GETLINK, DoRequest, sequence);
        Span<byte> header = stackalloc byte[IfInfoMsgLength];
        header.Clear();
        MemoryMarshal.Write(header[4..], index);
        writer.WriteRaw(header);
        if (name is not null)
        {
            writer.WriteString(IFLA_IFNAME, name);
        }

        writer.EndMessage();
    }

    /// <summary>
    /// RTM_NEWLINK with CREATE|EXCL (EEXIST if the name is taken): a macvlan on <see cref="MacvlanLink.ParentIndex"/>
    /// named and addressed as given, created down. Attributes: IFLA_IFNAME, IFLA_LINK, IFLA_ADDRESS, then
    /// IFLA_LINKINFO { IFLA_INFO_KIND "macvlan", IFLA_INFO_DATA { IFLA_MACVLAN_MODE } }.
    /// </summary>
    public static void EncodeNewMacvlan(NetlinkWriter writer, uint sequence, MacvlanLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var mac = link.MacAddress.GetAddressBytes();
        if (mac.Length != 6)
        {
            throw new ArgumentException($"a macvlan needs a 6-byte MAC address, not {mac.Length} bytes", nameof(link));
        }

        writer.BeginMessage(RTM_NEWLINK, (ushort)(DoRequest | NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL), sequence);
        WriteLinkHeader(writer, 0, 0, 0);
        writer.WriteString(IFLA_IFNAME, link.Name);
        writer.WriteU32(IFLA_LINK, (uint)link.ParentIndex);
        writer.WriteAttribute(IFLA_ADDRESS, mac);
        var info = writer.BeginNested(IFLA_LINKINFO);
        writer.WriteString(IFLA_INFO_KIND, "macvlan");
        var data = writer.BeginNested(IFLA_INFO_DATA);
        writer.WriteU32(IFLA_MACVLAN_MODE, (uint)link.Mode);
        writer.EndNested(data);
        writer.EndNested(info);
        writer.EndMessage();
    }

    /// <summary>RTM_NEWLINK on an existing link that changes only IFF_UP (ifi_change = IFF_UP): up or down.</summary>
    public static void EncodeSetLinkUp(NetlinkWriter writer, uint sequence, int index, bool up)
    {
        writer.BeginMessage(RTM_NEWLINK, DoRequest, sequence);
        WriteLinkHeader(writer, index, up ? IFF_UP : 0, IFF_UP);
        writer.EndMessage();
    }

    /// <summary>RTM_DELLINK by index.</summary>
    public static void EncodeDeleteLink(NetlinkWriter writer, uint sequence, int index)
    {
        writer.BeginMessage(RTM_DELLINK, DoRequest, sequence);
        WriteLinkHeader(writer, index, 0, 0);
        writer.EndMessage();
    }

    public static InterfaceAddress DecodeAddress(in NetlinkMessage message)
    {
        var payload = message.Payload;
        if (payload.Length < IfAddrMsgLength)
        {
            throw new NetlinkProtocolException($"address message of {payload.Length} bytes is shorter than struct ifaddrmsg");
        }

        var family = payload[0];
        if (family is not (AF_INET or AF_INET6))
        {
            throw new NetlinkProtocolException($"address family {family} is neither AF_INET nor AF_INET6");
        }

        var prefixLength = payload[1];
        var flags = (uint)payload[2];
        var scope = (AddressScope)payload[3];
        var index = MemoryMarshal.Read<int>(payload[4..]);
        IPAddress? local = null, address = null, broadcast = null;
        string? label = null;
        uint? preferred = null, valid = null;
        var attributes = message.Attributes(IfAddrMsgLength);
        while (attributes.TryRead(out var attribute))
        {
            switch (attribute.Type)
            {
                case IFA_ADDRESS: address = attribute.GetAddress(); break;
                case IFA_LOCAL: local = attribute.GetAddress(); break;
                case IFA_BROADCAST: broadcast = attribute.GetAddress(); break;
                case IFA_LABEL: label = attribute.GetString(); break;
                case IFA_FLAGS: flags = attribute.GetU32(); break;
                case IFA_CACHEINFO:
                    if (attribute.Payload.Length < 8)
                    {
                        throw new NetlinkProtocolException("IFA_CACHEINFO shorter than 8 bytes");
                    }

                    preferred = MemoryMarshal.Read<uint>(attribute.Payload);
                    valid = MemoryMarshal.Read<uint>(attribute.Payload[4..]);
                    break;
                default: break;
            }
        }

        // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links.
        var own = local ?? address ?? throw new NetlinkProtocolException("address message with neither IFA_LOCAL nor IFA_ADDRESS");
        return new InterfaceAddress(index, own, prefixLength)
        {
            Label = label,
            Broadcast = broadcast,
            Scope = scope,
            Flags = (AddressFlags)flags,
            PreferredLifetime = preferred,
            ValidLifetime = valid,
        };
    }

    public static LinkInfo DecodeLink(in NetlinkMessage message)
    {
        var payload = message.Payload;
        if (payload.Length < IfInfoMsgLength)
        {
            throw new NetlinkProtocolException($"link message of {payload.Length} bytes is shorter than struct ifinfomsg");
        }

        var type = MemoryMarshal.Read<ushort>(payload[2..]);
        var index = MemoryMarshal.Read<int>(payload[4..]);
        var flags = MemoryMarshal.Read<uint>(payload[8..]);
        string name = "";
        uint mtu = 0;
        var operState = OperationalState.Unknown;
        var mac = PhysicalAddress.None;
        int? master = null, parent = null;
        string? kind = null;
        var attributes = message.Attributes(IfInfoMsgLength);
        while (attributes.TryRead(out var attribute))
        {
            switch (attribute.Type)
            {
                case IFLA_IFNAME: name = attribute.GetString(); break;
                case IFLA_MTU: mtu = attribute.GetU32(); break;
                case IFLA_OPERSTATE: operState = (OperationalState)attribute.GetU8(); break;
                case IFLA_ADDRESS: mac = new PhysicalAddress(attribute.Payload.ToArray()); break;
                case IFLA_MASTER: master = attribute.GetS32(); break;
                case IFLA_LINK: parent = attribute.GetS32(); break;
                case IFLA_LINKINFO: kind = LinkKind(attribute); break;
                default: break;
            }
        }

        return new LinkInfo(index, name)
        {
            HardwareType = type,
            Flags = (InterfaceFlags)flags,
            OperationalState = operState,
            Mtu = mtu,
            MacAddress = mac,
            MasterIndex = master,
            ParentIndex = parent,
            Kind = kind,
        };
    }

    private static string? LinkKind(in NetlinkAttribute linkInfo)
    {
        var nested = linkInfo.Nested();
        while (nested.TryRead(out var attribute))
        {
            if (attribute.Type == IFLA_INFO_KIND)
            {
                return attribute.GetString();
            }
        }

        return null;
    }

    /// <summary>struct ifinfomsg: family AF_UNSPEC, type 0, index, flags, change mask.</summary>
    private static void WriteLinkHeader(NetlinkWriter writer, int index, uint flags, uint change)
    {
        Span<byte> header = stackalloc byte[IfInfoMsgLength];
        header.Clear();
        MemoryMarshal.Write(header[4..], index);
        MemoryMarshal.Write(header[8..], flags);
        MemoryMarshal.Write(header[12..], change);
        writer.WriteRaw(header);
    }

    private static void WriteAddressHeader(NetlinkWriter writer, InterfaceAddress address)
    {
        var max = address.Family == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (address.PrefixLength < 0 || address.PrefixLength > max)
        {
            throw new ArgumentOutOfRangeException(nameof(address), $"prefix length {address.PrefixLength} outside 0..{max}");
        }

        Span<byte> header = stackalloc byte[IfAddrMsgLength];
        header[0] = ToKernelFamily(address.Family);
        header[1] = (byte)address.PrefixLength;
        header[2] = 0;
        header[3] = (byte)address.Scope;
        MemoryMarshal.Write(header[4..], address.InterfaceIndex);
        writer.WriteRaw(header);
    }

    private static byte ToKernelFamily(AddressFamily family) => family switch
    {
        AddressFamily.Unspecified => AF_UNSPEC,
        AddressFamily.InterNetwork => AF_INET,
        AddressFamily.InterNetworkV6 => AF_INET6,
        _ => throw new ArgumentException($"rtnetlink addresses are IPv4 or IPv6, not {family}"),
    };
}
