namespace Kad.Config;

public enum DiagnosticSeverity
{
    /// <summary>The configuration is usable; something in it has no effect or a questionable one.</summary>
    Warning,

    /// <summary>The configuration is not usable as written (keepalived -t would fail too, or kad cannot honour it).</summary>
    Error,
}

/// <summary>One finding about a configuration: what, where, and a stable code tests and tools can match on;
/// <c>Keyword</c> names the keyword it is about, when there is one, so a presenter can group findings.</summary>
public sealed record ConfigDiagnostic(DiagnosticSeverity Severity, string Code, string Message, SourceLocation? Location, string? Keyword = null)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>"file:line: error: message [code]", the shape compilers use, so editors can jump to it.</summary>
    public override string ToString()
    {
        var where = Location is { } l ? l + ": " : "";
        var severity = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        return $"{where}{severity}: {Message} [{Code}]";
    }
}

/// <summary>The stable codes of <see cref="ConfigDiagnostic"/>.</summary>
public static class DiagnosticCodes
{
    /// <summary>Braces, quotes and other structure.</summary>
    public const string Syntax = "syntax";

    /// <summary>@, $NAME=, ~SEQ, ~LST and parameter substitution.</summary>
    public const string Preprocessor = "preprocessor";

    /// <summary>include and its variants.</summary>
    public const string Include = "include";

    /// <summary>A word keepalived 2.2.7 does not know in that block.</summary>
    public const string UnknownKeyword = "unknown-keyword";

    /// <summary>A keepalived keyword that kad accepts and ignores (see docs/config-compatibility.md).</summary>
    public const string Unsupported = "unsupported";

    /// <summary>A missing, malformed or out-of-range value.</summary>
    public const string InvalidValue = "invalid-value";

    /// <summary>Two things with the same identity.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>A name that refers to nothing (track_script, sync group member, virtual server group...).</summary>
    public const string Reference = "reference";

    /// <summary>A combination of settings that cannot work or will not do what it seems to.</summary>
    public const string Semantic = "semantic";
}

/// <summary>Collects findings in order; nothing here throws on the first problem.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<ConfigDiagnostic> _items = [];

    public IReadOnlyList<ConfigDiagnostic> Items => _items;

    public void Error(string code, SourceLocation? location, string message, string? keyword = null) =>
        _items.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, code, message, location, keyword));

    public void Warning(string code, SourceLocation? location, string message, string? keyword = null) =>
        _items.Add(new ConfigDiagnostic(DiagnosticSeverity.Warning, code, message, location, keyword));

    /// <summary>Findings made before, again (an incremental load reuses those of what it did not read again).</summary>
    public void AddRange(IEnumerable<ConfigDiagnostic> found) => _items.AddRange(found);
}
