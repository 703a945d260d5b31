using System.Buffers.Binary;
using System.Text;

namespace Kad.Checkers.Codecs;

/// <summary>What a received datagram means for a pending DNS query.</summary>
public enum DnsVerdict
{
    /// <summary>Not the answer to our query: keep waiting.</summary>
    Ignore,

    /// <summary>A NOERROR response: the server is up.</summary>
    Answered,

    /// <summary>An error response (RCODE other than 0): the server is down.</summary>
    Failed,
}

/// <summary>
/// The little of RFC 1035 a DNS health check needs: write a one-question query, and judge a response by its header
/// (id, QR, RCODE) as keepalived does. Offsets are those of RFC 1035 4.1.
/// </summary>
public static class DnsMessage
{
    public const int HeaderLength = 12;

    /// <summary>A DNS message over UDP without EDNS is at most 512 bytes (RFC 1035 2.3.4).</summary>
    public const int MaxUdpLength = 512;

    private const int IdOffset = 0;
    private const int FlagsOffset = 2;
    private const int QuestionCountOffset = 4;
    private const int AnswerCountOffset = 6;
    private const ushort FlagResponse = 0x8000;
    private const ushort FlagRecursionDesired = 0x0100;
    private const ushort RcodeMask = 0x000F;
    private const ushort ClassInternet = 1;
    private const int MaxNameLength = 255;
    private const int MaxLabelLength = 63;

    /// <summary>The query types keepalived's DNS_CHECK accepts, with their RFC 1035 / RFC 3596 codes.</summary>
    public static IReadOnlyDictionary<string, ushort> Types { get; } = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase)
    {
        ["A"] = 1,
        ["NS"] = 2,
        ["CNAME"] = 5,
        ["SOA"] = 6,
        ["MX"] = 15,
        ["TXT"] = 16,
        ["AAAA"] = 28,
    };

    /// <summary>Writes a query for (<paramref name="name"/>, <paramref name="type"/>, IN) with RD set; returns its length.</summary>
    public static int WriteQuery(Span<byte> destination, ushort id, string name, ushort type)
    {
        var encodedName = EncodeName(name);
        var length = HeaderLength + encodedName.Length + 4;
        if (destination.Length < length)
        {
            throw new ArgumentException("destination too small for the query", nameof(destination));
        }

        destination[..HeaderLength].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination[IdOffset..], id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[FlagsOffset..], FlagRecursionDesired);
        BinaryPrimitives.WriteUInt16BigEndian(destination[QuestionCountOffset..], 1);
        encodedName.CopyTo(destination[HeaderLength..]);
        var tail = destination[(HeaderLength + encodedName.Length)..];
        BinaryPrimitives.WriteUInt16BigEndian(tail, type);
        BinaryPrimitives.WriteUInt16BigEndian(tail[2..], ClassInternet);
        return length;
    }

    /// <summary>
    /// Judges a datagram received after sending query <paramref name="id"/>, as keepalived's DNS_CHECK does: a
    /// datagram shorter than a header, with another id, or that is not a response is ignored (keep waiting); a
    /// response with RCODE other than NOERROR fails; any NOERROR response succeeds, answers or not.
    /// </summary>
    public static DnsVerdict CheckResponse(ReadOnlySpan<byte> response, ushort id, out string reason)
    {
        if (response.Length < HeaderLength)
        {
            reason = $"{response.Length} byte datagram is shorter than a DNS header";
            return DnsVerdict.Ignore;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(response[IdOffset..]) != id)
        {
            reason = "id does not match the query";
            return DnsVerdict.Ignore;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(response[FlagsOffset..]);
        if ((flags & FlagResponse) == 0)
        {
            reason = "a query, not a response";
            return DnsVerdict.Ignore;
        }

        var rcode = flags & RcodeMask;
        if (rcode != 0)
        {
            reason = $"RCODE {rcode} ({RcodeName(rcode)})";
            return DnsVerdict.Failed;
        }

        reason = $"NOERROR, {BinaryPrimitives.ReadUInt16BigEndian(response[AnswerCountOffset..])} answer(s)";
        return DnsVerdict.Answered;
    }

    /// <summary>The name without its final dot; "." for the root.</summary>
    private static string Canonical(string name) => name is "" or "." ? "." : name.TrimEnd('.');

    private static byte[] EncodeName(string name)
    {
        var canonical = Canonical(name);
        var output = new List<byte>(canonical.Length + 2);
        if (canonical != ".")
        {
            foreach (var label in canonical.Split('.'))
            {
                var bytes = Encoding.ASCII.GetBytes(label);
                if (bytes.Length is 0 or > MaxLabelLength)
                {
                    throw new ArgumentException($"DNS name '{name}' has an empty or over-long label", nameof(name));
                }

                output.Add((byte)bytes.Length);
                output.AddRange(bytes);
            }
        }

        output.Add(0);
        if (output.Count > MaxNameLength)
        {
            throw new ArgumentException($"DNS name '{name}' is longer than 255 bytes", nameof(name));
        }

        return [.. output];
    }

    private static string RcodeName(int rcode) => rcode switch
    {
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => "error",
    };
}
