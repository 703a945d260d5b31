using System.Buffers.Binary;
using System.Net;
using System.Text;
using Kad.Checkers.Tests.Support;

namespace Kad.Checkers.Tests.Probes;

public sealed class UdpProbeTests
{
    private static UdpCheckOptions Options(bool requireReply = false, string? pattern = null, byte[]? payload = null) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(1),
        Retry = 0,
        RequireReply = requireReply,
        ReplyPattern = pattern is null ? null : HexPattern.Parse(pattern),
        Payload = payload,
    };

    [Test]
    public async Task Check_EchoServer_RequireReply_IsUpAndSendsPayload()
    {
        await using var echo = new LoopbackUdpServer(data => data);

        var outcome = await ProbeHarness.CheckAsync(Options(requireReply: true, payload: [0xCA, 0xFE]), echo.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(echo.Received.Single(), Is.EqualTo(new byte[] { 0xCA, 0xFE }));
    }

    [Test]
    public async Task Check_NoPayload_SendsRandomBytes()
    {
        await using var echo = new LoopbackUdpServer(data => data);

        await ProbeHarness.CheckAsync(Options(requireReply: true), echo.EndPoint);
        await ProbeHarness.CheckAsync(Options(requireReply: true), echo.EndPoint);

        Assert.That(echo.Received, Has.Count.EqualTo(2));
        Assert.That(echo.Received[0], Is.Not.Empty.And.Not.EqualTo(echo.Received[1]));
    }

    [Test]
    public async Task Check_ReplyPattern_MatchAndMismatch()
    {
        await using var server = new LoopbackUdpServer(_ => [0x01, 0x02, 0x33]);

        var match = await ProbeHarness.CheckAsync(Options(pattern: "0102 X3"), server.EndPoint);
        var mismatch = await ProbeHarness.CheckAsync(Options(pattern: "0103"), server.EndPoint);

        Assert.That(match.Result.Success, Is.True, match.Result.Reason);
        Assert.That(mismatch.Result.FailedStep, Is.EqualTo("reply content"));
    }

    [Test]
    public async Task Check_ReplyLongerThanMax_IsDownAtReplyLength()
    {
        await using var server = new LoopbackUdpServer(_ => new byte[300]);

        var outcome = await ProbeHarness.CheckAsync(Options(requireReply: true), server.EndPoint);

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("reply length"));
    }

    [Test]
    public async Task Check_ClosedPort_IcmpUnreachable_IsDown()
    {
        var outcome = await ProbeHarness.CheckAsync(Options(), new IPEndPoint(IPAddress.Loopback, Ports.UnusedUdp()));

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.Reason, Does.Contain("ConnectionRefused"));
    }

    [Test]
    public async Task Check_SilentServer_WithoutRequireReply_IsUp()
    {
        await using var silent = new LoopbackUdpServer(_ => null);

        var outcome = await ProbeHarness.CheckAsync(Options(), silent.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(outcome.Result.Reason, Does.Contain("no ICMP error"));
    }

    [Test]
    public async Task Check_SilentServer_WithRequireReply_IsDownAfterConnectTimeout()
    {
        await using var silent = new LoopbackUdpServer(_ => null);

        var outcome = await ProbeHarness.CheckAsync(Options(requireReply: true), silent.EndPoint);

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("wait for reply"));
        Assert.That(outcome.Latency, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9)));
    }
}

public sealed class DnsProbeTests
{
    /// <summary>Answers a query by hand: header copied with QR/RA and the chosen RCODE, question echoed, one A record.</summary>
    private static byte[] Answer(byte[] query, int rcode, int answers)
    {
        var response = query.ToList();
        response[2] = (byte)(0x80 | (query[2] & 0x01)); // QR, keep RD
        response[3] = (byte)(0x80 | rcode);             // RA, RCODE
        response[7] = (byte)answers;
        for (var i = 0; i < answers; i++)
        {
            response.AddRange([0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 10, 0, 0, 1]);
        }

        return [.. response];
    }

