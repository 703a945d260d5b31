using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kad.Checkers.Probes;
using Kad.Checkers.Scheduling;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Probes;

/// <summary>TCP_CHECK's callback path (non-blocking connect completed on the check loop) against real loopback listeners.</summary>
public sealed class TcpConnectorTests
{
    private static readonly ProbeResult Up = ProbeResult.Up("connected");
    private static readonly ProbeResult TimedOut = ProbeResult.Down("connect", "timed out");

    // Its loop only watches connects here: nothing is scheduled on it.
    private static CheckScheduler s_scheduler = null!;

    [OneTimeSetUp]
    public void StartLoop()
    {
        if (TcpConnector.IsSupported)
        {
            s_scheduler = new CheckScheduler(TimeProvider.System);
        }
    }

    [OneTimeTearDown]
    public void StopLoop() => s_scheduler?.Dispose();

    [SetUp]
    public void RequireThePath()
    {
        if (!TcpConnector.IsSupported)
        {
            Assert.Ignore("the check loop needs Linux on x86-64");
        }
    }

    private static TcpConnector Connector(TcpCheckOptions options, IPEndPoint target, Action<ProbeResult> done) =>
        new(options, target, Up, TimedOut, s_scheduler.Io, done);

    /// <summary>One attempt: its result, at once or from the loop's thread (or null when it did not end in time).</summary>
    private static async Task<(ProbeResult? Result, bool Immediate)> AttemptAsync(TcpCheckOptions options, IPEndPoint target, TimeSpan wait)
    {
        var done = new TaskCompletionSource<ProbeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var connector = Connector(options, target, r => done.TrySetResult(r));
        if (connector.Start() is { } immediate)
        {
            return (immediate, true);
        }

        var finished = await Task.WhenAny(done.Task, Task.Delay(wait));
        if (finished == done.Task)
        {
            return (done.Task.Result, false);
        }

        Assert.That(connector.Abort(), Is.True, "a pending attempt is ended by its abort");
        Assert.That(connector.Abort(), Is.False, "and only once");
        return (null, false);
    }

    [Test]
    public async Task Start_ListenerAccepts_IsUp()
    {
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);

        var (result, _) = await AttemptAsync(new TcpCheckOptions(), server.EndPoint, TimeSpan.FromSeconds(5));

