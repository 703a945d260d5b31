// FsCheck.NUnit properties take generated arguments, which NUnit's analyzer cannot see.
#pragma warning disable NUnit1027

using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Kad.Netlink.Generic;
using Kad.Netlink.Ipvs;
using Kad.Netlink.Protocol;

namespace Kad.Netlink.Tests;

/// <summary>Round-trips through the codecs, and the readers' promise to throw nothing but a protocol error.</summary>
public sealed class CodecPropertyTests
{
    private static readonly string[] Schedulers = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos", "none"];

    private static IPAddress MakeAddress(bool ipv6, byte[] seed)
    {
        var bytes = new byte[ipv6 ? 16 : 4];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = seed.Length == 0 ? (byte)(i + 1) : seed[i % seed.Length];
        }

        return new IPAddress(bytes);
    }

    private static T DecodeSingle<T>(NetlinkWriter writer, Func<NetlinkMessage, T> decode)
    {
        var reader = new NetlinkMessageReader(writer.WrittenSpan);
        Assert.That(reader.TryRead(out var message), Is.True);
        var result = decode(message);
        Assert.That(reader.TryRead(out _), Is.False);
        return result;
    }

    [FsCheck.NUnit.Property(MaxTest = 300)]
    public bool Service_EncodeThenDecode_RoundTrips(bool ipv6, uint mark, ushort port, byte protocolPick, byte schedulerPick, byte flagBits, uint timeout, byte prefixSeed, byte[] addressSeed)
    {
        var family = ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var key = mark != 0
            ? IpvsServiceKey.ForFirewallMark(mark, family)
            : IpvsServiceKey.ForAddress((protocolPick % 3) switch { 0 => IpvsProtocol.Tcp, 1 => IpvsProtocol.Udp, _ => IpvsProtocol.Sctp }, MakeAddress(ipv6, addressSeed ?? []), port);
        var maxPrefix = ipv6 ? 128 : 32;
        var prefix = prefixSeed % (maxPrefix + 1);
        var service = new IpvsService(key, Schedulers[schedulerPick % Schedulers.Length])
        {
            Flags = (IpvsServiceFlags)(flagBits & 0x3D), // every settable bit except HASHED
            PersistenceTimeout = timeout,
            PersistencePrefixLength = prefix == maxPrefix || (ipv6 && prefix == 0) ? null : prefix,
            PersistenceEngine = flagBits % 5 == 0 ? "sip" : null,
        };
        var writer = new NetlinkWriter();
        IpvsCodec.EncodeNewService(writer, 0x25, 1, service);

        var decoded = DecodeSingle(writer, m => IpvsCodec.DecodeService(m));

        return decoded.Service == service && decoded.Stats == IpvsStats.Empty;
    }

    [FsCheck.NUnit.Property(MaxTest = 300)]
    public bool Destination_EncodeThenDecode_RoundTrips(bool ipv6, bool serviceIpv6, ushort port, byte methodPick, uint weight, uint upper, uint lower, byte tunnelPick, ushort tunnelPort, byte[] addressSeed)
    {
        var method = (IpvsForwardingMethod)(methodPick % 5);
        var tunnel = method == IpvsForwardingMethod.Tunnel && tunnelPick % 2 == 1;
        var destination = new IpvsDestination(MakeAddress(ipv6, addressSeed ?? []), port)
        {
            ForwardingMethod = method,
            Weight = weight & 0x7FFFFFFF,
            UpperThreshold = upper,
            LowerThreshold = lower,
            TunnelType = tunnel ? (IpvsTunnelType)(1 + (tunnelPick % 4 / 2)) : IpvsTunnelType.IpIp,
            TunnelPort = tunnel ? tunnelPort : (ushort)0,
            TunnelFlags = tunnel ? (IpvsTunnelFlags)(tunnelPick % 3) : IpvsTunnelFlags.NoChecksum,
        };
        var service = IpvsServiceKey.ForFirewallMark(9, serviceIpv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        var writer = new NetlinkWriter();
        IpvsCodec.EncodeNewDestination(writer, 0x25, 2, service, destination);

        var decoded = DecodeSingle(writer, m => IpvsCodec.DecodeDestination(m, service.Family));

        return decoded.Destination == destination;
    }

    [FsCheck.NUnit.Property(MaxTest = 200)]
    public bool Daemon_EncodeThenDecode_RoundTrips(bool backup, uint syncId, ushort maxLength, ushort port, byte ttl, bool withGroup, bool ipv6Group)
    {
        var daemon = new IpvsSyncDaemon(backup ? IpvsSyncState.Backup : IpvsSyncState.Master, "eth" + (syncId % 10), syncId)
        {
            MaxLength = maxLength,
            Port = port,
            Ttl = ttl,
            Group = withGroup ? IPAddress.Parse(ipv6Group ? "ff02::81" : "224.0.0.81") : null,
        };
        var writer = new NetlinkWriter();
        IpvsCodec.EncodeNewDaemon(writer, 0x25, 3, daemon);

        return DecodeSingle(writer, m => IpvsCodec.DecodeDaemon(m)) == daemon;
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public void Readers_ArbitraryBytes_ThrowOnlyProtocolErrors(byte[] bytes) => AssertOnlyProtocolErrors(bytes ?? []);

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public void Readers_ValidHeaderArbitraryPayload_ThrowOnlyProtocolErrors(ushort type, ushort flags, byte[] payload)
    {
        payload ??= [];
        var writer = new NetlinkWriter();
        writer.BeginMessage(type, flags, 1);
        writer.WriteRaw(payload);
        writer.EndMessage();
        AssertOnlyProtocolErrors(writer.WrittenSpan.ToArray());
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public void Readers_MutatedKernelReply_ThrowOnlyProtocolErrors(int position, byte value, int cut)
    {
        var writer = new NetlinkWriter();
        IpvsCodec.EncodeNewDestination(writer, 0x25, 2, IpvsServiceKey.ForFirewallMark(1), new IpvsDestination(IPAddress.Parse("2001:db8::5"), 80) { ForwardingMethod = IpvsForwardingMethod.Tunnel, TunnelType = IpvsTunnelType.Gue, TunnelPort = 1 });
        var bytes = writer.WrittenSpan.ToArray();
        bytes[Math.Abs(position % bytes.Length)] = value;
        AssertOnlyProtocolErrors(bytes[..Math.Abs(cut % (bytes.Length + 1))]);
    }

    private static void AssertOnlyProtocolErrors(byte[] bytes)
    {
        try
        {
            var messages = new NetlinkMessageReader(bytes);
            while (messages.TryRead(out var message))
            {
                for (var decoder = 0; decoder < MessageDecoderCount; decoder++)
                {
                    try
                    {
                        DecodeMessage(decoder, message);
                    }
                    catch (NetlinkProtocolException)
                    {
                    }
                }
            }
        }
        catch (NetlinkProtocolException)
        {
        }
    }

    private const int MessageDecoderCount = 11;

    private static void DecodeMessage(int decoder, in NetlinkMessage message)
    {
        switch (decoder)
        {
            case 0: _ = NetlinkErrorMessage.Parse(message); break;
            case 1: _ = NetlinkErrorMessage.ParseDoneStatus(message); break;
            case 2: _ = IpvsCodec.DecodeService(message); break;
            case 3: _ = IpvsCodec.DecodeDestination(message, AddressFamily.InterNetwork); break;
            case 4: _ = IpvsCodec.DecodeDestination(message, AddressFamily.InterNetworkV6); break;
            case 5: _ = IpvsCodec.DecodeDaemon(message); break;
            case 6: _ = IpvsCodec.DecodeInfo(message); break;
            case 7: _ = IpvsCodec.DecodeTimeouts(message); break;
            case 8: _ = GenericNetlinkFamily.Decode(message); break;
            case 9: WalkAll(message.Payload, 0); break;
            default: ExtraDecoders(message); break;
        }
    }

    /// <summary>Decoders added by later steps (rtnetlink) hook in here.</summary>
    private static void ExtraDecoders(in NetlinkMessage message) => WalkAll(message.Payload.Length > 4 ? message.Payload[4..] : message.Payload, 0);

    /// <summary>Walks every attribute as if nested, reading every typed accessor.</summary>
    private static void WalkAll(ReadOnlySpan<byte> span, int depth)
    {
        var reader = new NetlinkAttributeReader(span);
        while (reader.TryRead(out var attribute))
        {
            for (var accessor = 0; accessor < 8; accessor++)
            {
                try
                {
                    switch (accessor)
                    {
                        case 0: _ = attribute.GetU8(); break;
                        case 1: _ = attribute.GetU16(); break;
                        case 2: _ = attribute.GetU32(); break;
                        case 3: _ = attribute.GetU64(); break;
                        case 4: _ = attribute.GetU16BigEndian(); break;
                        case 5: _ = attribute.GetString(); break;
                        case 6: _ = attribute.GetAddress(); break;
                        default:
                            if (depth < 4)
                            {
                                WalkAll(attribute.Payload, depth + 1);
                            }

                            break;
                    }
                }
                catch (NetlinkProtocolException)
                {
                }
            }
        }
    }

    [Test]
    public void Writer_NestedAttributes_AreAlignedAndPadded()
    {
        var writer = new NetlinkWriter();
        writer.BeginMessage(0x20, NetlinkConstants.NLM_F_REQUEST, 1);
        var nest = writer.BeginNested(1);
        writer.WriteU8(2, 0xAB);
        writer.WriteString(3, "abcde");
        writer.EndNested(nest);
        writer.EndMessage();

        // header 16 + nest header 4 + u8 (5→8) + "abcde\0" (10→12) = 40
        Assert.That(Hex.Format(writer.WrittenSpan), Is.EqualTo(Hex.Format(Hex.Parse("""
            28 00 00 00 20 00 01 00 01 00 00 00 00 00 00 00
            18 00 01 80
            05 00 02 00 ab 00 00 00
            0a 00 03 00 61 62 63 64 65 00 00 00
            """))));
    }

    [Test]
    public void MessageReader_LengthBeyondDatagram_ThrowsProtocolError()
    {
        var bytes = new byte[20];
        MemoryMarshal.Write(bytes, 64u);

        Assert.That(() =>
        {
            var reader = new NetlinkMessageReader(bytes);
            reader.TryRead(out _);
        }, Throws.TypeOf<NetlinkProtocolException>());
    }

    [Test]
    public void ErrorMessage_WithExtendedAck_DecodesTextAndOffset()
    {
        var writer = new NetlinkWriter();
        writer.BeginMessage(NetlinkConstants.NLMSG_ERROR, NetlinkConstants.NLM_F_CAPPED | NetlinkConstants.NLM_F_ACK_TLVS, 9);
        writer.WriteRaw(BitConverter.GetBytes(-Errno.EINVAL));
        writer.WriteRaw(Hex.Parse("20 00 00 00 25 00 05 00 09 00 00 00 00 00 00 00"));
        writer.WriteString(NetlinkConstants.NLMSGERR_ATTR_MSG, "bad attribute");
        writer.WriteU32(NetlinkConstants.NLMSGERR_ATTR_OFFS, 24);
        writer.EndMessage();
        var reader = new NetlinkMessageReader(writer.WrittenSpan);
        reader.TryRead(out var message);

        var error = NetlinkErrorMessage.Parse(message);

        Assert.That((error.Errno, error.RequestSequence, error.KernelMessage, error.ErrorOffset), Is.EqualTo((Errno.EINVAL, 9u, "bad attribute", (int?)24)));
    }

    [Test]
    public void Errno_Names_AreSymbolic()
    {
        Assert.That(new[] { Errno.Name(17), Errno.Name(2), Errno.Name(3), Errno.Name(22), Errno.Name(1), Errno.Name(4095) },
            Is.EqualTo(new[] { "EEXIST", "ENOENT", "ESRCH", "EINVAL", "EPERM", "E4095" }));
    }
}