    private static DnsCheckOptions Options(string? type = null, string? name = null) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(1),
        Retry = 0,
        Type = type,
        Name = name,
    };

    [Test]
    public async Task Check_NoErrorWithAnswer_IsUp_DefaultQueryIsRootSoa()
    {
        await using var dns = new LoopbackUdpServer(q => Answer(q, 0, 1));

        var outcome = await ProbeHarness.CheckAsync(Options(), dns.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        var query = dns.Received.Single();
        Assert.That(query[12..], Is.EqualTo(new byte[] { 0, 0, 6, 0, 1 }), "root name, type SOA, class IN");
    }

    [Test]
    public async Task Check_TypeAndName_AreSent()
    {
        await using var dns = new LoopbackUdpServer(q => Answer(q, 0, 1));

        var outcome = await ProbeHarness.CheckAsync(Options("AAAA", "www.example.org"), dns.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        var query = dns.Received.Single();
        Assert.That(Encoding.ASCII.GetString(query, 13, 3), Is.EqualTo("www"));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(query.Length - 4)), Is.EqualTo(28));
    }

    [Test]
    public async Task Check_NoErrorWithoutAnswers_IsUpLikeKeepalived()
    {
        await using var dns = new LoopbackUdpServer(q => Answer(q, 0, 0));

        var outcome = await ProbeHarness.CheckAsync(Options("A", "nothing.example"), dns.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(outcome.Result.Reason, Is.EqualTo("NOERROR, 0 answer(s)"));
    }

    [Test]
    public async Task Check_Refused_IsDownWithRcode()
    {
        await using var dns = new LoopbackUdpServer(q => Answer(q, 5, 0));

        var outcome = await ProbeHarness.CheckAsync(Options(), dns.EndPoint);

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("response"));
        Assert.That(outcome.Result.Reason, Does.Contain("REFUSED"));
    }

    [Test]
    public async Task Check_StrayDatagramThenAnswer_IgnoresStray()
    {
        await using var dns = new LoopbackUdpServer(q =>
        {
            var stray = Answer(q, 0, 1);
            stray[0] ^= 0xFF;
            return stray; // wrong id: the probe must wait for the real answer, which never comes
        });

        var outcome = await ProbeHarness.CheckAsync(Options(), dns.EndPoint);

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.Reason, Does.Contain("timed out"));
    }

    [Test]
    public async Task Check_NoServer_IsDown()
    {
        var outcome = await ProbeHarness.CheckAsync(Options(), new IPEndPoint(IPAddress.Loopback, Ports.UnusedUdp()));

        Assert.That(outcome.Result.Success, Is.False);
        Assert.That(outcome.Result.Reason, Does.Contain("ConnectionRefused"));
    }
}

public sealed class SmtpProbeTests
{
    private static LoopbackTcpServer Smtp(int greeting, List<string> commands, int heloReply = 250, int replyDelayMs = 0) => new(async (stream, token) =>
    {
        var reader = new StreamReader(stream, Encoding.ASCII);
        await Task.Delay(replyDelayMs, token);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{greeting}-smtp.test ESMTP\r\n{greeting} ready\r\n"), token);
        while (await reader.ReadLineAsync(token) is { } line)
        {
            lock (commands)
            {
                commands.Add(line);
            }

            await Task.Delay(replyDelayMs, token);
            var reply = line.StartsWith("HELO", StringComparison.Ordinal) ? $"{heloReply} hello\r\n" : line == "QUIT" ? "221 bye\r\n" : "500 what\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(reply), token);
            if (line == "QUIT")
            {
                return;
            }
        }
    });

    private static SmtpCheckOptions Options(string? helo = null) => new() { ConnectTimeout = TimeSpan.FromSeconds(2), Retry = 0, HeloName = helo };

    [Test]
    public async Task Check_Greeting220_HeloQuit_IsUp()
    {
        var commands = new List<string>();
        await using var server = Smtp(220, commands);

        var outcome = await ProbeHarness.CheckAsync(Options("director.example"), server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(commands, Is.EqualTo(new[] { "HELO director.example", "QUIT" }));
    }

    [Test]
    public async Task Check_SlowButSteadyServer_ConnectTimeoutIsPerReply()
    {
        await using var server = Smtp(220, [], replyDelayMs: 400);

        var outcome = await ProbeHarness.CheckAsync(Options() with { ConnectTimeout = TimeSpan.FromSeconds(1) }, server.EndPoint);

        Assert.That(outcome.Result.Success, Is.True, outcome.Result.Reason);
        Assert.That(outcome.Latency, Is.GreaterThan(TimeSpan.FromSeconds(1.15)), "three replies 0.4 s apart: longer than connect_timeout in total");
    }

    [Test]
    public async Task Check_DefaultHeloName()
    {
        var commands = new List<string>();
        await using var server = Smtp(220, commands);

        await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(commands[0], Is.EqualTo("HELO smtpchecker.keepalived.org"));
    }

    [Test]
    public async Task Check_Greeting554_IsDownAtGreeting()
    {
        await using var server = Smtp(554, []);

        var outcome = await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("greeting"));
        Assert.That(outcome.Result.Reason, Does.Contain("554"));
    }

    [Test]
    public async Task Check_HeloRejected_IsDownAtHelo()
    {
        await using var server = Smtp(220, [], heloReply: 501);

        var outcome = await ProbeHarness.CheckAsync(Options(), server.EndPoint);

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("HELO"));
    }

    [Test]
    public async Task Check_SilentServer_TimesOutAtGreeting()
    {
        await using var server = new LoopbackTcpServer((_, token) => Task.Delay(Timeout.Infinite, token));

        var outcome = await ProbeHarness.CheckAsync(Options() with { ConnectTimeout = TimeSpan.FromSeconds(1) }, server.EndPoint);

        Assert.That(outcome.Result.FailedStep, Is.EqualTo("greeting"));
        Assert.That(outcome.Result.Reason, Does.Contain("timed out"));
    }
}
