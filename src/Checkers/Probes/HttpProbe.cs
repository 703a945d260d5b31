using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Kad.Checkers.Codecs;

namespace Kad.Checkers.Probes;

/// <summary>
/// HTTP_GET and SSL_GET: each url, in order, on its own connection, must answer with an accepted status code and,
/// when a digest is given, a body whose MD5 matches. SSL_GET does not verify the certificate (keepalived does not
/// either) and sends SNI only with enable_sni.
/// </summary>
public sealed class HttpProbe : IHealthProbe
{
    /// <summary>Bodies beyond this are not health pages; stop rather than buffer without bound.</summary>
    internal const int MaxResponseBytes = 16 * 1024 * 1024;

    private readonly HttpCheckOptions _options;
    private readonly IPEndPoint _target;
    private readonly CheckerTiming _timing;
    private readonly IReadOnlyList<HttpUrlOptions> _urls;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<HttpUrlOptions, BodyRegex> _regexes = new(ReferenceEqualityComparer.Instance);

    public HttpProbe(HttpCheckOptions options, IPEndPoint target, CheckerTiming timing, TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        _options = options;
        _target = target;
        _timing = timing;
        _urls = options.Urls.Count > 0 ? options.Urls : [new HttpUrlOptions()];
        if (options.HttpProtocol is not (null or "1.0" or "1.0C" or "1.0c" or "1.1"))
        {
            throw new ArgumentException($"http_protocol '{options.HttpProtocol}' is not one of 1.0, 1.0C, 1.1");
        }

        foreach (var url in _urls)
        {
            if (url.Digest is { } digest && (digest.Length != 32 || !digest.All(char.IsAsciiHexDigit)))
            {
                throw new ArgumentException($"digest '{digest}' is not 32 hex digits (an MD5)");
            }

            if (BodyRegex.Create(url) is { } regex)
            {
                _regexes[url] = regex;
            }
        }
    }

    public string Kind => _options.Kind;

    public string Target => $"{(_options.UseTls ? "https" : "http")} {_target}";

    /// <summary>
    /// connect_timeout bounds each step (connect, handshake, write, each read); the attempt as a whole is only
    /// bounded loosely, as a safety net against a server trickling bytes forever.
    /// </summary>
    public TimeSpan AttemptTimeout => _timing.ConnectTimeout * (StepsPerUrlBound * _urls.Count);

    /// <summary>connect, handshake, write, and a few reads: beyond this many timeouts per url something is wrong.</summary>
    private const int StepsPerUrlBound = 8;

    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        var reasons = new List<string>(_urls.Count);
        foreach (var url in _urls)
        {
            var result = await ProbeUrlAsync(url, progress, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                return result;
            }

            reasons.Add(result.Reason);
        }

