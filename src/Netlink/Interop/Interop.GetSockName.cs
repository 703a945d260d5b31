using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

internal static partial class Libc
{
    // int getsockname(int fd, struct sockaddr *addr, socklen_t *len);
    [LibraryImport(Name, EntryPoint = "getsockname", SetLastError = true)]
    internal static unsafe partial int GetSockName(SafeNetlinkHandle socket, SockAddrNetlink* address, uint* addressLength);
}
