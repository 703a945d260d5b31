using System.Runtime.InteropServices;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// Moves the calling thread into a named network namespace (setns affects only the calling thread), so sockets the
/// engine creates on its own thread live inside the lab's namespace while the test process stays outside.
/// </summary>
internal static partial class Netns
{
    // <sched.h>
    private const int CLONE_NEWNET = 0x40000000;

    public static void Enter(string name)
    {
        using var handle = File.OpenHandle($"/var/run/netns/{name}", FileMode.Open, FileAccess.Read);
        if (setns((int)handle.DangerousGetHandle(), CLONE_NEWNET) != 0)
        {
            throw new InvalidOperationException($"setns({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
