using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Kad.Config.Keywords;

namespace Kad.Config.Syntax;

/// <summary>
/// Builds the <see cref="ConfigNode"/> tree from preprocessed lines. As in keepalived, whether a keyword opens a
/// block is a property of the keyword (<see cref="KeywordSchema"/>), so "global_defs" followed by a '{' on the next
/// line works, and a keyword keepalived does not know in that block is an error. Recovery differs on purpose: an
/// unknown keyword's or a leaf's stray "{...}" is skipped whole, where keepalived would let its '}' close the
/// enclosing block and report every line after it.
/// </summary>
internal sealed class SyntaxParser
{
    private readonly LineList _lines;
    private readonly KeywordSchema _schema;
    private readonly DiagnosticBag _diagnostics;
    private readonly StringPool _pool;

    /// <summary>The nodes of every open block, innermost last: one list for the whole tree, so a block costs one
    /// array (its children) however many lines it has.</summary>
    private readonly List<ConfigNode> _open = [];

    /// <summary>The words of each distinct line text already split (texts come pooled from the preprocessor, so
    /// a repeated line is split once).</summary>
    private readonly Dictionary<string, ImmutableArray<string>> _wordsOf = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _words = [];
    private int _position;

    /// <summary>
    /// One step of the top level: the logical lines it took ([<see cref="FirstLine"/>, <see cref="EndLine"/>)), the
    /// findings it reported ([<see cref="FirstDiagnostic"/>, <see cref="EndDiagnostic"/>) of the bag) and whether
    /// it made a node (the next of <see cref="Parse"/>'s result). An incremental load uses them to replace one block.
    /// </summary>
    internal readonly record struct TopLevelStep(int FirstLine, int EndLine, int FirstDiagnostic, int EndDiagnostic, bool MadeNode);

    /// <summary>Set to a list to have <see cref="Parse"/> record each top-level step in it.</summary>
    internal List<TopLevelStep>? TopLevelSteps { get; init; }

    /// <summary>
    /// Whether a block (or a skipped one) was still open when the lines ran out: what followed the lines, had there
    /// been more, would then have been read into it.
    /// </summary>
    internal bool RanOut { get; private set; }

    public SyntaxParser(LineList lines, KeywordSchema schema, DiagnosticBag diagnostics, StringPool? pool = null)
    {
        _lines = lines;
        _schema = schema;
        _diagnostics = diagnostics;
        _pool = pool ?? new StringPool();
    }

    public ImmutableArray<ConfigNode> Parse()
    {
        var start = _open.Count;
        while (_position < _lines.Count)
        {
            var first = _position;
            var found = _diagnostics.Items.Count;
            var nodes = _open.Count;
            var line = _lines[_position++];
            if (line.IsCloseBrace)
            {
                _diagnostics.Error(DiagnosticCodes.Syntax, line.Location, "extra '}'");
            }
            else
            {
                ParseLine(line, _schema.TopLevel, null);
            }

            TopLevelSteps?.Add(new TopLevelStep(first, _position, found, _diagnostics.Items.Count, _open.Count > nodes));
        }

        return Close(start);
    }

    /// <summary>The nodes added since <paramref name="start"/>, removed from the open list.</summary>
    private ImmutableArray<ConfigNode> Close(int start)
    {
        if (start == _open.Count)
        {
            return [];
        }

        var nodes = ImmutableArray.Create<ConfigNode>(CollectionsMarshal.AsSpan(_open)[start..]);
        _open.RemoveRange(start, _open.Count - start);
        return nodes;
    }

    /// <summary>Keywords until the '}' that closes <paramref name="parent"/> (consumed) or the end of input.</summary>
    private ImmutableArray<ConfigNode> ParseBlock(KeywordSpec parent, SourceLocation opened)
    {
        var start = _open.Count;
        while (_position < _lines.Count)
        {
            var line = _lines[_position++];
            if (line.IsCloseBrace)
            {
                return Close(start);
            }

            ParseLine(line, parent.Children, parent);
        }

        RanOut = true;
        _diagnostics.Error(DiagnosticCodes.Syntax, opened, $"'{parent.Name}' block is not closed: missing '}}'");
        return Close(start);
    }

