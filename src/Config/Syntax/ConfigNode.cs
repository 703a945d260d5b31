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
}

/// <summary>The whole configuration as a tree, before it means anything.</summary>
public sealed record ConfigDocument(ImmutableArray<ConfigNode> Nodes, ImmutableArray<string> Files);
