using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

internal static partial class Libc
{
    // int setsockopt(int fd, int level, int name, const void *value, socklen_t len);
    [LibraryImport(Name, EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int SetSockOpt(SafeNetlinkHandle socket, int level, int name, void* value, uint valueLength);
}
