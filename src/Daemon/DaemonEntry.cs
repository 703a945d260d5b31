namespace Kad.Daemon;

/// <summary>Runs the daemon for parsed arguments; the host is composed here as the parts land.</summary>
internal static class DaemonEntry
{
    public static int Run(KadArguments arguments)
    {
        Console.Error.WriteLine($"kad: the daemon is not assembled yet (config {arguments.ConfigFile})");
        return 1;
    }
}
