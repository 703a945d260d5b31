using Kad.Config.Syntax;

namespace Kad.Config.Tests;

/// <summary>An in-memory <see cref="IConfigFileSystem"/>: absolute paths to contents; directories are implied.</summary>
internal sealed class MemoryFileSystem : IConfigFileSystem
{
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _executables = new(StringComparer.Ordinal);

    public MemoryFileSystem Add(string path, string text, bool executable = false)
    {
        _files[path] = text;
        if (executable)
        {
            _executables.Add(path);
        }

        return this;
    }

    public IEnumerable<(string Name, bool IsDirectory)> List(string directory)
    {
        var prefix = directory.TrimEnd('/') + "/";
        return _files.Keys
            .Where(p => p.StartsWith(prefix, StringComparison.Ordinal))
            .Select(p => p[prefix.Length..])
            .Select(rest => rest.Contains('/', StringComparison.Ordinal) ? (rest[..rest.IndexOf('/', StringComparison.Ordinal)], true) : (rest, false))
            .Distinct()
            .ToList();
    }

    public bool FileExists(string path) => _files.ContainsKey(Normalize(path));

    public bool DirectoryExists(string path)
    {
        var prefix = Normalize(path).TrimEnd('/') + "/";
        return _files.Keys.Any(p => p.StartsWith(prefix, StringComparison.Ordinal));
    }

    public bool IsExecutable(string path) => _executables.Contains(Normalize(path));

    public string ReadAllText(string path) =>
        _files.TryGetValue(Normalize(path), out var text) ? text : throw new FileNotFoundException(path);

    private static string Normalize(string path) => Path.GetFullPath(path);
}
