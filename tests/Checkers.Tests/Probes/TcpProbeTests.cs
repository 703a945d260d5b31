using System.Net;
using System.Net.Sockets;
using Kad.Checkers.Probes;
using Kad.Checkers.Tests.Support;
using Kad.Testing;

namespace Kad.Checkers.Tests.Probes;

public sealed class TcpProbeTests
{
    private static TcpCheckOptions Options(double connectTimeout = 2) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(connectTimeout),
        Retry = 0,
    };

    [Test]
    public async Task Check_ListenerAccepts_IsUp()
    {
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);

        var outcome = await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(outcome.Latency, Is.LessThan(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task Check_Ipv6Loopback_IsUp()
    {
        LabPolicyForIpv6();
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask, IPAddress.IPv6Loopback);

        var outcome = await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
    }

    [Test]
    public async Task Check_NothingListening_IsDownAtConnectRefused()
    {
        var port = Ports.UnusedTcp();

        var outcome = await ProbeHarness.CheckAsync(Options(), new IPEndPoint(IPAddress.Loopback, port));

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.FailedStep, Is.EqualTo("connect"));
        Assert.That(outcome.Result.Reason, Does.Contain("ConnectionRefused"));
    }

    [Test]
    public async Task Check_ListenerNeverCompletesHandshake_TimesOutAtConnect()
    {
        // A listener with a full accept queue drops further SYNs, so a connect hangs (Linux, tcp_abort_on_overflow=0).
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            var full = false;
            for (var i = 0; i < 16 && !full; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    await filler.ConnectAsync(endPoint, wait.Token);
                }
                catch (OperationCanceledException)
                {
                    full = true;
                }
            }

            Assume.That(full, Is.True, "could not fill the accept queue");

            var outcome = await ProbeHarness.CheckAsync(Options(connectTimeout: 1), endPoint);

            Assert.That(outcome.Result.Success, Is.False);
            Assert.That(outcome.Result.FailedStep, Is.EqualTo("connect"));
            Assert.That(outcome.Result.Reason, Does.Contain("timed out"));
            Assert.That(outcome.Latency, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95)).And.LessThan(TimeSpan.FromSeconds(3)));
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Test]
    public async Task Check_BindToAndBindPort_ConnectionComesFromThatSource()
    {
        EndPoint? seen = null;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            seen = client.Client.RemoteEndPoint;
        });
        var sourcePort = Ports.UnusedTcp();
        var options = Options() with { BindTo = IPAddress.Parse("127.0.0.2"), BindPort = sourcePort };

        var outcome = await ProbeHarness.CheckAsync(options, (IPEndPoint)listener.LocalEndpoint);
        await accept.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(seen, Is.EqualTo(new IPEndPoint(IPAddress.Parse("127.0.0.2"), sourcePort)));
    }

    [Test]
    public async Task Check_ConnectIpAndPort_ProbeTheOtherEndpoint()
    {
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);
        var options = Options() with { ConnectIp = IPAddress.Loopback, ConnectPort = server.EndPoint.Port };

        // The real server's own port is closed: only connect_port makes this succeed.
        var outcome = await ProbeHarness.CheckAsync(options, new IPEndPoint(IPAddress.Parse("127.0.0.3"), Ports.UnusedTcp()));

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        // The kernel completes the handshake before the server's accept loop gets round to it: wait for that.
        Assert.That(() => server.Accepted, Is.EqualTo(1).After(5000, 20));
    }

    [Test]
    public async Task Check_BindInterfaceLo_IsUp_AndMissingInterface_IsDown()
    {
        LabPolicy.RequireRoot();
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);

        var viaLo = await ProbeHarness.CheckAsync(Options() with { BindInterface = "lo" }, server.EndPoint);
        var viaNothing = await ProbeHarness.CheckAsync(Options() with { BindInterface = "kadnone0" }, server.EndPoint);

        Assert.That(viaLo.Result.Success, Is.True, viaLo.Result.Reason);
        Assert.That(viaNothing.Result.Success, Is.False);
        Assert.That(viaNothing.Result.FailedStep, Is.EqualTo("connect"));
    }

    [Test]
    public void Create_Fwmark_IsSetOnTheSocket()
    {
        LabPolicy.RequireRoot();

        using var socket = ProbeSockets.Create(new IPEndPoint(IPAddress.Loopback, 80), SocketType.Stream, ProtocolType.Tcp, null, null, fwmark: 0x2A);

        Assert.That(ProbeSockets.ReadMark(socket), Is.EqualTo(0x2A));
    }

    [Test]
    public async Task Check_Fwmark_StillConnects()
    {
        LabPolicy.RequireRoot();
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);

        var outcome = await ProbeHarness.CheckAsync(Options() with { Fwmark = 7 }, server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
    }

    internal static void LabPolicyForIpv6()
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        }
        catch (SocketException)
        {
            Assert.Ignore("no IPv6 loopback here");
        }
    }
}
