using System.Collections.Immutable;

namespace Kad.Config.Syntax;

/// <summary>
/// A keyword line and, when the keyword opens a block, what is inside; or one line of a value block
/// (virtual_ipaddress, unicast_peer...), whose first word is data rather than a keyword.
/// </summary>
public sealed record ConfigNode(
    string Keyword,
    ImmutableArray<string> Words,
    string Text,
    SourceLocation Location,
    ImmutableArray<ConfigNode> Children)
{
    /// <summary>The first word as written (differs from <see cref="Keyword"/> for an alias such as lb_algo).</summary>
    public string WrittenKeyword => Words[0];

    /// <summary>The line came from a $NAME or ~SEQ/~LST expansion (see <see cref="LogicalLine.IsExpanded"/>).</summary>
    public bool IsExpanded { get; init; }

    /// <summary>
    /// Where word <paramref name="index"/> (0 = the keyword) starts. An expanded line has no columns of its own:
    /// every word is placed where the line using the expansion starts.
    /// </summary>
    public SourceLocation LocationOf(int index)
    {
        if (IsExpanded || index == 0)
        {
            return Location;
        }

        var offset = Tokenizer.WordOffset(Text, index);
        return offset < 0 ? Location : Location.AtOffset(offset);
    }

    /// <summary>
    /// Where <paramref name="text"/> starts: a word of the line (the same string first, else an equal one) or a part
    /// of one (a prefix length after '/'); the line's start when it is none of these.
    /// </summary>
    public SourceLocation LocationOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var index = Words.IndexOf(text, ReferenceEqualityComparer.Instance);
        if (index < 0)
        {
            index = Words.IndexOf(text, StringComparer.Ordinal);
        }

        if (index >= 0)
        {
            return LocationOf(index);
        }

        for (var i = 0; i < Words.Length && !IsExpanded && text.Length > 0; i++)
        {
            var inner = Words[i].IndexOf(text, StringComparison.Ordinal);
            var at = inner < 0 ? -1 : Tokenizer.WordOffset(Text, i);
            if (at >= 0)
            {
                // A quoted word's text starts after its quote.
                return Location.AtOffset(at + (Text[at] == '"' ? 1 : 0) + inner);
            }
        }

        return Location;
    }
}

/// <summary>The whole configuration as a tree, before it means anything.</summary>
public sealed record ConfigDocument(ImmutableArray<ConfigNode> Nodes, ImmutableArray<string> Files);
