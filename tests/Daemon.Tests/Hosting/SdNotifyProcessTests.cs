using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Kad.Testing;

namespace Kad.Daemon.Tests.Hosting;

/// <summary>
/// The real kad process (no VRRP instances, so no root needed) with NOTIFY_SOCKET pointing at a socket this test
/// reads: READY=1 after start, RELOADING=1 + MONOTONIC_USEC then READY=1 around SIGHUP, STOPPING=1 on SIGTERM.
/// </summary>
[TestFixture]
[NonParallelizable]
public class SdNotifyProcessTests
{
    [Test]
    public void Kad_UnderFakeSystemd_NotifiesReadyReloadingStopping()
    {
        KadBinaries.Require();
        var directory = Directory.CreateTempSubdirectory("kad-notify-");
        try
        {
            var config = Path.Combine(directory.FullName, "keepalived.conf");
            File.WriteAllText(config, "global_defs {\n    router_id notify_test\n}\n");
            var notifyPath = Path.Combine(directory.FullName, "notify.sock");
            var pidFile = Path.Combine(directory.FullName, "kad.pid");
            using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            receiver.Bind(new UnixDomainSocketEndPoint(notifyPath));
            receiver.ReceiveTimeout = 30_000;

            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in (string[])[KadBinaries.Kad, "-n", "-l", "-f", config, "-p", pidFile, "--status-socket", Path.Combine(directory.FullName, "kad.sock")])
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["NOTIFY_SOCKET"] = notifyPath;
            info.Environment["JOURNAL_STREAM"] = "8:1234";
            using var kad = Process.Start(info)!;
            var output = new StringBuilder();
            kad.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            kad.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            kad.BeginOutputReadLine();
            kad.BeginErrorReadLine();
            try
            {
                var ready = ReceiveUntil(receiver, "READY=1");
                Assert.That(ready, Does.Contain("READY=1"), Text(output));
                Assert.That(File.ReadAllText(pidFile).Trim(), Is.EqualTo(kad.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

                // SIGUSR1 / SIGUSR2: keepalived-style dumps, rewritten whole, naming this run's config file.
                var started = DateTime.UtcNow.AddSeconds(-1);
                Signal(kad.Id, "USR1");
                Signal(kad.Id, "USR2");
                Assert.That(WaitForFile("/tmp/kad.data", started, "config file = " + config), Is.True, "data dump\n" + Text(output));
                Assert.That(WaitForFile("/tmp/kad.stats", started, "statistics"), Is.True, "stats dump\n" + Text(output));
                Assert.That(kad.HasExited, Is.False, "USR1/USR2 do not end the daemon");

                Signal(kad.Id, "HUP");
                var reloading = ReceiveUntil(receiver, "RELOADING=1");
                Assert.That(reloading, Does.Match(@"RELOADING=1\nMONOTONIC_USEC=\d+"));
                Assert.That(ReceiveUntil(receiver, "READY=1"), Does.Contain("READY=1"));

                Signal(kad.Id, "TERM");
                Assert.That(ReceiveUntil(receiver, "STOPPING=1"), Does.Contain("STOPPING=1"));
                Assert.That(kad.WaitForExit(20_000), Is.True, "kad exits after SIGTERM");
                Assert.That(kad.ExitCode, Is.Zero, Text(output));
                Assert.That(File.Exists(pidFile), Is.False, "PID file removed on a clean stop");
                // Under JOURNAL_STREAM every line starts with a syslog priority.
                var lines = Text(output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                Assert.That(lines, Is.Not.Empty.And.All.Match(@"^<[0-7]>"));
            }
            finally
            {
                if (!kad.HasExited)
                {
                    kad.Kill();
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static bool WaitForFile(string path, DateTime notBefore, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path) && File.GetLastWriteTimeUtc(path) >= notBefore && File.ReadAllText(path).Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            Thread.Sleep(100);
        }

        return false;
    }

    private static void Signal(int pid, string name) =>
        ProcessRunner.Run("kill", [$"-{name}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));

    /// <summary>Reads datagrams until one contains <paramref name="wanted"/>; returns it (or everything read on timeout).</summary>
    private static string ReceiveUntil(Socket socket, string wanted)
    {
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var message = Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer));
                if (message.Contains(wanted, StringComparison.Ordinal))
                {
                    return message;
                }

                seen.Append(message).Append(" | ");
            }
        }
        catch (SocketException)
        {
            return "timed out; saw: " + seen;
        }
    }
}
