namespace Kad.Config.Syntax;

/// <summary>
/// One string per distinct text for the duration of one load. Generated configurations repeat the same lines and
/// words thousands of times ("weight 1", "connect_timeout 3"); sharing them keeps the syntax tree small, and the
/// garbage collector, which otherwise dominates a large load, has far less to trace.
/// </summary>
internal sealed class StringPool
{
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The pooled string equal to <paramref name="text"/>, allocating only the first time it is seen.</summary>
    public string Get(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return "";
        }

        if (_lookup.TryGetValue(text, out var pooled))
        {
            return pooled;
        }

        var created = text.ToString();
        _strings.Add(created);
        return created;
    }
}
