using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Kad.Netlink.Generic;
using Kad.Netlink.Protocol;
using static Kad.Netlink.Ipvs.IpvsConstants;

namespace Kad.Netlink.Ipvs;

/// <summary>
/// Pure encoding of IPVS requests and decoding of IPVS replies (no I/O). The family id is the one the controller
/// assigned to "IPVS". Layouts follow ip_vs_genl_set_cmd / ip_vs_genl_fill_* in net/netfilter/ipvs/ip_vs_ctl.c.
/// </summary>
public static class IpvsCodec
{
    private const ushort DoRequest = NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK;
    private const ushort DumpRequest = NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_DUMP;

    public static void EncodeNewService(NetlinkWriter writer, ushort familyId, uint sequence, IpvsService service) =>
        EncodeServiceSettings(writer, familyId, sequence, IPVS_CMD_NEW_SERVICE, service);

    public static void EncodeSetService(NetlinkWriter writer, ushort familyId, uint sequence, IpvsService service) =>
        EncodeServiceSettings(writer, familyId, sequence, IPVS_CMD_SET_SERVICE, service);

    public static void EncodeDeleteService(NetlinkWriter writer, ushort familyId, uint sequence, IpvsServiceKey key) =>
        EncodeServiceOnly(writer, familyId, sequence, IPVS_CMD_DEL_SERVICE, DoRequest, key);

    /// <summary>GET_SERVICE for one service (do request; answered by one cmd-1 message then the ACK).</summary>
    public static void EncodeGetService(NetlinkWriter writer, ushort familyId, uint sequence, IpvsServiceKey key) =>
        EncodeServiceOnly(writer, familyId, sequence, IPVS_CMD_GET_SERVICE, DoRequest, key);

    public static void EncodeDumpServices(NetlinkWriter writer, ushort familyId, uint sequence) =>
        EncodeBare(writer, familyId, sequence, IPVS_CMD_GET_SERVICE, DumpRequest);

    public static void EncodeNewDestination(NetlinkWriter writer, ushort familyId, uint sequence, IpvsServiceKey key, IpvsDestination destination) =>
        EncodeDestinationSettings(writer, familyId, sequence, IPVS_CMD_NEW_DEST, key, destination);

    public static void EncodeSetDestination(NetlinkWriter writer, ushort familyId, uint sequence, IpvsServiceKey key, IpvsDestination destination) =>
        EncodeDestinationSettings(writer, familyId, sequence, IPVS_CMD_SET_DEST, key, destination);

    public static void EncodeDeleteDestination(NetlinkWriter writer, ushort familyId, uint sequence, IpvsServiceKey key, IPAddress address, ushort port)
    {
        Begin(writer, familyId, sequence, IPVS_CMD_DEL_DEST, DoRequest);
        WriteServiceKeyNest(writer, key);
        var nest = writer.BeginNested(IPVS_CMD_ATTR_DEST);
        writer.WriteU16(IPVS_DEST_ATTR_ADDR_FAMILY, ToKernelFamily(address.AddressFamily));
        writer.WriteAddress(IPVS_DEST_ATTR_ADDR, address);
        writer.WriteU16BigEndian(IPVS_DEST_ATTR_PORT, port);
        writer.EndNested(nest);
        writer.EndMessage();
    }

    public static void EncodeDumpDestinations(NetlinkWriter writer, ushort familyId, uint sequence, IpvsServiceKey key) =>
        EncodeServiceOnly(writer, familyId, sequence, IPVS_CMD_GET_DEST, DumpRequest, key);

    public static void EncodeNewDaemon(NetlinkWriter writer, ushort familyId, uint sequence, IpvsSyncDaemon daemon)
    {
        Begin(writer, familyId, sequence, IPVS_CMD_NEW_DAEMON, DoRequest);
        var nest = writer.BeginNested(IPVS_CMD_ATTR_DAEMON);
        writer.WriteU32(IPVS_DAEMON_ATTR_STATE, (uint)daemon.State);
        writer.WriteString(IPVS_DAEMON_ATTR_MCAST_IFN, daemon.Interface);
        writer.WriteU32(IPVS_DAEMON_ATTR_SYNC_ID, daemon.SyncId);
        if (daemon.MaxLength != 0)
        {
            writer.WriteU16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, daemon.MaxLength);
        }

