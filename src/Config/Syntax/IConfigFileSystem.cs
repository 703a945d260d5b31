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

    /// <summary>UTF-8, a byte order mark dropped; decoded in one step (File.ReadAllText builds the text in pieces and
    /// copies it, which doubles what a large file costs).</summary>
    public string ReadAllText(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var bom = Encoding.UTF8.Preamble;
        return Encoding.UTF8.GetString(bytes.AsSpan().StartsWith(bom) ? bytes.AsSpan(bom.Length) : bytes);
    }
}
