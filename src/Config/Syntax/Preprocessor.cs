using System.Buffers;
using System.Globalization;
using System.Text;

namespace Kad.Config.Syntax;

/// <summary>A line after preprocessing: comments gone, conditions applied, parameters substituted, sequences and
/// includes expanded, and every '{' and '}' on a line of its own.</summary>
public readonly record struct LogicalLine(string Text, SourceLocation Location)
{
    /// <summary>
    /// The text came from a $NAME or ~SEQ/~LST expansion: <see cref="Location"/> is where the line using it starts,
    /// and positions within the text are not positions in the file. Otherwise the location's column is that of the
    /// text's first character.
    /// </summary>
    public bool IsExpanded { get; init; }

    public bool IsOpenBrace => Text == "{";

    public bool IsCloseBrace => Text == "}";
}

/// <summary>
/// How much one load may read and expand: far beyond any real configuration (a file of 1,000 virtual servers takes
/// about 100,000 lines and steps), and what ends inputs that repeat themselves (a definition, ~SEQ or include cycle
/// that never grows the output, or grows it without end) with one clear error.
/// </summary>
internal sealed record PreprocessorLimits(int MaxOutputLines = 2_000_000, int MaxSteps = 5_000_000, int MaxFileReads = 10_000)
{
    public static PreprocessorLimits Default { get; } = new();
}

/// <summary>
/// keepalived's line reader (lib/parser.c read_line and friends), as keepalived 2.2.7 behaves and keepalived.conf(5)
/// documents it:
/// <list type="bullet">
/// <item>'#' and '!' start a comment anywhere outside double quotes; "\#" and "\!" are literal.</item>
/// <item>"@ID line" keeps the line only when ID is the config id; "@^ID line" only when it is not.</item>
/// <item>"$NAME=value" defines a parameter (a value ending in '\' continues on the following lines, up to a blank
/// line); "$NAME" followed by white space, ',', ')' or the end, and "${NAME}" anywhere, are replaced by the value,
/// recursively and at the time of use. Built in: ${_PWD}, ${_INSTANCE}, ${_RANDOM [MIN [MAX]]}, ${_HASH}, ${_BANG}.</item>
/// <item>"~SEQ(var, [start,] [step,] end) rest", "~SEQx(...)" and "~LST(var, v1, v2...)"/"~LST({a,b},{1,2}...)"
/// repeat the rest of the line with the variable set.</item>
/// <item>"include PATTERN" (and includer/includem/includew/includeb/includea) reads the files the glob pattern
/// matches, relative to the including file's directory, in place.</item>
/// </list>
/// Where keepalived 2.2.7 itself deviates from its manual (a ${_HASH} starting a comment, ${_RANDOM MIN MAX} leaving
/// junk, "$X=@id" then "$X line" garbling the line), this reader follows the manual; docs/config-compatibility.md
/// lists the differences.
/// </summary>
internal sealed class Preprocessor
{
    private const int MaxIncludeDepth = 32;
    private const int MaxExpansionDepth = 64;
    private const int MaxSubstitutionsPerLine = 10_000;
    private const string WhiteSpace = " \t\f\n\r\v";

    private readonly IConfigFileSystem _fs;
    private readonly string? _configId;
    private readonly DiagnosticBag _diagnostics;
    private readonly Random _random;
    private readonly Dictionary<string, Definition> _definitions = new(StringComparer.Ordinal);
    private readonly LineList _output = new();
    private readonly List<string> _files = [];
    private readonly Stack<string> _directories = new();
    private readonly StringPool _pool;
    private readonly PreprocessorLimits _limits;
    private int _fileReads;
    private IncludeChecks _includeChecks;

    /// <summary>The files being read, outermost first: including one of them again is a cycle.</summary>
    private readonly HashSet<string> _reading = new(StringComparer.Ordinal);
    private int _steps;

    /// <summary>Set once a limit has been reported: nothing more is read or expanded.</summary>
    private bool _stopped;

    public Preprocessor(IConfigFileSystem fs, string? configId, int? randomSeed, DiagnosticBag diagnostics, StringPool? pool = null, PreprocessorLimits? limits = null)
    {
        _fs = fs;
        _limits = limits ?? PreprocessorLimits.Default;
        _pool = pool ?? new StringPool();
        _configId = configId;
        _diagnostics = diagnostics;
        _random = randomSeed is { } seed ? new Random(seed) : new Random();
    }

    /// <summary>Every file read, in the order first opened (the main file first).</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>Reads the main file (and everything it includes).</summary>
    public LineList ReadMain(string path)
    {
        var full = Path.GetFullPath(path);
        if (!_fs.FileExists(full))
        {
            _diagnostics.Error(DiagnosticCodes.Include, null, $"configuration file '{path}' does not exist");
            return _output;
        }

        ReadFile(full, null);
        return _output;
    }

