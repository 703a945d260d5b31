using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Kad.Daemon.Systemd;

namespace Kad.Daemon.Tests.Hosting;

[TestFixture]
public class SystemdNotifierTests
{
    [Test]
    public void Reloading_CarriesMonotonicMicroseconds()
    {
        var message = SystemdMessages.Reloading(Stopwatch.Frequency * 3);

        Assert.That(message, Is.EqualTo("RELOADING=1\nMONOTONIC_USEC=3000000"));
    }

    [Test]
    public void Status_MultiLineText_BecomesOneLine() =>
        Assert.That(SystemdMessages.Status("a\nb"), Is.EqualTo("STATUS=a b"));

    [TestCase("2000000", null, 42, 2000.0)]
    [TestCase("2000000", "42", 42, 2000.0)]
    [TestCase("2000000", "43", 42, null)]
    [TestCase(null, null, 42, null)]
    [TestCase("0", null, 42, null)]
    [TestCase("junk", null, 42, null)]
    public void WatchdogInterval_FromEnvironment(string? usec, string? pid, int ownPid, double? expectedMs)
    {
        var interval = SystemdMessages.WatchdogInterval(usec, pid, ownPid);

        Assert.That(interval?.TotalMilliseconds, Is.EqualTo(expectedMs));
    }

    [Test]
    public void Notify_NoSocket_IsDisabledAndSilent()
    {
        using var notifier = new SystemdNotifier(null);

        Assert.That(notifier.IsEnabled, Is.False);
        Assert.DoesNotThrow(() => notifier.Notify(SystemdMessages.Ready));
    }

    [Test]
    public void Notify_PathSocket_DeliversDatagram()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kad-notify-{Guid.NewGuid():N}.sock");
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using var notifier = new SystemdNotifier(path);
            notifier.Notify("READY=1\nSTATUS=ok");

            Assert.That(Receive(receiver), Is.EqualTo("READY=1\nSTATUS=ok"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Notify_AbstractSocket_AtSignMeansAbstractNamespace()
    {
        var name = $"kad-notify-{Guid.NewGuid():N}";
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var notifier = new SystemdNotifier("@" + name);

        notifier.Notify("STOPPING=1");

        Assert.That(Receive(receiver), Is.EqualTo("STOPPING=1"));
    }

    private static string Receive(Socket socket)
    {
        socket.ReceiveTimeout = 5000;
        var buffer = new byte[4096];
        var length = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
