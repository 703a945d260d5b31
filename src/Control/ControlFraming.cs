using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Kad.Control;

/// <summary>Newline-delimited JSON framing shared by the daemon's server and the client.</summary>
public static class ControlFraming
{
    private static readonly byte[] Newline = "\n"u8.ToArray();

    public static async Task WriteAsync<T>(Stream stream, T message, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) =>
        await WriteAsync(stream, Encode(message, typeInfo), cancellationToken);

    /// <summary>One message as its line: JSON and the newline.</summary>
    public static byte[] Encode<T>(T message, JsonTypeInfo<T> typeInfo)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(message, typeInfo);
        var frame = new byte[json.Length + Newline.Length];
        json.CopyTo(frame, 0);
        Newline.CopyTo(frame, json.Length);
        return frame;
    }

    /// <summary>Writes a frame from <see cref="Encode"/> in one write.</summary>
    public static async Task WriteAsync(Stream stream, byte[] frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await stream.WriteAsync(frame, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Reads one line and parses it; null at end of stream. A line over the limit or bad JSON throws <see cref="ControlProtocolException"/>.</summary>
    public static async Task<T?> ReadAsync<T>(Stream stream, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        var one = new byte[4096];
        while (true)
        {
            var read = await stream.ReadAsync(one, cancellationToken);
            if (read == 0)
            {
                if (buffer.WrittenCount == 0)
                {
                    return null;
                }

                break;
            }

            var newline = Array.IndexOf(one, (byte)'\n', 0, read);
            if (newline >= 0)
            {
                // Requests and responses are one line each and the peer waits for the answer, so nothing follows it.
                buffer.Write(one.AsSpan(0, newline));
                break;
            }

            buffer.Write(one.AsSpan(0, read));
            if (buffer.WrittenCount > ControlProtocol.MaxMessageBytes)
            {
                throw new ControlProtocolException($"message longer than {ControlProtocol.MaxMessageBytes} bytes");
            }
        }

        try
        {
            return JsonSerializer.Deserialize(buffer.WrittenSpan, typeInfo)
                ?? throw new ControlProtocolException("empty message");
        }
        catch (JsonException e)
        {
            throw new ControlProtocolException($"not a valid message: {e.Message}", e);
        }
    }
}

public sealed class ControlProtocolException : Exception
{
    public ControlProtocolException(string message)
        : base(message)
    {
    }

    public ControlProtocolException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ControlProtocolException()
    {
    }
}
