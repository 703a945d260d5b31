using System.Net.Sockets;
using System.Text;

namespace Kad.Control.Tests;

[TestFixture]
public class ControlProtocolTests
{
    private static ControlResponse SampleStatus() => new(
        ControlProtocol.ProtocolVersion,
        Ok: true,
        Status: new DaemonStatus(
            new DaemonInfo("0.1.0", 42, DateTimeOffset.UnixEpoch, 12.5, "/etc/keepalived/keepalived.conf", "ab12", null),
            [new VrrpInstanceStatus("VI_1", "eth0", 51, 3, "Master", 150, 140, "10.0.0.1", ["10.0.0.100/32"], 2, DateTimeOffset.UnixEpoch, new Dictionary<string, long> { ["BadTtl"] = 3 })],
            [new VirtualServerStatus("TCP 10.0.0.100:80", "rr", "DR", true, true,
                [new RealServerStatus("10.0.1.1:80", "Up", 1, 1, "ok", 0.4, DateTimeOffset.UnixEpoch, 5, 1, 10, 2000, 0)])]));

    [Test]
    public async Task ReadAsync_WhatWriteAsyncWrote_ReturnsEqualContent()
    {
        using var stream = new MemoryStream();
        await ControlFraming.WriteAsync(stream, SampleStatus(), ControlJsonContext.Default.ControlResponse, CancellationToken.None);
        stream.Position = 0;

        var read = await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlResponse, CancellationToken.None);

        Assert.That(read, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(read!.Status!.Daemon, Is.EqualTo(SampleStatus().Status!.Daemon));
            Assert.That(read.Status.Instances[0].DropsByReason["BadTtl"], Is.EqualTo(3));
            Assert.That(read.Status.VirtualServers[0].RealServers[0], Is.EqualTo(SampleStatus().Status!.VirtualServers[0].RealServers[0]));
        });
    }

    [Test]
    public async Task WriteAsync_Request_IsOneCamelCaseLineWithEnumAsString()
    {
        using var stream = new MemoryStream();
        await ControlFraming.WriteAsync(stream, new ControlRequest(1, ControlCommand.Reload), ControlJsonContext.Default.ControlRequest, CancellationToken.None);

        Assert.That(Encoding.UTF8.GetString(stream.ToArray()), Is.EqualTo("{\"version\":1,\"command\":\"Reload\"}\n"));
    }

    [TestCase("not json\n")]
    [TestCase("{\"version\":\n")]
    [TestCase("null\n")]
    public void ReadAsync_Garbage_ThrowsProtocolError(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        Assert.ThrowsAsync<ControlProtocolException>(() => ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlRequest, CancellationToken.None));
    }

    [Test]
    public async Task ReadAsync_EmptyStream_ReturnsNull()
    {
        using var stream = new MemoryStream();

        Assert.That(await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlRequest, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task SendAsync_OverRealUnixSocket_GetsTheServersAnswer()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kad-control-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        try
        {
            var server = Task.Run(async () =>
            {
                using var connection = await listener.AcceptAsync();
                await using var stream = new NetworkStream(connection);
                var request = await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlRequest, CancellationToken.None);
                Assert.That(request!.Command, Is.EqualTo(ControlCommand.Status));
                await ControlFraming.WriteAsync(stream, SampleStatus(), ControlJsonContext.Default.ControlResponse, CancellationToken.None);
            });

            var response = await ControlClient.SendAsync(path, ControlCommand.Status, TimeSpan.FromSeconds(10));
            await server;

            Assert.That(response.Status!.Instances[0].Name, Is.EqualTo("VI_1"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