    /// <summary>
    /// Reads configuration text that is not on disk (tests, `check` on standard input, the daemon's reads).
    /// <paramref name="firstLine"/> is the line number of the text's first line: an incremental load reads one block
    /// of a file and its locations must be those of the whole file.
    /// </summary>
    public LineList ReadText(ReadOnlySpan<char> text, string fileName, int firstLine = 1)
    {
        var full = Path.GetFullPath(fileName);
        _files.Add(full);
        _directories.Push(Path.GetDirectoryName(full) ?? "/");
        _reading.Add(full);
        try
        {
            ReadLines(text, full, firstLine);
        }
        finally
        {
            _reading.Remove(full);
            _directories.Pop();
        }

        return _output;
    }

    private void ReadFile(string path, SourceLocation? includedFrom)
    {
        if (_reading.Contains(path))
        {
            // keepalived would read it again until its own nesting limit; each pass doubles with every repeat.
            _diagnostics.Error(DiagnosticCodes.Include, includedFrom, $"'{path}' is already being read: an include cycle; skipped");
            return;
        }

        if (++_fileReads > _limits.MaxFileReads)
        {
            Stop(includedFrom ?? SourceLocation.None, $"more than {_limits.MaxFileReads} configuration files read (includes that repeat themselves?); stopping");
            return;
        }

        // The text only lives while its lines are read: borrowed from the pool when the file system can lend it.
        char[]? rented = null;
        var text = "";
        var length = 0;
        try
        {
            if (_fs is IPooledTextReader pooled)
            {
                rented = pooled.RentText(path, out length);
            }
            else
            {
                text = _fs.ReadAllText(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _diagnostics.Error(DiagnosticCodes.Include, includedFrom, $"cannot read configuration file '{path}': {e.Message}");
            return;
        }

        if (!_files.Contains(path))
        {
            _files.Add(path);
        }

        _directories.Push(Path.GetDirectoryName(path) ?? "/");
        _reading.Add(path);
        var savedChecks = _includeChecks;
        try
        {
            ReadLines(rented is null ? text : rented.AsSpan(0, length), path);
        }
        finally
        {
            // include_check set inside a file lasts until the end of that file.
            _includeChecks = savedChecks;
            _reading.Remove(path);
            _directories.Pop();
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private void ReadLines(ReadOnlySpan<char> text, string path, int firstLine = 1)
    {
        Definition? collecting = null;
        var rest = text;
        for (var number = firstLine; !_stopped; number++)
        {
            var newline = rest.IndexOf('\n');
            var raw = (newline < 0 ? rest : rest[..newline]).TrimEnd('\r');
            rest = newline < 0 ? [] : rest[(newline + 1)..];
            if (collecting is not null)
            {
                // Continuation lines of a multi-line definition: a blank line ends it; comment-only lines are skipped.
                if (raw.Length == 0)
                {
                    EndDefinition(collecting);
                    collecting = null;
                }
                else
                {
                    var content = Decomment(raw, out var more, out _);
                    if (content.Length > 0)
                    {
                        if (more)
                        {
                            content = content[..^1].TrimEnd(" \t");
                        }

                        if (content.Length > 0)
                        {
                            collecting.Lines.Add(content.ToString());
                        }

                        if (!more)
                        {
                            EndDefinition(collecting);
                            collecting = null;
                        }
                    }
                }
            }
            else
            {
                var line = Decomment(raw, out _, out var column);
                var location = new SourceLocation(path, number, column);
                if (line.Length > 0 && Step(location))
                {
                    if (IsSimple(line))
                    {
                        // Most lines of a large configuration ("weight 1", "retry 3"): emitted as they are.
                        Emit(_pool.Get(line), location, expanded: false);
                    }
                    else if (IsPlain(line))
                    {
                        // Most lines: nothing to expand, so emitted straight from the file's text.
                        var after = EmitUpToBrace(line, location, expanded: false, out var afterOffset);
                        if (after is not null)
                        {
                            ProcessLine(after, location.AtOffset(afterOffset), 0, canStartMultiline: false, out _);
                        }
                    }
                    else
                    {
                        ProcessLine(line.ToString(), location, 0, canStartMultiline: true, out collecting);
                    }
                }
            }

            if (newline < 0)
            {
                break;
            }
        }

        if (collecting is not null)
        {
            EndDefinition(collecting);
        }
    }

    /// <summary>
    /// Whether every line of <paramref name="text"/> means the same wherever it stands: no condition ('@' or '~' at
    /// the start of a line or after a brace), no '$' anywhere (definition or parameter), no include or include_check.
    /// Lines of such text are read one by one with nothing carried between them, so one block of it can be read on
    /// its own and give the lines a read of the whole text gives there. Conservative: a '$' in a comment, or a '@'
    /// anywhere on a line with a brace, also makes text not plain.
    /// </summary>
    internal static bool IsPlainText(ReadOnlySpan<char> text)
    {
        if (text.IndexOf('$') >= 0)
        {
            return false;
        }

        foreach (var range in text.Split('\n'))
        {
            var line = text[range];
            var start = line.IndexOfAnyExcept(' ', '\t');
            if (start < 0)
            {
                continue;
            }

            line = line[start..];
            if (line[0] is '@' or '~' || line.StartsWith("include") ||
                (line.IndexOfAny('{', '}') >= 0 && (line.IndexOfAny('@', '~') >= 0 || line.IndexOf("include") >= 0)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a decommented line is one logical line exactly as it is: plain (<see cref="IsPlain"/>) and
    /// without a brace to split it at, so one scan decides it.</summary>
    private static bool IsSimple(ReadOnlySpan<char> line) =>
        line[0] is not ('@' or '~') && LineScan.IndexOfDollarOrBrace(line) < 0 && !line.StartsWith("include");

    /// <summary>Whether a decommented line is emitted as it is: no condition, definition, sequence, parameter or
    /// include in it (text after a brace is checked again when the brace is reached).</summary>
    private static bool IsPlain(ReadOnlySpan<char> line) =>
        line[0] is not ('@' or '$' or '~') && line.IndexOf('$') < 0 && !line.StartsWith("include");

    /// <summary>A multi-line definition that collected no text is an ordinary empty one (keepalived does the same).</summary>
    private static void EndDefinition(Definition definition) => definition.IsMultiline = definition.Lines.Count > 0;

    /// <summary>
    /// Removes the comment and the leading and trailing blanks; "\#" and "\!" outside quotes become '#' and '!'.
    /// (An unterminated quote is reported once, by the parser, when it splits the line into words.)
    /// <paramref name="continues"/> is set when the line ends with a lone backslash, which is kept (after removing
    /// blanks before it) for multi-line definitions to see. <paramref name="column"/> is the 1-based column of the
    /// first character kept. A line with no quote, backslash or comment is a slice of the input, not a copy.
    /// </summary>
    private static ReadOnlySpan<char> Decomment(ReadOnlySpan<char> line, out bool continues, out int column)
    {
        continues = false;
        var start = line.IndexOfAnyExcept(' ', '\t');
        if (start < 0)
        {
            column = 1;
            return [];
        }

        column = start + 1;
        line = line[start..];
        var special = LineScan.IndexOfCommentSpecial(line);
        if (special < 0)
        {
            return line.TrimEnd(" \t");
        }

        if (line[special] is '#' or '!')
        {
            return line[..special].TrimEnd(" \t");
        }

        var sb = new StringBuilder(line.Length);
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '\\')
            {
                if (i + 1 >= line.Length)
                {
                    continues = true;
                    break;
                }

                var next = line[i + 1];
                if (!quoted && next is '#' or '!')
                {
                    sb.Append(next);
                }
                else
                {
                    sb.Append(c).Append(next);
                }

                i++;
                continue;
            }
            else if (!quoted && c is '#' or '!')
            {
                break;
            }

            sb.Append(c);
        }

        var text = sb.ToString().TrimEnd(' ', '\t');
        return continues ? text + "\\" : text;
    }

    /// <summary>
    /// Applies conditions, definitions, sequences and substitution to one line, then includes or emits it.
    /// <paramref name="collecting"/> is set when the line starts a multi-line definition (only lines read from a
    /// file can: expanded lines have lost their trailing backslashes).
    /// </summary>
    private void ProcessLine(string line, SourceLocation location, int depth, bool canStartMultiline, out Definition? collecting)
    {
        // The text after a brace is processed again as a line of its own; a loop, not recursion, so a line of a
        // hundred thousand braces is just long.
        string? segment = line;
        collecting = null;
        while (segment is not null)
        {
            segment = ProcessSegment(segment, ref location, depth, canStartMultiline, out collecting);
            canStartMultiline = false;
        }
    }

    /// <summary>One line or the rest of one after a brace; returns what follows the first brace, if anything, with
    /// <paramref name="location"/> moved to where that starts.</summary>
    private string? ProcessSegment(string line, ref SourceLocation location, int depth, bool canStartMultiline, out Definition? collecting)
    {
        collecting = null;
        var expanded = depth > 0;
        if (_stopped)
        {
            return null;
        }

        if (depth > MaxExpansionDepth)
        {
            // A multi-line definition that uses itself: each level can multiply the work, so stop here.
            Stop(location, $"parameter expansion nests deeper than {MaxExpansionDepth} levels (a definition that refers to itself?); stopping");
            return null;
        }

        if (depth > 0 && !Step(location))
        {
            return null;
        }

        for (var pass = 0; ; pass++)
        {
            if (line.StartsWith('@'))
            {
                var kept = ApplyCondition(line);
                if (kept is null)
                {
                    return null;
                }

                location = expanded ? location : location.AtOffset(line.Length - kept.Length);
                line = kept;
            }

            if (line.StartsWith('$') && TryDefine(line, location, canStartMultiline, out collecting))
            {
                return null;
            }

            if (line.StartsWith("~SEQ", StringComparison.Ordinal) || line.StartsWith("~LST", StringComparison.Ordinal))
            {
                Repeat(line, location, depth);
                return null;
            }

            if (line.StartsWith('~') || pass > MaxSubstitutionsPerLine)
            {
                break;
            }

            var substituted = Substitute(line, location, out var tail);
            if (substituted is null)
            {
                break;
            }

            if (tail is not null)
            {
                // A multi-line parameter: the first line replaces the reference, the rest follow as lines of their own.
                ProcessLine(substituted, location, depth + 1, false, out _);
                foreach (var next in tail)
                {
                    ProcessLine(next, location, depth + 1, false, out _);
                }

                return null;
            }

            line = substituted;
            expanded = true;
            if (line.Length == 0)
            {
                return null;
            }
        }

        if (TryInclude(line, location))
        {
            return null;
        }

        if (line.StartsWith("include_check", StringComparison.Ordinal) && (line.Length == 13 || WhiteSpace.Contains(line[13], StringComparison.Ordinal)))
        {
            ApplyIncludeCheck(line, location);
        }

        var rest = EmitUpToBrace(line, location, expanded, out var restOffset);
        location = expanded ? location : location.AtOffset(restOffset);
        return rest;
    }

    /// <summary>The line without its "@id " prefix when it applies to this system; null when it does not.</summary>
    private string? ApplyCondition(string line)
    {
        var negate = line.Length > 1 && line[1] == '^';
        var start = negate ? 2 : 1;
        var end = line.AsSpan(start).IndexOfAny(' ', '\t');
        if (end < 0)
        {
            return null;
        }

        var id = line.Substring(start, end);
        var matches = _configId is not null && id == _configId;
        if (matches == negate)
        {
            return null;
        }

        var rest = line[(start + end)..].TrimStart(' ', '\t');
        return rest.Length == 0 ? null : rest;
    }

    private bool TryDefine(string line, SourceLocation location, bool canStartMultiline, out Definition? collecting)
    {
        collecting = null;
        if (line.Length < 2 || !IsNameStart(line[1]))
        {
            return false;
        }

        var p = 2;
        while (p < line.Length && IsNameChar(line[p]))
        {
            p++;
        }

        if (p >= line.Length || line[p] != '=')
        {
            return false;
        }

        var name = line[1..p];
        var value = line[(p + 1)..].TrimStart(' ', '\t');
        var definition = new Definition();
        if (value.EndsWith('\\'))
        {
            var first = value[..^1].TrimEnd(' ', '\t');
            if (!canStartMultiline)
            {
                _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"multi-line definition of '{name}' inside an expansion is not supported");
                return true;
            }

            definition.IsMultiline = true;
            if (first.Length > 0)
            {
                definition.Lines.Add(first);
            }

            collecting = definition;
        }
        else
        {
            definition.Lines.Add(value);
        }

        // A later definition replaces an earlier one, built-ins included.
        _definitions[name] = definition;
        return true;
    }

    /// <summary>
    /// One substitution pass over <paramref name="line"/>; null when nothing was replaced. Scanning restarts at each
    /// replacement, so a value that refers to other parameters is expanded in the same pass. A multi-line parameter
    /// (only recognised at the end of the line) returns its first line here and the rest in <paramref name="tail"/>.
    /// </summary>
    private string? Substitute(string line, SourceLocation location, out List<string>? tail)
    {
        tail = null;
        var changed = false;
        var pos = 0;
        var count = 0;
        while (true)
        {
            var dollar = line.IndexOf('$', pos);
            if (dollar < 0 || dollar == line.Length - 1)
            {
                break;
            }

            if (!TryReference(line, dollar, out var definition, out var end, out var parameters))
            {
                pos = dollar + 1;
                continue;
            }

            if (++count > MaxSubstitutionsPerLine)
            {
                _diagnostics.Error(DiagnosticCodes.Preprocessor, location, "parameter substitution does not terminate (a definition that refers to itself?)");
                return null;
            }

            changed = true;
            if (definition.IsMultiline)
            {
                var lines = definition.Lines;
                var first = lines.Count > 0 ? lines[0] : "";
                var rest = lines.Skip(1).ToList();
                tail = tail is null ? rest : [.. rest, .. tail];
                line = line[..dollar] + first;
            }
            else
            {
                var value = ValueOf(definition, parameters, location);
                line = line[..dollar] + value + line[end..];
                if (value.TrimStart(' ', '\t').StartsWith('~'))
                {
                    break;
                }
            }

            pos = dollar;
        }

        return changed ? line : null;
    }

    /// <summary>Whether a defined parameter is referenced at <paramref name="dollar"/>, and where the reference ends.</summary>
    private bool TryReference(string line, int dollar, out Definition definition, out int end, out string? parameters)
    {
        definition = null!;
        end = 0;
        parameters = null;
        var p = dollar + 1;
        var braces = line[p] == '{';
        if (braces)
        {
            p++;
        }

        if (p >= line.Length || !IsNameStart(line[p]))
        {
            return false;
        }

        var nameStart = p;
        while (p < line.Length && IsNameChar(line[p]))
        {
            p++;
        }

        var name = line[nameStart..p];
        if (braces)
        {
            // ${_RANDOM 10 20}: digits and spaces, not ending in a space.
            var paramStart = p;
            while (p < line.Length && (line[p] == ' ' || char.IsAsciiDigit(line[p])))
            {
                p++;
            }

            if (p > paramStart)
            {
                parameters = line[paramStart..p];
                if (parameters.EndsWith(' ') || parameters.Trim().Length == 0)
                {
                    return false;
                }
            }

            if (p >= line.Length || line[p] != '}')
            {
                return false;
            }

            p++;
        }
        else if (p < line.Length && line[p] is not (' ' or '\t' or ',' or ')'))
        {
            return false;
        }

        if (!TryGetDefinition(name, out var found))
        {
            return false;
        }

        // Multi-line parameters are only expanded at the end of a line; parameters only to built-ins that take them.
        if ((found.IsMultiline && p != line.Length) || (parameters is not null && found.Builtin != Builtin.Random))
        {
            return false;
        }

        definition = found;
        end = p;
        return true;
    }

    private bool TryGetDefinition(string name, out Definition definition)
    {
        if (_definitions.TryGetValue(name, out definition!))
        {
            return true;
        }

        var builtin = name switch
        {
            "_PWD" => Builtin.Pwd,
            "_INSTANCE" => Builtin.Instance,
            "_RANDOM" => Builtin.Random,
            "_HASH" => Builtin.Hash,
            "_BANG" => Builtin.Bang,
            _ => Builtin.None,
        };
        if (builtin == Builtin.None)
        {
            return false;
        }

        definition = new Definition() { Builtin = builtin };
        return true;
    }

    private string ValueOf(Definition definition, string? parameters, SourceLocation location)
    {
        switch (definition.Builtin)
        {
            case Builtin.Pwd:
                return _directories.Count > 0 ? _directories.Peek() : Environment.CurrentDirectory;
            case Builtin.Instance:
                return _configId ?? "";
            case Builtin.Hash:
                return "#";
            case Builtin.Bang:
                return "!";
            case Builtin.Random:
                var bounds = (parameters ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
                long min = 0, max = 32767;
                if (bounds.Length > 2 ||
                    (bounds.Length > 0 && !long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out min)) ||
                    (bounds.Length > 1 && !long.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out max)) ||
                    min > max)
                {
                    _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"${{_RANDOM {parameters}}}: expected ${{_RANDOM [MIN [MAX]]}} with MIN <= MAX");
                    return "0";
                }

                return _random.NextInt64(min, max + 1).ToString(CultureInfo.InvariantCulture);
            default:
                return definition.Lines.Count > 0 ? definition.Lines[0] : "";
        }
    }

    /// <summary>~SEQ(...) / ~SEQx(...) / ~LST(...): processes the rest of the line once per value.</summary>
    private void Repeat(string line, SourceLocation location, int depth)
    {
        var isList = line.StartsWith("~LST", StringComparison.Ordinal);
        var hex = !isList && line.Length > 4 && line[4] == 'x';
        var p = hex ? 5 : 4;
        while (p < line.Length && line[p] is ' ' or '\t')
        {
            p++;
        }

        var close = p < line.Length && line[p] == '(' ? FindClose(line, p) : -1;
        if (close < 0)
        {
            _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"invalid {line[..4]} specification '{line}'");
            return;
        }

        // Parameters may themselves use definitions.
        var inner = line[(p + 1)..close];
        inner = Substitute(inner, location, out var multi) ?? inner;
        if (multi is not null)
        {
            _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"{line[..4]} parameters cannot use a multi-line definition");
            return;
        }

        var rest = line[(close + 1)..].TrimStart(' ', '\t');
        var iterations = isList ? ParseList(inner, line, location) : ParseSequence(inner, hex, line, location);
        if (iterations is null)
        {
            return;
        }

        foreach (var assignment in iterations)
        {
            if (!Step(location))
            {
                return;
            }

            foreach (var (name, value) in assignment)
            {
                _definitions[name] = new Definition() { Lines = { value } };
            }

            if (rest.Length > 0)
            {
                ProcessLine(rest, location, depth + 1, false, out _);
            }

            if (_stopped)
            {
                return;
            }
        }
    }

    private static int FindClose(string line, int open)
    {
        var depth = 0;
        for (var i = open; i < line.Length; i++)
        {
            if (line[i] == '(')
            {
                depth++;
            }
            else if (line[i] == ')' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private IEnumerable<(string Name, string Value)[]>? ParseSequence(string inner, bool hex, string line, SourceLocation location)
    {
        var parts = inner.Split(',');
        var variable = parts[0].Trim(' ', '\t');
        var numbers = new List<long>();
        foreach (var part in parts.Skip(1))
        {
            if (!TryParseCLong(part.Trim(' ', '\t'), out var value))
            {
                numbers.Clear();
                break;
            }

            numbers.Add(value);
        }

        if (variable.Length == 0 || !variable.All(IsNameChar) || numbers.Count is < 1 or > 3 || numbers.Count != parts.Length - 1)
        {
            _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"invalid ~SEQ specification '{line}'");
            return null;
        }

        long start, step, end;
        switch (numbers.Count)
        {
            case 1:
                end = numbers[0];
                step = end < 1 ? -1 : 1;
                start = end < 0 ? -1 : 1;
                break;
            case 2:
                (start, end) = (numbers[0], numbers[1]);
                step = start <= end ? 1 : -1;
                break;
            default:
                (start, step, end) = (numbers[0], numbers[1], numbers[2]);
                if (step == 0 || (start < end && step < 0) || (start > end && step > 0))
                {
                    _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"invalid ~SEQ values '{line}': the step must be non-zero and go from start towards end");
                    return null;
                }

                break;
        }

        if (hex && (start < 0 || end < 0))
        {
            _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"~SEQx is only valid for non-negative numbers '{line}'");
            return null;
        }

        return Values();

        IEnumerable<(string, string)[]> Values()
        {
            for (var v = start; step > 0 ? v <= end : v >= end; v += step)
            {
                yield return [(variable, hex ? v.ToString("x", CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture))];
            }
        }
    }

    /// <summary>strtol(s, &amp;end, 0) that must consume the whole string: decimal, 0x hex, 0 octal, optional sign.</summary>
    private static bool TryParseCLong(string s, out long value)
    {
        value = 0;
        var negative = s.StartsWith('-');
        var digits = s.TrimStart('+', '-');
        if (digits.Length == 0 || s.Length - digits.Length > 1)
        {
            return false;
        }

        bool ok;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            ok = digits.Length > 2 && long.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            ok = digits.All(c => c is >= '0' and <= '7');
            if (ok)
            {
                try
                {
                    value = Convert.ToInt64(digits, 8);
                }
                catch (OverflowException)
                {
                    ok = false;
                }
            }
        }
        else
        {
            ok = long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        if (negative)
        {
            value = -value;
        }

        return ok;
    }

    private IEnumerable<(string Name, string Value)[]>? ParseList(string inner, string line, SourceLocation location)
    {
        var items = SplitTopLevel(inner);
        if (items is null || items.Count < 2)
        {
            _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"invalid ~LST specification '{line}'");
            return null;
        }

        var variables = Group(items[0]);
        var groups = items.Skip(1).Select(Group).ToList();
        if (variables.Count == 0 || !variables.All(v => v.Length > 0 && v.All(IsNameChar)) ||
            groups.Any(g => g.Count > variables.Count || g.Any(v => v.Any(c => WhiteSpace.Contains(c, StringComparison.Ordinal)))))
        {
            _diagnostics.Error(DiagnosticCodes.Preprocessor, location, $"invalid ~LST specification '{line}'");
            return null;
        }

        return groups.Select(g => variables.Select((name, i) => (name, i < g.Count ? g[i] : "")).ToArray());

        static List<string> Group(string item)
        {
            var trimmed = item.Trim(' ', '\t');
            if (trimmed.StartsWith('{') && trimmed.EndsWith('}'))
            {
                trimmed = trimmed[1..^1];
            }

            return trimmed.Split(',').Select(v => v.Trim(' ', '\t')).ToList();
        }
    }