        return ProbeResult.Up(string.Join("; ", reasons));
    }

    private async ValueTask<ProbeResult> ProbeUrlAsync(HttpUrlOptions url, ProbeProgress progress, CancellationToken cancellationToken)
    {
        var path = string.IsNullOrEmpty(url.Path) ? "/" : url.Path;
        var virtualHost = url.Virtualhost ?? _options.Virtualhost;
        using var deadline = new StepDeadline(_timing.ConnectTimeout, _timeProvider, cancellationToken);
        var step = "connect";
        try
        {
            Socket socket;
            progress.Step = $"{step} ({path})";
            try
            {
                socket = await ProbeSockets.ConnectTcpAsync(_options, _target, deadline.Next()).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                return ProbeResult.Down(step, $"{path}: {ProbeSockets.Describe(ex)}");
            }

            using (socket)
            {
                Stream stream = new NetworkStream(socket, ownsSocket: false);
                try
                {
                    if (_options.UseTls)
                    {
                        step = "tls handshake";
                        progress.Step = $"{step} ({path})";
                        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                        stream = tls;
                        var authentication = new SslClientAuthenticationOptions
                        {
                            // An empty name sends no SNI; keepalived sends the virtualhost only with enable_sni.
                            TargetHost = _options.EnableSni && virtualHost is not null ? virtualHost : string.Empty,
#pragma warning disable CA5359 // keepalived's SSL_GET checks liveness, not identity: it never verifies the certificate.
                            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
#pragma warning restore CA5359
                        };
                        try
                        {
                            await tls.AuthenticateAsClientAsync(authentication, deadline.Next()).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
                        {
                            return ProbeResult.Down(step, $"{path}: {ex.Message}");
                        }
                    }

                    step = "send request";
                    progress.Step = $"{step} ({path})";
                    var request = BuildRequest(path, virtualHost);
                    byte[] received;
                    try
                    {
                        await stream.WriteAsync(request, deadline.Next()).ConfigureAwait(false);
                        await stream.FlushAsync(deadline.Next()).ConfigureAwait(false);
                        step = "read response";
                        progress.Step = $"{step} ({path})";
                        received = await ReadResponseAsync(stream, deadline).ConfigureAwait(false);
                    }
                    catch (IOException ex)
                    {
                        return ProbeResult.Down(step, $"{path}: {ex.Message}");
                    }

                    return Judge(url, path, received, _regexes.GetValueOrDefault(url));
                }
                finally
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            return ProbeResult.Down(step, $"{path}: timed out after {deadline.PerStep.TotalSeconds:0.###} s during {step}");
        }
    }

    /// <summary>Decides on a received response: status code, then digest, then regex (keepalived's order).</summary>
    internal static ProbeResult Judge(HttpUrlOptions url, string path, ReadOnlySpan<byte> received, BodyRegex? regex = null)
    {
        if (!HttpResponse.TryParse(received, out var response, out var error))
        {
            return ProbeResult.Down("read response", $"{path}: {error}");
        }

        var accepted = url.StatusCodes ?? StatusCodeSet.Default;
        if (!accepted.Contains(response.StatusCode))
        {
            return ProbeResult.Down("status", $"{path}: status {response.StatusCode} not in {accepted}");
        }

        if (url.Digest is { } expected)
        {
#pragma warning disable CA5351 // keepalived's digest keyword is defined as the MD5 of the body; it is a checksum here, not security.
            var actual = Convert.ToHexStringLower(MD5.HashData(response.WireBody));
#pragma warning restore CA5351
            if (!actual.Equals(expected, StringComparison.OrdinalIgnoreCase))
            {
                return ProbeResult.Down("digest", $"{path}: digest {actual} != {expected.ToLowerInvariant()}");
            }
        }

        if (regex?.Judge(response.WireBody) is { } mismatch)
        {
            return ProbeResult.Down("regex", $"{path}: {mismatch}");
        }

        return ProbeResult.Up($"{path}: {response.StatusCode}");
    }

    private byte[] BuildRequest(string path, string? virtualHost)
    {
        var version = _options.HttpProtocol == "1.1" ? "1.1" : "1.0";
        // keepalived: the virtualhost alone, or the probed address with its port (always written).
        var host = virtualHost ?? $"{FormatAddress(_target.Address)}:{_target.Port}";
        var builder = new StringBuilder()
            .Append("GET ").Append(path).Append(" HTTP/").Append(version).Append("\r\n")
            .Append("User-Agent: KeepAliveClient\r\n")
            .Append("Host: ").Append(host).Append("\r\n");
        if (_options.HttpProtocol is "1.1" or "1.0C" or "1.0c")
        {
            builder.Append("Connection: close\r\n");
        }

        builder.Append("\r\n");
        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static string FormatAddress(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private static async ValueTask<byte[]> ReadResponseAsync(Stream stream, StepDeadline deadline)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (buffer.Length < MaxResponseBytes)
        {
            var read = await stream.ReadAsync(chunk, deadline.Next()).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
            // A server may ignore "Connection: close"; stop once the framing says the response is whole.
            if (HttpResponse.IsComplete(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            {
                break;
            }
        }

        return buffer.ToArray();
    }
}