        if (daemon.Group is { } group)
        {
            writer.WriteAddress(group.AddressFamily == AddressFamily.InterNetworkV6 ? IPVS_DAEMON_ATTR_MCAST_GROUP6 : IPVS_DAEMON_ATTR_MCAST_GROUP, group);
        }

        if (daemon.Port != 0)
        {
            writer.WriteU16(IPVS_DAEMON_ATTR_MCAST_PORT, daemon.Port);
        }

        if (daemon.Ttl != 0)
        {
            writer.WriteU8(IPVS_DAEMON_ATTR_MCAST_TTL, daemon.Ttl);
        }

        writer.EndNested(nest);
        writer.EndMessage();
    }

    public static void EncodeDeleteDaemon(NetlinkWriter writer, ushort familyId, uint sequence, IpvsSyncState state)
    {
        Begin(writer, familyId, sequence, IPVS_CMD_DEL_DAEMON, DoRequest);
        var nest = writer.BeginNested(IPVS_CMD_ATTR_DAEMON);
        writer.WriteU32(IPVS_DAEMON_ATTR_STATE, (uint)state);
        writer.EndNested(nest);
        writer.EndMessage();
    }

    public static void EncodeDumpDaemons(NetlinkWriter writer, ushort familyId, uint sequence) =>
        EncodeBare(writer, familyId, sequence, IPVS_CMD_GET_DAEMON, DumpRequest);

    /// <summary>SET_CONFIG: zero timeouts are left out, which the kernel reads as "unchanged".</summary>
    public static void EncodeSetTimeouts(NetlinkWriter writer, ushort familyId, uint sequence, IpvsTimeouts timeouts)
    {
        Begin(writer, familyId, sequence, IPVS_CMD_SET_CONFIG, DoRequest);
        WriteTimeout(writer, IPVS_CMD_ATTR_TIMEOUT_TCP, timeouts.Tcp);
        WriteTimeout(writer, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, timeouts.TcpFin);
        WriteTimeout(writer, IPVS_CMD_ATTR_TIMEOUT_UDP, timeouts.Udp);
        writer.EndMessage();
    }

    public static void EncodeGetTimeouts(NetlinkWriter writer, ushort familyId, uint sequence) =>
        EncodeBare(writer, familyId, sequence, IPVS_CMD_GET_CONFIG, DoRequest);

    public static void EncodeGetInfo(NetlinkWriter writer, ushort familyId, uint sequence) =>
        EncodeBare(writer, familyId, sequence, IPVS_CMD_GET_INFO, DoRequest);

    /// <summary>ZERO for one service, or for everything when <paramref name="key"/> is null.</summary>
    public static void EncodeZero(NetlinkWriter writer, ushort familyId, uint sequence, IpvsServiceKey? key)
    {
        if (key is null)
        {
            EncodeBare(writer, familyId, sequence, IPVS_CMD_ZERO, DoRequest);
        }
        else
        {
            EncodeServiceOnly(writer, familyId, sequence, IPVS_CMD_ZERO, DoRequest, key);
        }
    }

    public static void EncodeFlush(NetlinkWriter writer, ushort familyId, uint sequence) =>
        EncodeBare(writer, familyId, sequence, IPVS_CMD_FLUSH, DoRequest);

    /// <summary>Decodes a service message (cmd NEW_SERVICE in dumps and GET_SERVICE replies).</summary>
    public static IpvsServiceStatus DecodeService(in NetlinkMessage message)
    {
        var attributes = message.Attributes(GenericNetlinkConstants.HeaderLength);
        while (attributes.TryRead(out var attribute))
        {
            if (attribute.Type == IPVS_CMD_ATTR_SERVICE)
            {
                return DecodeServiceNest(attribute.Nested());
            }
        }

        throw new NetlinkProtocolException("IPVS service message without IPVS_CMD_ATTR_SERVICE");
    }

    /// <summary>Decodes a destination message of a GET_DEST dump; <paramref name="serviceFamily"/> applies when ADDR_FAMILY is absent.</summary>
    public static IpvsDestinationStatus DecodeDestination(in NetlinkMessage message, AddressFamily serviceFamily)
    {
        var attributes = message.Attributes(GenericNetlinkConstants.HeaderLength);
        while (attributes.TryRead(out var attribute))
        {
            if (attribute.Type == IPVS_CMD_ATTR_DEST)
            {
                return DecodeDestinationNest(attribute.Nested(), serviceFamily);
            }
        }

        throw new NetlinkProtocolException("IPVS destination message without IPVS_CMD_ATTR_DEST");
    }

    public static IpvsSyncDaemon DecodeDaemon(in NetlinkMessage message)
    {
        var attributes = message.Attributes(GenericNetlinkConstants.HeaderLength);
        while (attributes.TryRead(out var attribute))
        {
            if (attribute.Type != IPVS_CMD_ATTR_DAEMON)
            {
                continue;
            }

            uint? state = null;
            string name = "";
            uint syncId = 0;
            ushort maxLength = 0, port = 0;
            byte ttl = 0;
            IPAddress? group = null;
            var fields = attribute.Nested();
            while (fields.TryRead(out var field))
            {
                switch (field.Type)
                {
                    case IPVS_DAEMON_ATTR_STATE: state = field.GetU32(); break;
                    case IPVS_DAEMON_ATTR_MCAST_IFN: name = field.GetString(); break;
                    case IPVS_DAEMON_ATTR_SYNC_ID: syncId = field.GetU32(); break;
                    case IPVS_DAEMON_ATTR_SYNC_MAXLEN: maxLength = field.GetU16(); break;
                    case IPVS_DAEMON_ATTR_MCAST_GROUP: group = field.GetAddress(ipv6: false); break;
                    case IPVS_DAEMON_ATTR_MCAST_GROUP6: group = field.GetAddress(ipv6: true); break;
                    case IPVS_DAEMON_ATTR_MCAST_PORT: port = field.GetU16(); break;
                    case IPVS_DAEMON_ATTR_MCAST_TTL: ttl = field.GetU8(); break;
                    default: break;
                }
            }

            if (state is not ((uint)IpvsSyncState.Master or (uint)IpvsSyncState.Backup))
            {
                throw new NetlinkProtocolException($"IPVS daemon state {state?.ToString() ?? "missing"}");
            }

            return new IpvsSyncDaemon((IpvsSyncState)state.Value, name, syncId) { MaxLength = maxLength, Group = group, Port = port, Ttl = ttl };
        }

        throw new NetlinkProtocolException("IPVS daemon message without IPVS_CMD_ATTR_DAEMON");
    }

    public static IpvsTimeouts DecodeTimeouts(in NetlinkMessage message)
    {
        uint tcp = 0, tcpFin = 0, udp = 0;
        var attributes = message.Attributes(GenericNetlinkConstants.HeaderLength);
        while (attributes.TryRead(out var attribute))
        {
            switch (attribute.Type)
            {
                case IPVS_CMD_ATTR_TIMEOUT_TCP: tcp = attribute.GetU32(); break;
                case IPVS_CMD_ATTR_TIMEOUT_TCP_FIN: tcpFin = attribute.GetU32(); break;
                case IPVS_CMD_ATTR_TIMEOUT_UDP: udp = attribute.GetU32(); break;
                default: break;
            }
        }

        return new IpvsTimeouts(TimeSpan.FromSeconds(tcp), TimeSpan.FromSeconds(tcpFin), TimeSpan.FromSeconds(udp));
    }

    public static IpvsInfo DecodeInfo(in NetlinkMessage message)
    {
        uint? version = null;
        uint size = 0;
        var attributes = message.Attributes(GenericNetlinkConstants.HeaderLength);
        while (attributes.TryRead(out var attribute))
        {
            switch (attribute.Type)
            {
                case IPVS_INFO_ATTR_VERSION: version = attribute.GetU32(); break;
                case IPVS_INFO_ATTR_CONN_TAB_SIZE: size = attribute.GetU32(); break;
                default: break;
            }
        }

        return version is { } v
            ? new IpvsInfo(new Version((int)((v >> 16) & 0xFF), (int)((v >> 8) & 0xFF), (int)(v & 0xFF)), size)
            : throw new NetlinkProtocolException("IPVS info without IPVS_INFO_ATTR_VERSION");
    }

    /// <summary>The genl command of a reply (0 when the payload is too short for a genl header).</summary>
    public static byte CommandOf(in NetlinkMessage message) => message.Payload.Length >= GenericNetlinkConstants.HeaderLength ? message.Payload[0] : (byte)0;

    private static IpvsServiceStatus DecodeServiceNest(NetlinkAttributeReader fields)
    {
        ushort? family = null;
        ushort protocol = 0, port = 0;
        uint mark = 0, flags = 0, timeout = 0;
        uint? netmask = null;
        ReadOnlySpan<byte> address = default;
        var hasAddress = false;
        string scheduler = "";
        string? engine = null;
        ReadOnlySpan<byte> stats32 = default, stats64 = default;
        var hasStats32 = false;
        var hasStats64 = false;
        while (fields.TryRead(out var field))
        {
            switch (field.Type)
            {
                case IPVS_SVC_ATTR_AF: family = field.GetU16(); break;
                case IPVS_SVC_ATTR_PROTOCOL: protocol = field.GetU16(); break;
                case IPVS_SVC_ATTR_ADDR: address = field.Payload; hasAddress = true; break;
                case IPVS_SVC_ATTR_PORT: port = field.GetU16BigEndian(); break;
                case IPVS_SVC_ATTR_FWMARK: mark = field.GetU32(); break;
                case IPVS_SVC_ATTR_SCHED_NAME: scheduler = field.GetString(); break;
                case IPVS_SVC_ATTR_FLAGS: flags = field.GetU32(); break;
                case IPVS_SVC_ATTR_TIMEOUT: timeout = field.GetU32(); break;
                case IPVS_SVC_ATTR_NETMASK: netmask = field.Payload.Length >= 4 ? MemoryMarshal.Read<uint>(field.Payload) : throw new NetlinkProtocolException("IPVS netmask shorter than 4 bytes"); break;
                case IPVS_SVC_ATTR_PE_NAME: engine = field.GetString(); break;
                case IPVS_SVC_ATTR_STATS: stats32 = field.Payload; hasStats32 = true; break;
                case IPVS_SVC_ATTR_STATS64: stats64 = field.Payload; hasStats64 = true; break;
                default: break;
            }
        }

        var addressFamily = FromKernelFamily(family ?? throw new NetlinkProtocolException("IPVS service without IPVS_SVC_ATTR_AF"));
        var ipv6 = addressFamily == AddressFamily.InterNetworkV6;
        IpvsServiceKey key;
        if (mark != 0)
        {
            key = IpvsServiceKey.ForFirewallMark(mark, addressFamily);
        }
        else
        {
            if (!hasAddress || protocol == 0)
            {
                throw new NetlinkProtocolException("IPVS service with neither FWMARK nor PROTOCOL+ADDR");
            }

            key = IpvsServiceKey.ForAddress((IpvsProtocol)protocol, ReadAddress(address, ipv6), port);
        }

        var service = new IpvsService(key, scheduler)
        {
            Flags = (IpvsServiceFlags)flags & ~IpvsServiceFlags.Hashed,
            PersistenceTimeout = timeout,
            PersistencePrefixLength = netmask is { } raw ? NetmaskToPrefix(raw, ipv6) : null,
            PersistenceEngine = string.IsNullOrEmpty(engine) ? null : engine,
        };
        return new IpvsServiceStatus(service, PreferredStats(hasStats64, stats64, hasStats32, stats32));
    }

    private static IpvsDestinationStatus DecodeDestinationNest(NetlinkAttributeReader fields, AddressFamily serviceFamily)
    {
        ReadOnlySpan<byte> address = default;
        var hasAddress = false;
        ushort port = 0, family = 0, tunnelPort = 0, tunnelFlags = 0;
        uint method = 0, weight = 0, upper = 0, lower = 0, active = 0, inactive = 0, persistent = 0;
        byte tunnelType = 0;
        ReadOnlySpan<byte> stats32 = default, stats64 = default;
        var hasStats32 = false;
        var hasStats64 = false;
        while (fields.TryRead(out var field))
        {
            switch (field.Type)
            {
                case IPVS_DEST_ATTR_ADDR: address = field.Payload; hasAddress = true; break;
                case IPVS_DEST_ATTR_PORT: port = field.GetU16BigEndian(); break;
                case IPVS_DEST_ATTR_FWD_METHOD: method = field.GetU32() & 0x7; break;
                case IPVS_DEST_ATTR_WEIGHT: weight = field.GetU32(); break;
                case IPVS_DEST_ATTR_U_THRESH: upper = field.GetU32(); break;
                case IPVS_DEST_ATTR_L_THRESH: lower = field.GetU32(); break;
                case IPVS_DEST_ATTR_ACTIVE_CONNS: active = field.GetU32(); break;
                case IPVS_DEST_ATTR_INACT_CONNS: inactive = field.GetU32(); break;
                case IPVS_DEST_ATTR_PERSIST_CONNS: persistent = field.GetU32(); break;
                case IPVS_DEST_ATTR_ADDR_FAMILY: family = field.GetU16(); break;
                case IPVS_DEST_ATTR_TUN_TYPE: tunnelType = field.GetU8(); break;
                case IPVS_DEST_ATTR_TUN_PORT: tunnelPort = field.GetU16BigEndian(); break;
                case IPVS_DEST_ATTR_TUN_FLAGS: tunnelFlags = field.GetU16(); break;
                case IPVS_DEST_ATTR_STATS: stats32 = field.Payload; hasStats32 = true; break;
                case IPVS_DEST_ATTR_STATS64: stats64 = field.Payload; hasStats64 = true; break;
                default: break;
            }
        }

        if (!hasAddress)
        {
            throw new NetlinkProtocolException("IPVS destination without IPVS_DEST_ATTR_ADDR");
        }

        var addressFamily = family == 0 ? serviceFamily : FromKernelFamily(family);
        var destination = new IpvsDestination(ReadAddress(address, addressFamily == AddressFamily.InterNetworkV6), port)
        {
            ForwardingMethod = (IpvsForwardingMethod)method,
            Weight = weight,
            UpperThreshold = upper,
            LowerThreshold = lower,
            TunnelType = (IpvsTunnelType)tunnelType,
            TunnelPort = tunnelPort,
            TunnelFlags = (IpvsTunnelFlags)tunnelFlags,
        };
        return new IpvsDestinationStatus(destination, active, inactive, persistent, PreferredStats(hasStats64, stats64, hasStats32, stats32));
    }

    /// <summary>Decodes only the nest that will be used: STATS64 when the kernel sent it (≥ 4.1), else STATS.</summary>
    private static IpvsStats PreferredStats(bool hasStats64, ReadOnlySpan<byte> stats64, bool hasStats32, ReadOnlySpan<byte> stats32) =>
        hasStats64 ? DecodeStats(new NetlinkAttributeReader(stats64))
        : hasStats32 ? DecodeStats(new NetlinkAttributeReader(stats32))
        : IpvsStats.Empty;

    /// <summary>STATS (mixed u32/u64) and STATS64 (all u64): the width is taken from each attribute's length.</summary>
    private static IpvsStats DecodeStats(NetlinkAttributeReader fields)
    {
        Span<ulong> values = stackalloc ulong[IPVS_STATS_ATTR_OUTBPS + 1];
        while (fields.TryRead(out var field))
        {
            if (field.Type is >= IPVS_STATS_ATTR_CONNS and <= IPVS_STATS_ATTR_OUTBPS)
            {
                values[field.Type] = field.Payload.Length >= 8 ? field.GetU64() : field.GetU32();
            }
        }

        return new IpvsStats
        {
            Connections = values[IPVS_STATS_ATTR_CONNS],
            InPackets = values[IPVS_STATS_ATTR_INPKTS],
            OutPackets = values[IPVS_STATS_ATTR_OUTPKTS],
            InBytes = values[IPVS_STATS_ATTR_INBYTES],
            OutBytes = values[IPVS_STATS_ATTR_OUTBYTES],
            ConnectionsPerSecond = values[IPVS_STATS_ATTR_CPS],
            InPacketsPerSecond = values[IPVS_STATS_ATTR_INPPS],
            OutPacketsPerSecond = values[IPVS_STATS_ATTR_OUTPPS],
            InBytesPerSecond = values[IPVS_STATS_ATTR_INBPS],
            OutBytesPerSecond = values[IPVS_STATS_ATTR_OUTBPS],
        };
    }

    private static void EncodeServiceSettings(NetlinkWriter writer, ushort familyId, uint sequence, byte command, IpvsService service)
    {
        Begin(writer, familyId, sequence, command, DoRequest);
        var nest = writer.BeginNested(IPVS_CMD_ATTR_SERVICE);
        WriteServiceKey(writer, service.Key);
        writer.WriteString(IPVS_SVC_ATTR_SCHED_NAME, service.Scheduler);
        Span<byte> flags = stackalloc byte[8];
        MemoryMarshal.Write(flags, (uint)(service.Flags & ~IpvsServiceFlags.Hashed));
        MemoryMarshal.Write(flags[4..], uint.MaxValue);
        writer.WriteAttribute(IPVS_SVC_ATTR_FLAGS, flags);
        writer.WriteU32(IPVS_SVC_ATTR_TIMEOUT, service.PersistenceTimeout);
        if (service.Key.Family == AddressFamily.InterNetworkV6)
        {
            writer.WriteU32(IPVS_SVC_ATTR_NETMASK, (uint)(service.PersistencePrefixLength ?? 128));
        }
        else
        {
            var prefix = service.PersistencePrefixLength ?? 32;
            writer.WriteU32BigEndian(IPVS_SVC_ATTR_NETMASK, prefix <= 0 ? 0 : uint.MaxValue << (32 - Math.Min(prefix, 32)));
        }

        if (service.PersistenceEngine is { Length: > 0 } engine)
        {
            writer.WriteString(IPVS_SVC_ATTR_PE_NAME, engine);
        }

        writer.EndNested(nest);
        writer.EndMessage();
    }

    private static void EncodeDestinationSettings(NetlinkWriter writer, ushort familyId, uint sequence, byte command, IpvsServiceKey key, IpvsDestination destination)
    {
        Begin(writer, familyId, sequence, command, DoRequest);
        WriteServiceKeyNest(writer, key);
        var nest = writer.BeginNested(IPVS_CMD_ATTR_DEST);
        writer.WriteU16(IPVS_DEST_ATTR_ADDR_FAMILY, ToKernelFamily(destination.Family));
        writer.WriteAddress(IPVS_DEST_ATTR_ADDR, destination.Address);
        writer.WriteU16BigEndian(IPVS_DEST_ATTR_PORT, destination.Port);
        writer.WriteU32(IPVS_DEST_ATTR_FWD_METHOD, (uint)destination.ForwardingMethod);
        writer.WriteU32(IPVS_DEST_ATTR_WEIGHT, destination.Weight);
        writer.WriteU32(IPVS_DEST_ATTR_U_THRESH, destination.UpperThreshold);
        writer.WriteU32(IPVS_DEST_ATTR_L_THRESH, destination.LowerThreshold);

        // Tunnel details only when they say something beyond plain IPIP: kernels before 5.2 do not know them.
        if (destination.ForwardingMethod == IpvsForwardingMethod.Tunnel
            && (destination.TunnelType != IpvsTunnelType.IpIp || destination.TunnelPort != 0 || destination.TunnelFlags != 0))
        {
            writer.WriteU8(IPVS_DEST_ATTR_TUN_TYPE, (byte)destination.TunnelType);
            writer.WriteU16BigEndian(IPVS_DEST_ATTR_TUN_PORT, destination.TunnelPort);
            writer.WriteU16(IPVS_DEST_ATTR_TUN_FLAGS, (ushort)destination.TunnelFlags);
        }

        writer.EndNested(nest);
        writer.EndMessage();
    }

    private static void EncodeServiceOnly(NetlinkWriter writer, ushort familyId, uint sequence, byte command, ushort flags, IpvsServiceKey key)
    {
        Begin(writer, familyId, sequence, command, flags);
        WriteServiceKeyNest(writer, key);
        writer.EndMessage();
    }

    private static void EncodeBare(NetlinkWriter writer, ushort familyId, uint sequence, byte command, ushort flags)
    {
        Begin(writer, familyId, sequence, command, flags);
        writer.EndMessage();
    }

    private static void Begin(NetlinkWriter writer, ushort familyId, uint sequence, byte command, ushort flags)
    {
        writer.BeginMessage(familyId, flags, sequence);
        writer.WriteGenericHeader(command, IPVS_GENL_VERSION);
    }

    private static void WriteServiceKeyNest(NetlinkWriter writer, IpvsServiceKey key)
    {
        var nest = writer.BeginNested(IPVS_CMD_ATTR_SERVICE);
        WriteServiceKey(writer, key);
        writer.EndNested(nest);
    }

    private static void WriteServiceKey(NetlinkWriter writer, IpvsServiceKey key)
    {
        writer.WriteU16(IPVS_SVC_ATTR_AF, ToKernelFamily(key.Family));
        if (key.IsFirewallMark)
        {
            writer.WriteU32(IPVS_SVC_ATTR_FWMARK, key.FirewallMark);
        }
        else
        {
            writer.WriteU16(IPVS_SVC_ATTR_PROTOCOL, (ushort)key.Protocol);
            writer.WriteAddress(IPVS_SVC_ATTR_ADDR, key.Address!);
            writer.WriteU16BigEndian(IPVS_SVC_ATTR_PORT, key.Port);
        }
    }

    private static void WriteTimeout(NetlinkWriter writer, ushort type, TimeSpan value)
    {
        if (value > TimeSpan.Zero)
        {
            writer.WriteU32(type, (uint)Math.Min(value.TotalSeconds, uint.MaxValue));
        }
    }

    private static IPAddress ReadAddress(ReadOnlySpan<byte> bytes, bool ipv6)
    {
        var needed = ipv6 ? 16 : 4;
        return bytes.Length >= needed
            ? new IPAddress(bytes[..needed])
            : throw new NetlinkProtocolException($"IPVS address of {bytes.Length} bytes, needed {needed}");
    }

    /// <summary>IPv4 masks travel in network order; IPv6 "masks" are a prefix length in host order.</summary>
    private static int? NetmaskToPrefix(uint raw, bool ipv6)
    {
        if (ipv6)
        {
            return raw is 128 or 0 ? null : (int)Math.Min(raw, 128);
        }

        var mask = BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(raw) : raw;
        var prefix = System.Numerics.BitOperations.LeadingZeroCount(~mask);
        return prefix == 32 ? null : prefix;
    }

    internal static ushort ToKernelFamily(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => AF_INET,
        AddressFamily.InterNetworkV6 => AF_INET6,
        _ => throw new ArgumentException($"IPVS supports IPv4 and IPv6, not {family}"),
    };

    private static AddressFamily FromKernelFamily(ushort family) => family switch
    {
        AF_INET => AddressFamily.InterNetwork,
        AF_INET6 => AddressFamily.InterNetworkV6,
        _ => throw new NetlinkProtocolException($"IPVS address family {family} is neither AF_INET nor AF_INET6"),
    };
}