    /// <summary>Splits on commas that are not inside {...}; null when braces do not balance.</summary>
    private static List<string>? SplitTopLevel(string s)
    {
        var items = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            switch (s[i])
            {
                case '{':
                    depth++;
                    break;
                case '}':
                    if (--depth < 0)
                    {
                        return null;
                    }

                    break;
                case ',' when depth == 0:
                    items.Add(s[start..i]);
                    start = i + 1;
                    break;
            }
        }

        if (depth != 0)
        {
            return null;
        }

        items.Add(s[start..]);
        return items;
    }

    private bool TryInclude(string line, SourceLocation location)
    {
        var space = line.AsSpan().IndexOfAny(' ', '\t');
        if (space < 0)
        {
            return false;
        }

        var checks = line[..space] switch
        {
            "include" => IncludeChecks.None,
            "includer" => IncludeChecks.Readable,
            "includem" => IncludeChecks.Match,
            "includew" => IncludeChecks.WildcardMatch,
            "includeb" => IncludeChecks.BraceMatch,
            "includea" => IncludeChecks.All,
            _ => (IncludeChecks?)null,
        };
        if (checks is null)
        {
            return false;
        }

        // keepalived takes the rest of the line as the file name; surrounding quotes are ours to remove.
        var pattern = line[(space + 1)..].Trim(' ', '\t');
        if (pattern.Length > 1 && pattern.StartsWith('"') && pattern.EndsWith('"'))
        {
            pattern = pattern[1..^1];
        }

        Include(pattern, checks.Value | _includeChecks, location);
        return true;
    }

    private void Include(string pattern, IncludeChecks checks, SourceLocation location)
    {
        if (_directories.Count > MaxIncludeDepth)
        {
            _diagnostics.Error(DiagnosticCodes.Include, location, $"includes nest deeper than {MaxIncludeDepth} levels (a file that includes itself?)");
            return;
        }

        var directory = _directories.Peek();
        foreach (var alternative in Glob.ExpandBraces(pattern))
        {
            var absolute = Path.GetFullPath(alternative.StartsWith('/') ? alternative : Path.Combine(directory, alternative));
            var matches = Glob.Match(_fs, absolute);
            var wildcard = Glob.HasWildcards(alternative);
            if (matches.Count == 0)
            {
                var braced = alternative != pattern;
                var fail = (braced && (checks.HasFlag(IncludeChecks.BraceMatch) || (!wildcard && checks.HasFlag(IncludeChecks.Match)))) ||
                           (!braced && wildcard && checks.HasFlag(IncludeChecks.WildcardMatch)) ||
                           (!wildcard && checks.HasFlag(IncludeChecks.Match));
                var message = wildcard ? $"no configuration file matches '{alternative}'" : $"configuration file '{alternative}' does not exist";
                if (fail)
                {
                    _diagnostics.Error(DiagnosticCodes.Include, location, message);
                }
                else if (!wildcard)
                {
                    _diagnostics.Warning(DiagnosticCodes.Include, location, message + " (skipped)");
                }

                continue;
            }

            foreach (var match in matches)
            {
                if (_fs.DirectoryExists(match) || _fs.IsExecutable(match))
                {
                    var what = _fs.DirectoryExists(match) ? "a directory" : "an executable file";
                    if (checks.HasFlag(IncludeChecks.Readable))
                    {
                        _diagnostics.Error(DiagnosticCodes.Include, location, $"'{match}' is {what}, not a configuration file");
                    }
                    else
                    {
                        _diagnostics.Warning(DiagnosticCodes.Include, location, $"'{match}' is {what}, not a configuration file (skipped)");
                    }

                    continue;
                }

                ReadFile(Path.GetFullPath(match), location);
            }
        }

    }

    /// <summary>include_check [OPTIONS]: none means all; +x adds, -x removes, a bare list replaces.</summary>
    private void ApplyIncludeCheck(string line, SourceLocation location)
    {
        var words = Tokenizer.SplitWords(line, out _);
        if (words.Count == 1)
        {
            _includeChecks = IncludeChecks.All;
            return;
        }

        var result = words[1].StartsWith('+') || words[1].StartsWith('-') ? _includeChecks : IncludeChecks.None;
        foreach (var word in words.Skip(1))
        {
            var op = word[0] is '+' or '-' ? word[0] : '=';
            var name = op == '=' ? word : word[1..];
            IncludeChecks? flag = name switch
            {
                "readable" => IncludeChecks.Readable,
                "match" => IncludeChecks.Match,
                "wildcard_match" => IncludeChecks.WildcardMatch,
                "brace_match" => IncludeChecks.BraceMatch,
                _ => null,
            };
            if (flag is null)
            {
                _diagnostics.Error(DiagnosticCodes.InvalidValue, location, $"unknown include_check option '{word}' (readable, match, wildcard_match, brace_match, with optional + or -)", "include_check");
                continue;
            }

            result = op == '-' ? result & ~flag.Value : result | flag.Value;
        }

        _includeChecks = result;
    }

    /// <summary>
    /// Emits the line with each '{' and '}' outside double quotes on a line of its own. The text between braces is
    /// emitted as it is when it is plain; text that needs processing again as a line of its own (a condition, a
    /// definition, a sequence, a parameter, an include) is returned, with everything after it, for the caller to
    /// process. Walking by index keeps a line of many braces linear. "${...}" left over from an undefined parameter
    /// is not a brace: keepalived would split it and lose the block structure, kad reports it.
    /// </summary>
    private string? EmitUpToBrace(ReadOnlySpan<char> line, SourceLocation location, bool expanded, out int restOffset)
    {
        var start = 0;
        while (true)
        {
            var brace = FindBrace(line, start, location, expanded);
            var end = brace < 0 ? line.Length : brace;
            var segment = line[start..end];
            var lead = segment.Length - segment.TrimStart(" \t").Length;
            var text = segment.Trim(" \t");
            if (start > 0 && NeedsProcessing(text))
            {
                restOffset = start + lead;
                return line[restOffset..].ToString();
            }

            if (!text.IsEmpty)
            {
                Emit(_pool.Get(text), At(location, start + lead, expanded), expanded);
            }

            if (brace < 0)
            {
                restOffset = 0;
                return null;
            }

            Emit(line[brace] == '{' ? "{" : "}", At(location, brace, expanded), expanded);
            start = brace + 1;
        }
    }

    /// <summary>The location <paramref name="offset"/> characters into text that starts at <paramref name="location"/>;
    /// expanded text has no columns of its own, so it stays where the line using the expansion starts.</summary>
    private static SourceLocation At(SourceLocation location, int offset, bool expanded) =>
        expanded ? location : location.AtOffset(offset);

    /// <summary>Whether text after a brace must go through the whole line pipeline rather than be emitted as it is.</summary>
    private static bool NeedsProcessing(ReadOnlySpan<char> text) =>
        !text.IsEmpty && (text[0] is '@' or '~' || text.IndexOf('$') >= 0 || text.StartsWith("include"));

    private int FindBrace(ReadOnlySpan<char> line, int start, SourceLocation location, bool expanded)
    {
        for (var i = start; i < line.Length; i++)
        {
            var next = LineScan.IndexOfBraceSpecial(line[i..]);
            if (next < 0)
            {
                return -1;
            }

            i += next;
            switch (line[i])
            {
                case '"':
                    var close = line[(i + 1)..].IndexOf('"');
                    if (close < 0)
                    {
                        return -1;
                    }

                    i += close + 1;
                    break;
                case '$' when i + 1 < line.Length && line[i + 1] == '{':
                    var end = line[(i + 2)..].IndexOf('}');
                    if (end >= 0)
                    {
                        end += i + 2;
                        _diagnostics.Error(DiagnosticCodes.Preprocessor, At(location, i, expanded), $"undefined parameter '{line[i..(end + 1)]}'");
                        i = end;
                    }

                    break;
                case '{' or '}':
                    return i;
            }
        }

        return -1;
    }

    private void Emit(string text, SourceLocation location, bool expanded)
    {
        if (text.Length == 0 || _stopped)
        {
            return;
        }

        if (_output.Count >= _limits.MaxOutputLines)
        {
            Stop(location, $"the configuration expands to more than {_limits.MaxOutputLines} lines; stopping");
            return;
        }

        _output.Add(new LogicalLine(text, location) { IsExpanded = expanded });
    }

    /// <summary>Counts one line or expansion step; false (with one error) once the load has taken too many.</summary>
    private bool Step(SourceLocation location)
    {
        if (++_steps > _limits.MaxSteps)
        {
            Stop(location, $"the configuration does not finish expanding within {_limits.MaxSteps} steps (a definition, ~SEQ or include that repeats itself?); stopping");
        }

        return !_stopped;
    }

    /// <summary>Reports why reading ends (the first reason only) and ends it.</summary>
    private void Stop(SourceLocation location, string message)
    {
        if (!_stopped)
        {
            _stopped = true;
            _diagnostics.Error(DiagnosticCodes.Preprocessor, location, message);
        }
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private enum Builtin
    {
        None,
        Pwd,
        Instance,
        Random,
        Hash,
        Bang,
    }

    private sealed class Definition
    {
        public List<string> Lines { get; } = [];

        public bool IsMultiline { get; set; }

        public Builtin Builtin { get; init; }
    }

    [Flags]
    private enum IncludeChecks
    {
        None = 0,
        Readable = 1,
        Match = 2,
        WildcardMatch = 4,
        BraceMatch = 8,
        All = Readable | Match | WildcardMatch | BraceMatch,
    }
}
