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
public sealed class PhysicalConfigFileSystem : IConfigFileSystem
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
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        if (length is 0 or > int.MaxValue)
        {
            // Nothing to pool: empty, too large for one buffer, or a special file that does not know its size.
            return Decode(File.ReadAllBytes(path));
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var read = 0;
            for (int n; read < buffer.Length && (n = RandomAccess.Read(handle, buffer.AsSpan(read), read)) > 0;)
            {
                read += n;
            }

            return Decode(buffer.AsSpan(0, read));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes.StartsWith(Encoding.UTF8.Preamble) ? bytes[Encoding.UTF8.Preamble.Length..] : bytes);
}
