using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Kad.Checkers.Codecs;

namespace Kad.Checkers.Probes;

/// <summary>
/// DNS_CHECK: a query (type, default SOA; name, default ".") over UDP must get a NOERROR response, with or without
/// answers (keepalived checks the header only).
/// </summary>
public sealed class DnsProbe : IHealthProbe
{
    private readonly DnsCheckOptions _options;
    private readonly IPEndPoint _target;
    private readonly CheckerTiming _timing;
    private readonly string _name;
    private readonly ushort _type;

    public DnsProbe(DnsCheckOptions options, IPEndPoint target, CheckerTiming timing)
    {
        _options = options;
        _target = target;
        _timing = timing;
        _name = options.Name ?? ".";
        var typeName = options.Type ?? "SOA";
        if (!DnsMessage.Types.TryGetValue(typeName, out _type))
        {
            throw new ArgumentException($"DNS type '{typeName}' is not one of {string.Join(", ", DnsMessage.Types.Keys)}");
        }

        // Validates the name now, so a bad one is a configuration error rather than a failing check.
        DnsMessage.WriteQuery(new byte[DnsMessage.MaxUdpLength], 0, _name, _type);
    }

    public string Kind => CheckerKinds.DnsCheck;

    public string Target => $"dns {_target} {_options.Type ?? "SOA"} {_name}";

    public TimeSpan AttemptTimeout => _timing.ConnectTimeout;

    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        // Random ids make a spoofed answer to a previous query unlikely to be taken for this one.
        var id = (ushort)RandomNumberGenerator.GetInt32(0, 1 << 16);
        var query = new byte[DnsMessage.MaxUdpLength];
        var queryLength = DnsMessage.WriteQuery(query, id, _name, _type);
        using var socket = ProbeSockets.Create(_target, SocketType.Dgram, ProtocolType.Udp, _options);
        var response = new byte[DnsMessage.MaxUdpLength];
        try
        {
            progress.Step = "send query";
            await socket.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(query.AsMemory(0, queryLength), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            progress.Step = "read response";
            while (true)
            {
                var received = await socket.ReceiveAsync(response, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                // A stray datagram (say, a late answer to an earlier query) is not this answer: keep waiting.
                switch (DnsMessage.CheckResponse(response.AsSpan(0, received), id, out var reason))
                {
                    case DnsVerdict.Answered:
                        return ProbeResult.Up(reason);
                    case DnsVerdict.Failed:
                        return ProbeResult.Down("response", reason);
                }
            }
        }
        catch (SocketException ex)
        {
            return ProbeResult.Down(progress.Step, ProbeSockets.Describe(ex));
        }
    }
}
