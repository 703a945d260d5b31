namespace Kad.Netlink.Tests;

internal static class Hex
{
    /// <summary>"5c 00 00 00 ..." (any whitespace, line breaks) → bytes.</summary>
    public static byte[] Parse(string text) =>
        Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
