using System.Globalization;

namespace Kad.Vrrp.Tracking;

/// <summary>Reads a <c>track_file</c>: the first integer in the file; a missing, empty or unreadable file counts as 0.</summary>
public static class TrackFile
{
    public static long ParseValue(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var text = content.AsSpan().TrimStart();
        var end = 0;
        if (end < text.Length && text[end] is '-' or '+')
        {
            end++;
        }

        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return long.TryParse(text[..end], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }

    public static long Read(string path)
    {
        try
        {
            return ParseValue(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
