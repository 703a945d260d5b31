using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

internal static partial class Libc
{
    // int getsockopt(int fd, int level, int name, void *value, socklen_t *len);
    [LibraryImport(Name, EntryPoint = "getsockopt", SetLastError = true)]
    internal static unsafe partial int GetSockOpt(SafeNetlinkHandle socket, int level, int name, void* value, uint* valueLength);
}
