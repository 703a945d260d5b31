namespace Kad.Config;

/// <summary>A line in a configuration file. Lines produced by a macro or ~SEQ/~LST expansion carry the line that
/// referenced them, which is where keepalived reports them too.</summary>
public readonly record struct SourceLocation(string File, int Line)
{
    /// <summary>No place: an element that was not written (an absent global_defs).</summary>
    public static SourceLocation None { get; } = new("", 0);

    public override string ToString() => Line == 0 ? File : $"{File}:{Line}";
}
