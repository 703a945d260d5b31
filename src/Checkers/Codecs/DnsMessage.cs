using System.Buffers.Binary;
using System.Text;

namespace Kad.Checkers.Codecs;

/// <summary>
/// The little of RFC 1035 a DNS health check needs: write a one-question query, and check that a response answers
/// it (same id, QR set, RCODE NOERROR, the same question, at least one answer). Offsets are those of RFC 1035 4.1.
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
    private const ushort OpcodeMask = 0x7800;
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
    /// Checks that <paramref name="response"/> answers the query (<paramref name="id"/>, <paramref name="name"/>,
    /// <paramref name="type"/>); <paramref name="reason"/> says why not, or summarises it.
    /// </summary>
    public static bool TryCheckResponse(ReadOnlySpan<byte> response, ushort id, string name, ushort type, out string reason)
    {
        if (response.Length < HeaderLength)
        {
            reason = $"response of {response.Length} bytes is shorter than a DNS header";
            return false;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(response[FlagsOffset..]);
        if (BinaryPrimitives.ReadUInt16BigEndian(response[IdOffset..]) != id)
        {
            reason = "response id does not match the query";
            return false;
        }

        if ((flags & FlagResponse) == 0 || (flags & OpcodeMask) != 0)
        {
            reason = "not a response to a standard query";
            return false;
        }

        var rcode = flags & RcodeMask;
        if (rcode != 0)
        {
            reason = $"RCODE {rcode} ({RcodeName(rcode)})";
            return false;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(response[QuestionCountOffset..]) != 1)
        {
            reason = "response does not carry exactly one question";
            return false;
        }

        var offset = HeaderLength;
        if (!TryReadName(response, ref offset, out var questionName) || offset + 4 > response.Length)
        {
            reason = "malformed question";
            return false;
        }

        var questionType = BinaryPrimitives.ReadUInt16BigEndian(response[offset..]);
        var questionClass = BinaryPrimitives.ReadUInt16BigEndian(response[(offset + 2)..]);
        if (!string.Equals(questionName, Canonical(name), StringComparison.OrdinalIgnoreCase) || questionType != type || questionClass != ClassInternet)
        {
            reason = $"question {questionName}/{questionType} does not match the query {Canonical(name)}/{type}";
            return false;
        }

        var answers = BinaryPrimitives.ReadUInt16BigEndian(response[AnswerCountOffset..]);
        if (answers == 0)
        {
            reason = "no answer";
            return false;
        }

        // Walk the answer records (name, type, class, TTL, RDLENGTH, RDATA) so a truncated message is not taken for one.
        offset += 4;
        for (var i = 0; i < answers; i++)
        {
            if (!TryReadName(response, ref offset, out _) || offset + 10 > response.Length)
            {
                reason = "truncated answer section";
                return false;
            }

            var dataLength = BinaryPrimitives.ReadUInt16BigEndian(response[(offset + 8)..]);
            offset += 10 + dataLength;
            if (offset > response.Length)
            {
                reason = "truncated answer section";
                return false;
            }
        }

        reason = $"{answers} answer(s)";
        return true;
    }

    /// <summary>The name as written in the wire form's label order, lower-case-insensitive: "." for the root.</summary>
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

    /// <summary>Reads a possibly compressed name (RFC 1035 4.1.4); gives up on loops and overruns.</summary>
    private static bool TryReadName(ReadOnlySpan<byte> message, ref int offset, out string name)
    {
        var labels = new List<string>();
        var position = offset;
        var jumped = false;
        for (var hops = 0; hops < 64; hops++)
        {
            if (position >= message.Length)
            {
                break;
            }

            var length = message[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length)
                {
                    break;
                }

                if (!jumped)
                {
                    offset = position + 2;
                    jumped = true;
                }

                position = ((length & 0x3F) << 8) | message[position + 1];
                continue;
            }

            if (length == 0)
            {
                if (!jumped)
                {
                    offset = position + 1;
                }

                name = labels.Count == 0 ? "." : string.Join('.', labels);
                return true;
            }

            if (length > MaxLabelLength || position + 1 + length > message.Length)
            {
                break;
            }

            labels.Add(Encoding.ASCII.GetString(message.Slice(position + 1, length)));
            position += 1 + length;
        }

        name = string.Empty;
        return false;
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
