using System.Collections.Immutable;
using System.Text;
using Kad.Config.Binding;
using Kad.Config.Syntax;
using Kad.Config.Validation;

namespace Kad.Config;

/// <summary>
/// Loads one configuration file again and again, as the daemon does at start and on each reload, doing work in
/// proportion to what changed when it can. It keeps the last load's content (its UTF-8 bytes), result and an index
/// of its top-level <c>virtual_server</c> blocks. When the new content differs from the last only inside one such
/// block, and neither needs the preprocessor's context (no include, '$', '@' or '~': see
/// <see cref="Preprocessor.IsPlainText"/>), and the edit keeps the number of lines (so every other element keeps its
/// line numbers), only that block is decoded, read, parsed and bound; the new entry replaces the old one in the last
/// model, every other entry stays the very same object, and the model is validated again (the checks across virtual
/// servers and the rest in full; each unchanged virtual server's own findings are those of the last load). The rest
/// of the file is only compared byte by byte, never decoded or split into lines. Anything else is an ordinary full
/// load. Either way the result equals what <see cref="KeepalivedConfigLoader.LoadText(string, string, ConfigLoadOptions?)"/>
/// gives for the text, findings and their places included.
/// Not thread-safe: one caller at a time (the daemon's loads are serialised).
/// </summary>
public sealed class IncrementalConfigLoader
{
    /// <summary>Decodes as the daemon always has: invalid sequences become U+FFFD.</summary>
    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Encodes text for comparison; text no UTF-8 file could hold (a lone surrogate) throws.</summary>
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private Snapshot? _last;

    /// <summary>How the last load went: "full" or "incremental", with why or what, for the log.</summary>
    public string LastLoad { get; private set; } = "none";

    /// <summary>Whether the last load read only the changed block (or nothing, for the same content).</summary>
    public bool LastWasIncremental { get; private set; }

    /// <summary>Loads <paramref name="text"/> (the content of <paramref name="fileName"/>), reusing the last load where it can.</summary>
    public ConfigLoadResult LoadText(string text, string fileName, ConfigLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ReadOnlyMemory<byte>? content;
        try
        {
            content = Strict.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            content = null;
        }

        return Load(content, text, fileName, options ?? new ConfigLoadOptions());
    }

    /// <summary>
    /// Loads the bytes of <paramref name="fileName"/> (UTF-8; a byte order mark is skipped, invalid sequences read as
    /// U+FFFD), reusing the last load where it can: then only the changed block is decoded. The bytes are kept for
    /// the next load's comparison and must not change afterwards.
    /// </summary>
    public ConfigLoadResult LoadUtf8(ReadOnlyMemory<byte> content, string fileName, ConfigLoadOptions? options = null)
    {
        if (content.Span.StartsWith(Encoding.UTF8.Preamble))
        {
            content = content[Encoding.UTF8.Preamble.Length..];
        }

        return Load(content, text: null, fileName, options ?? new ConfigLoadOptions());
    }

    /// <summary>The load of <paramref name="content"/> (null: text that has no UTF-8 form, never reused); <paramref name="text"/> is its decoded form when the caller has it.</summary>
    private ConfigLoadResult Load(ReadOnlyMemory<byte>? content, string? text, string fileName, ConfigLoadOptions options)
    {
        var last = _last;
        if (last is not null && last.FileName == fileName && last.Options == options && content is { } now && last.Content is { } before)
        {
            if (before.Span.SequenceEqual(now.Span))
            {
                // A reload of an unchanged file: the same result, the same objects.
                Record(last, incremental: true, "incremental: content unchanged");
                return last.Result;
            }

            if (TryReplaceBlock(last, now, out var next, out var why))
            {
                Record(next, incremental: true, why);
                return next.Result;
            }

            return Full(content, text, fileName, options, why);
        }

        var reason = last is null ? "first load"
            : last.FileName != fileName || last.Options != options ? "file name or options changed"
            : "the text has no UTF-8 form";
        return Full(content, text, fileName, options, reason);
    }

