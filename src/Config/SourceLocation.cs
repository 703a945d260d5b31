namespace Kad.Config;

/// <summary>A line in a configuration file. Lines produced by a macro or ~SEQ/~LST expansion carry the line that
/// referenced them, which is where keepalived reports them too.</summary>
public readonly record struct SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}
