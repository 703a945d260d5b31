namespace Kad.Vrrp.Tests.Packets;

/// <summary>Test vectors are written as spaced hex, the way packet dumps show them.</summary>
internal static class Hex
{
    public static byte[] Parse(string text) => Convert.FromHexString(text.Replace(" ", "", StringComparison.Ordinal));

    public static string Format(ReadOnlySpan<byte> bytes) =>
        string.Join(' ', bytes.ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
