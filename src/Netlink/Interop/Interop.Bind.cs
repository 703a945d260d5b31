using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

internal static partial class Libc
{
    // int bind(int fd, const struct sockaddr *addr, socklen_t len);
    [LibraryImport(Name, EntryPoint = "bind", SetLastError = true)]
    internal static unsafe partial int Bind(SafeNetlinkHandle socket, SockAddrNetlink* address, uint addressLength);
}
