namespace Kad.Config;

/// <summary>
/// Renders findings as <c>FILE:LINE:COL: error|warning: message</c>, the shape compilers use so editors can jump to it.
/// The column is the one the finding carries (the offending word, brace or quote as the reader saw it). A finding
/// made without one (a location built by hand) is placed by reading the line back: at the keyword it names when that
/// appears on the line, else at the line's first word (1 when the file cannot be read back).
/// </summary>
public static class DiagnosticFormatter
{
    /// <summary>Writes every finding, one per line, reading a source file back (at most once) only for a finding
    /// that has no column.</summary>
    public static void Write(IEnumerable<ConfigDiagnostic> diagnostics, TextWriter output, Func<string, string?>? readFile = null)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(output);
        readFile ??= ReadPhysical;
        var files = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var diagnostic in diagnostics)
        {
            output.WriteLine(Format(diagnostic, (file, line) => LineOf(files, readFile, file, line)));
        }
    }

    /// <summary>One finding; <paramref name="lineText"/> gives the text of (file, 1-based line) or null.</summary>
    public static string Format(ConfigDiagnostic diagnostic, Func<string, int, string?>? lineText = null)
    {
        ArgumentNullException.ThrowIfNull(diagnostic);
        var severity = diagnostic.IsError ? "error" : "warning";
        if (diagnostic.Location is not { } location || location.File.Length == 0)
        {
            return $"{severity}: {diagnostic.Message}";
        }

        if (location.Line <= 0)
        {
            return $"{location.File}: {severity}: {diagnostic.Message}";
        }

        var column = location.Column > 0 ? location.Column : Column(lineText?.Invoke(location.File, location.Line), diagnostic.Keyword);
        return FormattableString.Invariant($"{location.File}:{location.Line}:{column}: {severity}: {diagnostic.Message}");
    }

    /// <summary>1-based column of <paramref name="keyword"/> as a whole word in the line, else of the first non-blank.</summary>
    internal static int Column(string? line, string? keyword)
    {
        if (line is null)
        {
            return 1;
        }

        if (!string.IsNullOrEmpty(keyword))
        {
            for (var at = line.IndexOf(keyword, StringComparison.Ordinal); at >= 0; at = line.IndexOf(keyword, at + 1, StringComparison.Ordinal))
            {
                var end = at + keyword.Length;
                if ((at == 0 || char.IsWhiteSpace(line[at - 1]) || line[at - 1] == '{') && (end == line.Length || char.IsWhiteSpace(line[end]) || line[end] == '{'))
                {
                    return at + 1;
                }
            }
        }

        for (var i = 0; i < line.Length; i++)
        {
            if (!char.IsWhiteSpace(line[i]))
            {
                return i + 1;
            }
        }

        return 1;
    }

    private static string? LineOf(Dictionary<string, string[]> files, Func<string, string?> readFile, string file, int line)
    {
        if (!files.TryGetValue(file, out var lines))
        {
            lines = readFile(file)?.Split('\n') ?? [];
            files[file] = lines;
        }

        return line <= lines.Length ? lines[line - 1].TrimEnd('\r') : null;
    }

    private static string? ReadPhysical(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }
}
