using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

internal static partial class Libc
{
    // ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen);
    [LibraryImport(Name, EntryPoint = "sendto", SetLastError = true)]
    internal static unsafe partial nint SendTo(SafeNetlinkHandle socket, byte* buffer, nuint length, int flags, SockAddrNetlink* to, uint toLength);
}
