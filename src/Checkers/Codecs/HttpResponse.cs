using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Kad.Checkers.Codecs;

/// <summary>
/// The parts of an HTTP/1.x response a health check needs, parsed from the raw bytes read off the connection. Pure,
/// so it is tested without sockets.
/// </summary>
/// <param name="StatusCode">The status line's code.</param>
/// <param name="Body">The body, de-chunked when the response is chunked and well formed.</param>
/// <param name="WireBody">
/// The bytes after the headers as they came (cut at Content-Length). keepalived's <c>digest</c>, and genhash that
/// computes it, hash these: chunk framing included.
/// </param>
public sealed record HttpResponse(int StatusCode, byte[] Body, byte[] WireBody)
{
    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    /// <summary>
    /// Whether <paramref name="received"/> already holds a whole response (headers plus Content-Length bytes, or the
    /// final chunk); when neither length nor chunking is given, only the end of the stream ends it.
    /// </summary>
    public static bool IsComplete(ReadOnlySpan<byte> received)
    {
        var headerEnd = received.IndexOf(HeaderEnd);
        if (headerEnd < 0)
        {
            return false;
        }

        var headers = Encoding.Latin1.GetString(received[..headerEnd]);
        var body = received[(headerEnd + HeaderEnd.Length)..];
        if (IsChunked(headers))
        {
            return TryDechunk(body, out _, out _);
        }

        return TryContentLength(headers, out var length) && body.Length >= length;
    }

    /// <summary>Parses a response read until the connection closed (or until <see cref="IsComplete"/>).</summary>
    public static bool TryParse(ReadOnlySpan<byte> received, out HttpResponse response, out string? error)
    {
        response = new HttpResponse(0, [], []);
        var headerEnd = received.IndexOf(HeaderEnd);
        if (headerEnd < 0)
        {
            error = received.IsEmpty ? "empty response" : "response headers not terminated";
            return false;
        }

        var headers = Encoding.Latin1.GetString(received[..headerEnd]);
        var firstLineEnd = headers.IndexOf("\r\n", StringComparison.Ordinal);
        var statusLine = firstLineEnd < 0 ? headers : headers[..firstLineEnd];
        // "HTTP/1.1 200 OK": version, code, optional reason.
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) ||
            parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            error = $"bad status line '{Truncate(statusLine)}'";
            return false;
        }

        var body = received[(headerEnd + HeaderEnd.Length)..];
        // keepalived only logs a Content-Length that disagrees with what arrived; the status and digest decide.
        if (TryContentLength(headers, out var length) && body.Length > length)
        {
            body = body[..(int)length];
        }

        var wireBody = body.ToArray();
        var bodyBytes = IsChunked(headers) && TryDechunk(body, out var dechunked, out _) ? dechunked : wireBody;
        response = new HttpResponse(status, bodyBytes, wireBody);
        error = null;
        return true;
    }

    private static bool IsChunked(string headers) =>
        HeaderValue(headers, "Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase);

    private static bool TryContentLength(string headers, out long length)
    {
        length = 0;
        return HeaderValue(headers, "Content-Length") is { } text &&
            long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length);
    }

    private static string? HeaderValue(string headers, string name)
    {
        foreach (var line in headers.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    /// <summary>Decodes a chunked body: hex size line (extensions ignored), data, CRLF, until size 0.</summary>
    private static bool TryDechunk(ReadOnlySpan<byte> body, out byte[] decoded, out string? error)
    {
        var output = new List<byte>();
        decoded = [];
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                error = "chunked body truncated";
                return false;
            }

            var sizeText = body[..lineEnd];
            var semicolon = sizeText.IndexOf((byte)';');
            if (semicolon >= 0)
            {
                sizeText = sizeText[..semicolon];
            }

            if (!Utf8Parser.TryParse(sizeText.Trim((byte)' '), out long size, out var consumed, 'x') || consumed != sizeText.Trim((byte)' ').Length || size < 0)
            {
                error = "bad chunk size";
                return false;
            }

            body = body[(lineEnd + 2)..];
            if (size == 0)
            {
                decoded = [.. output];
                error = null;
                return true;
            }

            if (body.Length < size + 2)
            {
                error = "chunked body truncated";
                return false;
            }

            output.AddRange(body[..(int)size]);
            body = body[((int)size + 2)..];
        }
    }

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
