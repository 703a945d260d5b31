using System.Buffers;
using System.Text;

namespace Kad.Config.Syntax;

/// <summary>What the reader needs from a file system: tests give it an in-memory one.</summary>
public interface IConfigFileSystem
{
    /// <summary>The entries of a directory as (name, is directory); empty when it does not exist or cannot be read.</summary>
    IEnumerable<(string Name, bool IsDirectory)> List(string directory);

    bool FileExists(string path);

    bool DirectoryExists(string path);

    /// <summary>Whether any execute bit is set: keepalived refuses to read executable files as configuration.</summary>
    bool IsExecutable(string path);

    /// <summary>The text of a file; throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>.</summary>
    string ReadAllText(string path);
}

/// <summary>The real file system.</summary>
public sealed class PhysicalConfigFileSystem : IConfigFileSystem, IPooledTextReader
{
    public static PhysicalConfigFileSystem Instance { get; } = new();

    public IEnumerable<(string Name, bool IsDirectory)> List(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).EnumerateFileSystemInfos()
                .Select(e => (e.Name, e is DirectoryInfo))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() &&
        (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    /// <summary>UTF-8, a byte order mark dropped. The bytes go through a pooled buffer and are decoded in one step
    /// (File.ReadAllText builds the text in pieces and copies it): reading a large file costs just its text.</summary>
    public string ReadAllText(string path)
    {
        var bytes = RentBytes(path, out var length);
        try
        {
            return Encoding.UTF8.GetString(WithoutPreamble(bytes.AsSpan(0, length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <inheritdoc cref="IPooledTextReader.RentText"/>
    char[] IPooledTextReader.RentText(string path, out int length)
    {
        var bytes = RentBytes(path, out var byteCount);
        try
        {
            var content = WithoutPreamble(bytes.AsSpan(0, byteCount));
            var text = ArrayPool<char>.Shared.Rent(Math.Max(1, Encoding.UTF8.GetMaxCharCount(content.Length)));
            length = Encoding.UTF8.GetChars(content, text);
            return text;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>The whole file in a buffer rented from the shared pool (the caller returns it).</summary>
    private static byte[] RentBytes(string path, out int length)
    {
        using var handle = File.OpenHandle(path);
        var size = RandomAccess.GetLength(handle);
        if (size is 0 or > int.MaxValue)
        {
            // Empty, too large for one buffer, or a special file that does not know its size: read it as a stream.
            var all = File.ReadAllBytes(path);
            var copy = ArrayPool<byte>.Shared.Rent(Math.Max(1, all.Length));
            all.CopyTo(copy, 0);
            length = all.Length;
            return copy;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)size);
        var read = 0;
        for (int n; read < buffer.Length && (n = RandomAccess.Read(handle, buffer.AsSpan(read), read)) > 0;)
        {
            read += n;
        }

        length = read;
        return buffer;
    }

    private static ReadOnlySpan<byte> WithoutPreamble(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(Encoding.UTF8.Preamble) ? bytes[Encoding.UTF8.Preamble.Length..] : bytes;
}

/// <summary>
/// A file system that can lend a file's text in a pooled buffer: the text of a large configuration is only needed
/// while its lines are read, and as a string it would be a new large-object allocation on every load and reload.
/// </summary>
internal interface IPooledTextReader
{
    /// <summary>The decoded text (as <see cref="IConfigFileSystem.ReadAllText"/>) in the first
    /// <paramref name="length"/> characters of a buffer rented from <see cref="ArrayPool{T}.Shared"/>, which the caller
    /// returns. Throws as ReadAllText does.</summary>
    char[] RentText(string path, out int length);
}
