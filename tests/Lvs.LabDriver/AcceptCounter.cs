using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kad.Lvs.LabDriver;

/// <summary>
/// `Lvs.LabDriver listen PORT FILE`: a live listener for checker benchmarks. Accepts on 0.0.0.0:PORT (with a local
/// route for a whole prefix every address in it answers), closes each connection at once, and writes the number
/// accepted so far to FILE every 200 ms, so a benchmark can count the checks a daemon made in a window.
/// Runs until killed. Cheap on purpose: one accept loop, no thread or fork per connection.
/// </summary>
internal static class AcceptCounter
{
    public static async Task<int> RunAsync(int port, string countFile)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Any, port));
        listener.Listen(4096);
        long accepted = 0;
        _ = Task.Run(async () =>
        {
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            while (await tick.WaitForNextTickAsync().ConfigureAwait(false))
            {
                var temporary = countFile + ".tmp";
                await File.WriteAllTextAsync(temporary, Interlocked.Read(ref accepted).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                File.Move(temporary, countFile, overwrite: true);
            }
        });
        Console.WriteLine($"LISTENING 0.0.0.0:{port}");
        while (true)
        {
            var connection = await listener.AcceptAsync().ConfigureAwait(false);
            Interlocked.Increment(ref accepted);
            // Linger 0 would send RST; a plain close is what a server that answers and hangs up does.
            connection.Dispose();
        }
    }
}