    private ConfigLoadResult Full(ReadOnlyMemory<byte>? content, string? text, string fileName, ConfigLoadOptions options, string why)
    {
        text ??= Lenient.GetString(content!.Value.Span);
        var snapshot = Snapshot.Load(content, text, fileName, options);
        Record(snapshot, incremental: false, "full: " + why);
        return snapshot.Result;
    }

    private void Record(Snapshot snapshot, bool incremental, string how)
    {
        _last = snapshot;
        LastWasIncremental = incremental;
        LastLoad = how;
    }

    /// <summary>The load of <paramref name="content"/> from <paramref name="last"/> with one block read again; false (and why) when that is not possible.</summary>
    private static bool TryReplaceBlock(Snapshot last, ReadOnlyMemory<byte> content, out Snapshot next, out string why)
    {
        next = last;
        if (last.Blocks.IsDefault)
        {
            why = last.NotIndexed;
            return false;
        }

        // The edit: old = P + X + S, new = P + Y + S (as bytes). Lines wholly in P or S are the same lines in both, at
        // the same numbers when X and Y hold as many line breaks. A line break is one byte in UTF-8 and never part of
        // another character's sequence, so whole lines decode alike on their own and within the whole file.
        var old = last.Content!.Value.Span;
        var now = content.Span;
        var prefix = old.CommonPrefixLength(now);
        var suffix = CommonSuffixLength(old[prefix..], now[prefix..]);
        var removed = old[prefix..^suffix];
        var added = now[prefix..^suffix];
        if (removed.Count((byte)'\n') != added.Count((byte)'\n'))
        {
            why = "the edit adds or removes lines";
            return false;
        }

        // The edit must lie within one indexed block: from the start of its first line to the end of its last.
        var index = BlockAt(last.Blocks, prefix);
        if (index < 0 || old.Length - suffix > last.Blocks[index].End)
        {
            why = "the edit is not inside one virtual_server block";
            return false;
        }

        var block = last.Blocks[index];
        var lengthChange = now.Length - old.Length;
        var blockText = Lenient.GetString(now[block.Start..(block.End + lengthChange)]);
        if (!Preprocessor.IsPlainText(blockText))
        {
            why = "the edited block uses the preprocessor";
            return false;
        }

        var options = last.Options;
        var diagnostics = new DiagnosticBag();
        var pool = new StringPool();
        var lines = new Preprocessor(options.FileSystem, options.ConfigId, options.RandomSeed, diagnostics, pool, options.Limits)
            .ReadText(blockText, last.FileName, block.FirstLine);
        var logicalLines = last.LogicalLines - block.LogicalLines + lines.Count;
        if (diagnostics.Items.Count > 0 || logicalLines > options.Limits.MaxOutputLines)
        {
            why = "the edited block has preprocessor findings";
            return false;
        }

        var steps = new List<SyntaxParser.TopLevelStep>();
        var parser = new SyntaxParser(lines, options.Schema, diagnostics, pool) { TopLevelSteps = steps };
        var nodes = parser.Parse();
        if (parser.RanOut || steps is not [{ MadeNode: true } step] || step.EndLine != lines.Count || nodes[0].Keyword != "virtual_server")
        {
            // Read on its own, the text is not one closed virtual_server block: in the whole file it would take
            // lines before or after it, or be several blocks.
            why = "the edited block is no longer one closed virtual_server block";
            return false;
        }

        var parsed = diagnostics.Items.Count;
        if (ConfigBinder.BindTopLevelVirtualServer(nodes[0], new BindContext(diagnostics)) is not { } server)
        {
            why = "the edited virtual_server has no usable address";
            return false;
        }

        var parseFindings = Splice(last.ParseDiagnostics, block.Parse, diagnostics.Items.Take(parsed));
        var bindFindings = Splice(last.BindDiagnostics, block.Bind, diagnostics.Items.Skip(parsed));
        var config = last.Result.Config with { VirtualServers = new(last.Result.Config.VirtualServers.AsImmutableArray().SetItem(block.VirtualServer, server)) };
        var document = last.Result.Document with { Nodes = last.Result.Document.Nodes.SetItem(block.Node, nodes[0]) };
        var validation = new DiagnosticBag();
        var serverFindings = new List<ImmutableArray<ConfigDiagnostic>>(last.ServerFindings);
        ConfigValidator.Validate(config, validation, serverFindings, unchanged: i => i != block.VirtualServer);

        var replaced = block with
        {
            End = block.End + lengthChange,
            LogicalLines = lines.Count,
            Parse = new(block.Parse.Start, block.Parse.Start + parsed),
            Bind = new(block.Bind.Start, block.Bind.Start + diagnostics.Items.Count - parsed),
        };
        var blocks = Reindex(last.Blocks, index, replaced, lengthChange, replaced.Parse.Length - block.Parse.Length, replaced.Bind.Length - block.Bind.Length);
        var result = new ConfigLoadResult(config, document, [.. parseFindings, .. bindFindings, .. validation.Items]);
        next = last with
        {
            Content = content,
            Result = result,
            ParseDiagnostics = parseFindings,
            BindDiagnostics = bindFindings,
            LogicalLines = logicalLines,
            Blocks = blocks,
            ServerFindings = serverFindings,
        };
        why = $"incremental: {server.Target} (lines {block.FirstLine}-{block.LastLine}) read again";
        return true;
    }