    private void ParseLine(LogicalLine line, FrozenDictionary<string, KeywordSpec> allowed, KeywordSpec? parent)
    {
        if (line.IsOpenBrace)
        {
            _diagnostics.Error(DiagnosticCodes.Syntax, line.Location, "unexpected '{'");
            SkipBlockContents();
            return;
        }

        var words = Split(line);
        if (words.Length == 0)
        {
            return;
        }

        if (!allowed.TryGetValue(words[0], out var spec))
        {
            var where = parent is null ? "at the top level" : $"in '{parent.Name}'";
            _diagnostics.Error(DiagnosticCodes.UnknownKeyword, line.Location, $"unknown keyword '{words[0]}' {where}", words[0]);
            SkipBlockIfAny();
            return;
        }

        if (spec.Support == KeywordSupport.Ignored)
        {
            var alias = spec.AliasOf is null ? "" : $" ({spec.AliasOf})";
            _diagnostics.Warning(DiagnosticCodes.Unsupported, line.Location, $"'{spec.Name}'{alias} is not supported by kad and is ignored: {spec.Reason}", spec.Name);
        }

        var children = ImmutableArray<ConfigNode>.Empty;
        if (spec.Kind == KeywordKind.Leaf)
        {
            if (NextIsOpenBrace())
            {
                _diagnostics.Error(DiagnosticCodes.Syntax, _lines[_position].Location, $"'{spec.Name}' takes no block");
                _position++;
                SkipBlockContents();
            }
        }
        else
        {
            if (NextIsOpenBrace())
            {
                _position++;
            }
            else
            {
                // keepalived reads the following lines as the block anyway.
                _diagnostics.Error(DiagnosticCodes.Syntax, line.Location, $"missing '{{' after '{spec.Name}'");
            }

            children = spec.Kind == KeywordKind.Block ? ParseBlock(spec, line.Location) : ParseValueBlock(spec, line.Location);
        }

        _open.Add(new ConfigNode(spec.CanonicalName, words, line.Text, line.Location, children) { IsExpanded = line.IsExpanded });
    }

    /// <summary>Free-form lines until the closing '}'.</summary>
    private ImmutableArray<ConfigNode> ParseValueBlock(KeywordSpec parent, SourceLocation opened)
    {
        var start = _open.Count;
        while (_position < _lines.Count)
        {
            var line = _lines[_position++];
            if (line.IsCloseBrace)
            {
                return Close(start);
            }

            if (line.IsOpenBrace)
            {
                _diagnostics.Error(DiagnosticCodes.Syntax, line.Location, $"unexpected '{{' inside '{parent.Name}'");
                SkipBlockContents();
                continue;
            }

            var words = Split(line);
            if (words.Length > 0)
            {
                _open.Add(new ConfigNode(words[0], words, line.Text, line.Location, []) { IsExpanded = line.IsExpanded });
            }
        }

        RanOut = true;
        _diagnostics.Error(DiagnosticCodes.Syntax, opened, $"'{parent.Name}' block is not closed: missing '}}'");
        return Close(start);
    }

    private ImmutableArray<string> Split(LogicalLine line)
    {
        if (_wordsOf.TryGetValue(line.Text, out var known))
        {
            return known;
        }

        _words.Clear();
        Tokenizer.SplitWords(line.Text, _words, _pool, out var unmatched);
        var words = ImmutableArray.Create<string>(CollectionsMarshal.AsSpan(_words));
        if (unmatched)
        {
            // Not remembered: each occurrence is reported.
            var quote = line.IsExpanded ? line.Location : line.Location.AtOffset(Tokenizer.WordOffset(line.Text, _words.Count));
            _diagnostics.Error(DiagnosticCodes.Syntax, quote, $"unmatched quote in '{line.Text}'");
        }
        else
        {
            _wordsOf[line.Text] = words;
        }

        return words;
    }

    private bool NextIsOpenBrace() => _position < _lines.Count && _lines[_position].IsOpenBrace;

    private void SkipBlockIfAny()
    {
        if (NextIsOpenBrace())
        {
            _position++;
            SkipBlockContents();
        }
    }

    /// <summary>Skips to just after the '}' matching an already consumed '{'.</summary>
    private void SkipBlockContents()
    {
        var depth = 1;
        while (_position < _lines.Count && depth > 0)
        {
            var line = _lines[_position++];
            if (line.IsOpenBrace)
            {
                depth++;
            }
            else if (line.IsCloseBrace)
            {
                depth--;
            }
        }

        RanOut |= depth > 0;
    }
}