        Assert.That(result, Is.SameAs(Up));
        await WaitUntil(() => server.Accepted == 1);
    }

    [Test]
    public async Task Start_Ipv6Listener_IsUp()
    {
        TcpProbeTests.LabPolicyForIpv6();
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask, IPAddress.IPv6Loopback);

        var (result, _) = await AttemptAsync(new TcpCheckOptions(), server.EndPoint, TimeSpan.FromSeconds(5));

        Assert.That(result, Is.SameAs(Up));
    }

    [Test]
    public async Task Start_NothingListening_IsDownAtConnectRefused()
    {
        var (result, _) = await AttemptAsync(new TcpCheckOptions(), new IPEndPoint(IPAddress.Loopback, Ports.UnusedTcp()), TimeSpan.FromSeconds(5));

        Assert.That(result, Is.Not.Null);
        Assert.That((result!.Success, result.FailedStep), Is.EqualTo((false, "connect")));
        Assert.That(result.Reason, Does.StartWith("ConnectionRefused: "));
    }

    [Test]
    public async Task Start_ListenerNeverCompletesHandshake_StaysPendingUntilAborted()
    {
        using var full = FullListener.Create();

        var (result, immediate) = await AttemptAsync(new TcpCheckOptions(), full.EndPoint, TimeSpan.FromMilliseconds(700));

        Assert.That((result, immediate), Is.EqualTo(((ProbeResult?)null, false)));
    }

    [Test]
    public void Expire_ConnectStillInProgress_IsTheTimeoutOnce()
    {
        using var full = FullListener.Create();
        var reported = 0;
        using var connector = Connector(new TcpCheckOptions(), full.EndPoint, _ => Interlocked.Increment(ref reported));

        Assert.That(connector.Start(), Is.Null);
        Thread.Sleep(300);

        Assert.That(connector.Expire(), Is.SameAs(TimedOut));
        Assert.That(connector.Expire(), Is.Null, "already ended");
        Assert.That(connector.Abort(), Is.False);
        Assert.That(reported, Is.Zero, "no callback for an expired attempt");
    }

    [Test]
    public async Task Start_BindToAndBindPort_ConnectionComesFromThatSource()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptTcpClientAsync();
        var sourcePort = Ports.UnusedTcp();
        var options = new TcpCheckOptions { BindTo = IPAddress.Parse("127.0.0.2"), BindPort = sourcePort };

        var (result, _) = await AttemptAsync(options, (IPEndPoint)listener.LocalEndpoint, TimeSpan.FromSeconds(5));
        using var client = await accept.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(result, Is.SameAs(Up));
        Assert.That(client.Client.RemoteEndPoint, Is.EqualTo(new IPEndPoint(IPAddress.Parse("127.0.0.2"), sourcePort)));
    }

    [Test]
    public async Task Start_BindToOfTheOtherFamily_EachAttemptFailsSayingWhy()
    {
        var options = new TcpCheckOptions { BindTo = IPAddress.IPv6Loopback };

        var (result, immediate) = await AttemptAsync(options, new IPEndPoint(IPAddress.Loopback, Ports.UnusedTcp()), TimeSpan.FromSeconds(1));

        Assert.That((immediate, result?.Success, result?.FailedStep), Is.EqualTo((true, (bool?)false, "connect")));
        Assert.That(result!.Reason, Does.Contain("not of the same family"));
    }

    [Test]
    public async Task Start_ManyAttemptsInARow_EachReportedOnce()
    {
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);
        var results = 0;
        var done = new SemaphoreSlim(0);
        using var connector = Connector(new TcpCheckOptions(), server.EndPoint, r =>
        {
            Interlocked.Increment(ref results);
            done.Release();
        });

        for (var i = 0; i < 200; i++)
        {
            if (connector.Start() is null)
            {
                Assert.That(await done.WaitAsync(TimeSpan.FromSeconds(5)), Is.True, $"attempt {i} reported");
            }
            else
            {
                Interlocked.Increment(ref results);
            }
        }

        Assert.That(results, Is.EqualTo(200));
    }

    [Test]
    public async Task Start_AfterDispose_ConnectsNothing()
    {
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask);
        var reported = 0;
        var connector = Connector(new TcpCheckOptions(), server.EndPoint, _ => Interlocked.Increment(ref reported));
        connector.Dispose();

        var result = connector.Start();
        await Task.Delay(300);

        Assert.That(result?.Success, Is.False);
        Assert.That((server.Accepted, reported), Is.EqualTo((0, 0)));
    }

    [Test]
    public async Task Monitor_HangingListener_DownWithTimeoutAfterConnectTimeout()
    {
        using var full = FullListener.Create();
        var key = new RealServerKey("vs", IPAddress.Loopback, full.EndPoint.Port);
        var tcp = new TcpCheckOptions { DelayLoop = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(0.5), Retry = 0, Warmup = TimeSpan.Zero };
        await using var monitor = new HealthMonitor([new RealServerChecks(key, 1, [tcp])]);
        var stopwatch = Stopwatch.StartNew();

        monitor.Start();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var down = await monitor.Events.ReadAsync(wait.Token);

        Assert.That((down.Current, down.FailedStep), Is.EqualTo((Health.Down, "connect")));
        Assert.That(down.Reason, Does.Contain("timed out after 0.5 s"));
        Assert.That(down.Latency, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.45)));
        Assert.That(stopwatch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.45)));
    }

    [Test]
    public async Task Monitor_RefusedThenListening_DownThenUpThroughTheCheckLoop()
    {
        var port = Ports.UnusedTcp();
        var key = new RealServerKey("vs", IPAddress.Loopback, port);
        var tcp = new TcpCheckOptions { DelayLoop = TimeSpan.FromMilliseconds(200), ConnectTimeout = TimeSpan.FromSeconds(2), Retry = 0, Warmup = TimeSpan.Zero };
        await using var monitor = new HealthMonitor([new RealServerChecks(key, 1, [tcp])]);
        monitor.Start();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var down = await monitor.Events.ReadAsync(wait.Token);
        await using var server = new LoopbackTcpServer((_, _) => Task.CompletedTask, port: port);
        var up = await monitor.Events.ReadAsync(wait.Token);

        Assert.That((down.Previous, down.Current), Is.EqualTo((Health.Unknown, Health.Down)));
        Assert.That(down.Reason, Does.StartWith("ConnectionRefused"));
        Assert.That((up.Previous, up.Current, up.ServerHealth), Is.EqualTo((Health.Down, Health.Up, Health.Up)));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition() && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }

        Assert.That(condition(), Is.True);
    }

    /// <summary>
    /// A listener whose accept queue is full: further SYNs are dropped, so a connect to it hangs (Linux,
    /// tcp_abort_on_overflow=0).
    /// </summary>
    private sealed class FullListener : IDisposable
    {
        private readonly Socket _listener;
        private readonly List<Socket> _fillers = [];

        private FullListener(Socket listener) => _listener = listener;

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

        public static FullListener Create()
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(0);
            var full = new FullListener(listener);
            for (var i = 0; i < 16; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                full._fillers.Add(filler);
                try
                {
                    filler.Connect(full.EndPoint);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    // in progress
                }

                Thread.Sleep(50);
                if (!filler.Poll(200_000, SelectMode.SelectWrite))
                {
                    return full; // this one hangs: the queue is full
                }
            }

            full.Dispose();
            Assert.Inconclusive("could not fill the accept queue");
            return null!;
        }

        public void Dispose()
        {
            _fillers.ForEach(f => f.Dispose());
            _listener.Dispose();
        }
    }
}
