using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

internal static partial class Libc
{
    // int socket(int domain, int type, int protocol);
    [LibraryImport(Name, EntryPoint = "socket", SetLastError = true)]
    internal static partial SafeNetlinkHandle Socket(int domain, int type, int protocol);
}
