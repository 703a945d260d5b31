using System.Runtime.InteropServices;

namespace Kad.Checkers;

internal static partial class Interop
{
    // signal.h
    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    /// <summary>kill(2): send <paramref name="signal"/> to process <paramref name="pid"/>; 0 on success, -1 with errno.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
