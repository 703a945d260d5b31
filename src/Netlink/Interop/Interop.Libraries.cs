namespace Kad.Netlink.Interop;

internal static partial class Libc
{
    /// <summary>glibc / musl: resolved by the runtime's native library loader.</summary>
    internal const string Name = "libc";
}
