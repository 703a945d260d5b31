using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

internal static partial class Libc
{
    // ssize_t recv(int fd, void *buf, size_t len, int flags);
    [LibraryImport(Name, EntryPoint = "recv", SetLastError = true)]
    internal static unsafe partial nint Recv(SafeNetlinkHandle socket, byte* buffer, nuint length, int flags);
}