    /// <summary>The block whose text holds <paramref name="position"/>; -1 when none does.</summary>
    private static int BlockAt(ImmutableArray<IndexedBlock> blocks, int position)
    {
        int low = 0, high = blocks.Length - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (blocks[middle].End < position)
            {
                low = middle + 1;
            }
            else if (blocks[middle].Start > position)
            {
                high = middle - 1;
            }
            else
            {
                return middle;
            }
        }

        return -1;
    }

    /// <summary>How many bytes <paramref name="a"/> and <paramref name="b"/> end with alike: whole chunks first (a vectorized comparison), then one by one.</summary>
    private static int CommonSuffixLength(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        const int Chunk = 256;
        var length = Math.Min(a.Length, b.Length);
        var same = 0;
        while (same + Chunk <= length && a[^(same + Chunk)..^same].SequenceEqual(b[^(same + Chunk)..^same]))
        {
            same += Chunk;
        }

        while (same < length && a[^(same + 1)] == b[^(same + 1)])
        {
            same++;
        }

        return same;
    }

    private static ImmutableArray<ConfigDiagnostic> Splice(ImmutableArray<ConfigDiagnostic> all, Span range, IEnumerable<ConfigDiagnostic> replacement)
    {
        if (range.Length == 0 && !replacement.Any())
        {
            return all;
        }

        var builder = ImmutableArray.CreateBuilder<ConfigDiagnostic>();
        builder.AddRange(all.AsSpan(0, range.Start));
        builder.AddRange(replacement);
        builder.AddRange(all.AsSpan(range.End, all.Length - range.End));
        return builder.ToImmutable();
    }

    /// <summary>The index with <paramref name="replaced"/> at <paramref name="index"/> and the text and findings of the blocks after it moved along.</summary>
    private static ImmutableArray<IndexedBlock> Reindex(ImmutableArray<IndexedBlock> blocks, int index, IndexedBlock replaced, int textShift, int parseShift, int bindShift)
    {
        var builder = blocks.ToBuilder();
        builder[index] = replaced;
        if (textShift != 0 || parseShift != 0 || bindShift != 0)
        {
            for (var i = index + 1; i < builder.Count; i++)
            {
                var b = builder[i];
                builder[i] = b with { Start = b.Start + textShift, End = b.End + textShift, Parse = b.Parse.Shift(parseShift), Bind = b.Bind.Shift(bindShift) };
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>A range [Start, End) of a findings list.</summary>
    private readonly record struct Span(int Start, int End)
    {
        public int Length => End - Start;

        public Span Shift(int by) => new(Start + by, End + by);
    }

    /// <summary>
    /// A top-level virtual_server block of the last load: its source lines (no other element shares them) and where
    /// they are in the content, in bytes ([<see cref="Start"/>, <see cref="End"/>], the end being the last line's line
    /// break or the end of the content), the node and model entry it made, how many logical lines it read as, and its findings
    /// in the parse and bind lists.
    /// </summary>
    private readonly record struct IndexedBlock(int FirstLine, int LastLine, int Start, int End, int Node, int VirtualServer, int LogicalLines, Span Parse, Span Bind);

    /// <summary>
    /// A load, with what replacing one of its blocks needs. <see cref="Blocks"/> is default when the content cannot be
    /// loaded incrementally; <see cref="Content"/> is null for text without a UTF-8 form (never compared).
    /// </summary>
    private sealed record Snapshot(
        ReadOnlyMemory<byte>? Content,
        string FileName,
        ConfigLoadOptions Options,
        ConfigLoadResult Result,
        ImmutableArray<ConfigDiagnostic> ParseDiagnostics,
        ImmutableArray<ConfigDiagnostic> BindDiagnostics,
        int LogicalLines,
        ImmutableArray<IndexedBlock> Blocks,
        string NotIndexed,
        List<ImmutableArray<ConfigDiagnostic>> ServerFindings)
    {
        /// <summary>The full load of <see cref="KeepalivedConfigLoader"/>, stage by stage, noting where each block's part is.</summary>
        public static Snapshot Load(ReadOnlyMemory<byte>? content, string text, string fileName, ConfigLoadOptions options)
        {
            var trace = new LoadTrace();
            var result = KeepalivedConfigLoader.LoadText(text, fileName, options, trace);
            var all = result.Diagnostics;
            var parseFindings = all[trace.Preprocessed..trace.Parsed];
            var bindFindings = all[trace.Parsed..trace.BoundEnd];
            var why = content is null ? "the text has no UTF-8 form"
                : trace.Preprocessed > 0 ? "the last load had preprocessor findings"
                : text.Count('\n') + 1 > options.Limits.MaxSteps ? "the file is too long"
                : !Preprocessor.IsPlainText(text) ? "the file uses the preprocessor (include, $, @ or ~)"
                : null;
            var blocks = why is null ? Index(trace, result.Document.Nodes, content!.Value.Span) : default;
            return new Snapshot(content, fileName, options, result, parseFindings, bindFindings, trace.Lines.Count, blocks, why ?? "", trace.ServerFindings);
        }

        /// <summary>The virtual_server blocks that stand on lines of their own and made a model entry.</summary>
        private static ImmutableArray<IndexedBlock> Index(LoadTrace trace, ImmutableArray<ConfigNode> nodes, ReadOnlySpan<byte> content)
        {
            var lines = trace.Lines;
            var lineStarts = new List<int> { 0, 0 };
            for (var at = content.IndexOf((byte)'\n'); at >= 0;)
            {
                lineStarts.Add(at + 1);
                var next = content[(at + 1)..].IndexOf((byte)'\n');
                at = next < 0 ? -1 : at + 1 + next;
            }

            // The line break ending line n, or the end of the content for the last line.
            var length = content.Length;
            int EndOf(int line) => line + 1 < lineStarts.Count ? lineStarts[line + 1] - 1 : length;
            var blocks = ImmutableArray.CreateBuilder<IndexedBlock>();
            var node = 0;
            foreach (var step in trace.Steps)
            {
                if (!step.MadeNode)
                {
                    continue;
                }

                var binding = trace.Bound[node];
                var firstLine = lines[step.FirstLine].Location.Line;
                var lastLine = lines[step.EndLine - 1].Location.Line;
                var ownLines = (step.FirstLine == 0 || lines[step.FirstLine - 1].Location.Line < firstLine)
                    && (step.EndLine == lines.Count || lines[step.EndLine].Location.Line > lastLine);
                if (nodes[node].Keyword == "virtual_server" && binding.VirtualServer >= 0 && ownLines)
                {
                    blocks.Add(new IndexedBlock(
                        firstLine,
                        lastLine,
                        lineStarts[firstLine],
                        EndOf(lastLine),
                        node,
                        binding.VirtualServer,
                        step.EndLine - step.FirstLine,
                        new Span(step.FirstDiagnostic - trace.Preprocessed, step.EndDiagnostic - trace.Preprocessed),
                        new Span(binding.FirstDiagnostic - trace.Parsed, binding.EndDiagnostic - trace.Parsed)));
                }

                node++;
            }

            return blocks.ToImmutable();
        }
    }
}
