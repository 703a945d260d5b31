using System.Collections.Frozen;
using System.Collections.Immutable;
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
    private readonly IReadOnlyList<LogicalLine> _lines;
    private readonly KeywordSchema _schema;
    private readonly DiagnosticBag _diagnostics;
    private int _position;

    public SyntaxParser(IReadOnlyList<LogicalLine> lines, KeywordSchema schema, DiagnosticBag diagnostics)
    {
        _lines = lines;
        _schema = schema;
        _diagnostics = diagnostics;
    }

    public ImmutableArray<ConfigNode> Parse()
    {
        var nodes = ImmutableArray.CreateBuilder<ConfigNode>();
        while (_position < _lines.Count)
        {
            var line = _lines[_position++];
            if (line.IsCloseBrace)
            {
                _diagnostics.Error(DiagnosticCodes.Syntax, line.Location, "extra '}'");
                continue;
            }

            ParseLine(line, _schema.TopLevel, null, nodes);
        }

        return nodes.ToImmutable();
    }

    /// <summary>Keywords until the '}' that closes <paramref name="parent"/> (consumed) or the end of input.</summary>
    private ImmutableArray<ConfigNode> ParseBlock(KeywordSpec parent, SourceLocation opened)
    {
        var nodes = ImmutableArray.CreateBuilder<ConfigNode>();
        while (_position < _lines.Count)
        {
            var line = _lines[_position++];
            if (line.IsCloseBrace)
            {
                return nodes.ToImmutable();
            }

            ParseLine(line, parent.Children, parent, nodes);
        }

        _diagnostics.Error(DiagnosticCodes.Syntax, opened, $"'{parent.Name}' block is not closed: missing '}}'");
        return nodes.ToImmutable();
    }

    private void ParseLine(LogicalLine line, FrozenDictionary<string, KeywordSpec> allowed, KeywordSpec? parent, ImmutableArray<ConfigNode>.Builder into)
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

        into.Add(new ConfigNode(spec.CanonicalName, words, line.Text, line.Location, children));
    }

    /// <summary>Free-form lines until the closing '}'.</summary>
    private ImmutableArray<ConfigNode> ParseValueBlock(KeywordSpec parent, SourceLocation opened)
    {
        var nodes = ImmutableArray.CreateBuilder<ConfigNode>();
        while (_position < _lines.Count)
        {
            var line = _lines[_position++];
            if (line.IsCloseBrace)
            {
                return nodes.ToImmutable();
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
                nodes.Add(new ConfigNode(words[0], words, line.Text, line.Location, []));
            }
        }

        _diagnostics.Error(DiagnosticCodes.Syntax, opened, $"'{parent.Name}' block is not closed: missing '}}'");
        return nodes.ToImmutable();
    }

    private ImmutableArray<string> Split(LogicalLine line)
    {
        var words = Tokenizer.SplitWords(line.Text, out var unmatched);
        if (unmatched)
        {
            _diagnostics.Error(DiagnosticCodes.Syntax, line.Location, $"unmatched quote in '{line.Text}'");
        }

        return [.. words];
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
    }
}
