using System.Net;
using System.Net.Sockets;
using System.Text;
using Kad.Checkers.Codecs;

namespace Kad.Checkers.Probes;

/// <summary>
/// SMTP_CHECK: the server greets with 220 and answers HELO with 250; the answer to QUIT must come but its code is
/// not judged (keepalived's exchange).
/// </summary>
public sealed class SmtpProbe(SmtpCheckOptions options, IPEndPoint target, CheckerTiming timing, TimeProvider? timeProvider = null) : IHealthProbe
{
    /// <summary>connect, greeting, HELO write and read, QUIT write and read, with room to spare.</summary>
    private const int StepsBound = 8;

    /// <summary>keepalived's default HELO name.</summary>
    public const string DefaultHeloName = "smtpchecker.keepalived.org";

    private const int MaxReplyBytes = 64 * 1024;

    public string Kind => CheckerKinds.SmtpCheck;

    public string Target => $"smtp {target}";

    /// <summary>connect_timeout bounds each step (as keepalived's per-line timeouts); this only bounds the dialogue.</summary>
    public TimeSpan AttemptTimeout => timing.ConnectTimeout * StepsBound;

    public async ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken)
    {
        using var deadline = new StepDeadline(timing.ConnectTimeout, timeProvider ?? TimeProvider.System, cancellationToken);
        try
        {
            return await TalkAsync(progress, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            return ProbeResult.Down(progress.Step, $"timed out after {deadline.PerStep.TotalSeconds:0.###} s during {progress.Step}");
        }
    }

    private async ValueTask<ProbeResult> TalkAsync(ProbeProgress progress, StepDeadline deadline)
    {
        progress.Step = "connect";
        Socket socket;
        try
        {
            socket = await ProbeSockets.ConnectTcpAsync(options, target, deadline.Next()).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            return ProbeResult.Down("connect", ProbeSockets.Describe(ex));
        }

        using (socket)
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var reader = new ReplyReader(stream);
            try
            {
                progress.Step = "greeting";
                var greeting = await reader.ReadAsync(deadline).ConfigureAwait(false);
                if (greeting.Code != 220)
                {
                    return ProbeResult.Down("greeting", $"greeting {greeting.Code} {greeting.Text}");
                }

                progress.Step = "HELO";
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HELO {options.HeloName ?? DefaultHeloName}\r\n"), deadline.Next()).ConfigureAwait(false);
                var helo = await reader.ReadAsync(deadline).ConfigureAwait(false);
                if (helo.Code != 250)
                {
                    return ProbeResult.Down("HELO", $"HELO answered {helo.Code} {helo.Text}");
                }

                progress.Step = "QUIT";
                await stream.WriteAsync("QUIT\r\n"u8.ToArray(), deadline.Next()).ConfigureAwait(false);
                // keepalived waits for the answer to QUIT but does not judge its code.
                var quit = await reader.ReadAsync(deadline).ConfigureAwait(false);
                return ProbeResult.Up($"greeting 220, HELO 250, QUIT {quit.Code} from {target}");
            }
            catch (IOException ex)
            {
                return ProbeResult.Down(progress.Step, ex.Message);
            }
            catch (InvalidDataException ex)
            {
                return ProbeResult.Down(progress.Step, ex.Message);
            }
        }
    }

    /// <summary>Reads whole replies, keeping bytes that arrived beyond one reply for the next.</summary>
    private sealed class ReplyReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[MaxReplyBytes];
        private int _length;

        public async ValueTask<(int Code, string Text)> ReadAsync(StepDeadline deadline)
        {
            while (true)
            {
                if (SmtpReply.TryRead(_buffer.AsSpan(0, _length), out var code, out var text, out var consumed, out var error))
                {
                    _buffer.AsSpan(consumed, _length - consumed).CopyTo(_buffer);
                    _length -= consumed;
                    return (code, text);
                }

                if (error is not null)
                {
                    throw new InvalidDataException(error);
                }

                if (_length == _buffer.Length)
                {
                    throw new InvalidDataException("SMTP reply longer than 64 KiB");
                }

                var read = await stream.ReadAsync(_buffer.AsMemory(_length), deadline.Next()).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException("connection closed before a whole reply");
                }

                _length += read;
            }
        }
    }
}
