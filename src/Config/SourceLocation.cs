namespace Kad.Config;

/// <summary>A place in a configuration file: file, 1-based line and, when known, 1-based column (0 = unknown).
/// Lines produced by a macro or ~SEQ/~LST expansion carry the line that referenced them, which is where keepalived
/// reports them too.</summary>
public readonly record struct SourceLocation(string File, int Line)
{
    public SourceLocation(string file, int line, int column)
        : this(file, line) => Column = column;

    /// <summary>No place: an element that was not written (an absent global_defs).</summary>
    public static SourceLocation None { get; } = new("", 0);

    /// <summary>1-based column of the character the location points at (tabs count as one); 0 when unknown.</summary>
    public int Column { get; init; }

    /// <summary>The same place, <paramref name="offset"/> characters further along the line (unknown stays unknown).</summary>
    public SourceLocation AtOffset(int offset) => Column > 0 ? this with { Column = Column + offset } : this;

    /// <summary>"file:line", the form messages quote ("already defined at ..."); columns are for the finding prefix.</summary>
    public override string ToString() => Line == 0 ? File : $"{File}:{Line}";
}
