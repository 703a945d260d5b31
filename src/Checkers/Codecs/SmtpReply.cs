using System.Globalization;
using System.Text;

namespace Kad.Checkers.Codecs;

/// <summary>
/// SMTP replies (RFC 5321 4.2): one or more CRLF lines "NNN-text", the last one "NNN text" (or just "NNN").
/// </summary>
public static class SmtpReply
{
    /// <summary>
    /// Finds the first whole reply in <paramref name="buffer"/>. Returns false with <paramref name="consumed"/> 0
    /// when more bytes are needed; false with <paramref name="error"/> set when the bytes are not an SMTP reply.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out int code, out string text, out int consumed, out string? error)
    {
        code = 0;
        text = string.Empty;
        consumed = 0;
        error = null;
        var offset = 0;
        while (true)
        {
            var lineEnd = buffer[offset..].IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return false;
            }

            var line = Encoding.Latin1.GetString(buffer.Slice(offset, lineEnd));
            offset += lineEnd + 2;
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var lineCode) ||
                (line.Length > 3 && line[3] is not (' ' or '-')))
            {
                error = $"not an SMTP reply line: '{(line.Length > 60 ? line[..60] : line)}'";
                return false;
            }

            if (line.Length == 3 || line[3] == ' ')
            {
                code = lineCode;
                text = line.Length > 4 ? line[4..] : string.Empty;
                consumed = offset;
                return true;
            }
        }
    }
}
