using System.Collections.Frozen;

namespace Kad.Config.Keywords;

/// <summary>What follows a keyword.</summary>
public enum KeywordKind
{
    /// <summary>Words on the same line.</summary>
    Leaf,

    /// <summary>A {} block of keywords of its own.</summary>
    Block,

    /// <summary>A {} block of free-form lines (addresses, names, peers...).</summary>
    Value,
}

/// <summary>What kad does with a keyword keepalived knows.</summary>
public enum KeywordSupport
{
    /// <summary>Bound into the typed model with keepalived's meaning.</summary>
    Modelled,

    /// <summary>Accepted and reported as a warning (file:line) with the reason.</summary>
    Ignored,

    /// <summary>Inside an ignored block: that block's warning covers it.</summary>
    InsideIgnored,
}

/// <summary>One keyword of one block.</summary>
public sealed class KeywordSpec
{
    internal KeywordSpec(string name, string path, KeywordKind kind, KeywordSupport support, string? reasonKey, string? reason, string? aliasOf)
    {
        Name = name;
        Path = path;
        Kind = kind;
        Support = support;
        ReasonKey = reasonKey;
        Reason = reason;
        AliasOf = aliasOf;
    }

    /// <summary>The keyword as written.</summary>
    public string Name { get; }

    /// <summary>The keywords from the top, '/'-separated: "vrrp_instance/authentication/auth_pass".</summary>
    public string Path { get; }

    public KeywordKind Kind { get; }

    public KeywordSupport Support { get; internal set; }

    /// <summary>For <see cref="KeywordSupport.Ignored"/>: the reason's key in the keyword file.</summary>
    public string? ReasonKey { get; internal set; }

    /// <summary>For <see cref="KeywordSupport.Ignored"/>: why kad ignores it.</summary>
    public string? Reason { get; internal set; }

    /// <summary>When this is an older spelling: the keyword it stands for, in the same block.</summary>
    public string? AliasOf { get; }

    /// <summary>The name the model binds: <see cref="AliasOf"/> for an alias, else <see cref="Name"/>.</summary>
    public string CanonicalName => AliasOf ?? Name;

    /// <summary>The keywords allowed inside, for <see cref="KeywordKind.Block"/>.</summary>
    public FrozenDictionary<string, KeywordSpec> Children { get; internal set; } = FrozenDictionary<string, KeywordSpec>.Empty;
}

/// <summary>
/// keepalived's keyword tree and kad's support for each keyword, read from Keywords/keepalived-keywords.txt (an
/// embedded resource and the single source of docs/config-compatibility.md).
/// </summary>
public sealed class KeywordSchema
{
    private const string ResourceName = "Kad.Config.Keywords.keepalived-keywords.txt";

    private KeywordSchema(FrozenDictionary<string, KeywordSpec> top, IReadOnlyList<KeywordSpec> all, IReadOnlyDictionary<string, string> reasons)
    {
        TopLevel = top;
        All = all;
        Reasons = reasons;
    }

    /// <summary>The schema kad was built with.</summary>
    public static KeywordSchema Default { get; } = Parse(ReadResource());

    /// <summary>Keywords allowed outside any block.</summary>
    public FrozenDictionary<string, KeywordSpec> TopLevel { get; }

    /// <summary>Every keyword in file order (depth first).</summary>
    public IReadOnlyList<KeywordSpec> All { get; }

    /// <summary>Reason key → text.</summary>
    public IReadOnlyDictionary<string, string> Reasons { get; }

    /// <summary>The raw keyword file (for the documentation generator and its test).</summary>
    public static string ReadResource()
    {
        using var stream = typeof(KeywordSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Parses the keyword file format (see the file's header).</summary>
    public static KeywordSchema Parse(string text)
    {
        var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        var all = new List<KeywordSpec>();
        var stack = new List<(KeywordSpec Spec, Dictionary<string, KeywordSpec> Children)>();
        var top = new Dictionary<string, KeywordSpec>(StringComparer.Ordinal);
        var childrenOf = new Dictionary<KeywordSpec, Dictionary<string, KeywordSpec>>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("@reason ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 3);
                reasons[parts[1]] = parts[2];
                continue;
            }

            var indent = line.Length - line.TrimStart(' ').Length;
            if (indent % 2 != 0 || indent / 2 > stack.Count)
            {
                throw new FormatException($"keyword file line {lineNo}: bad indentation");
            }

            var depth = indent / 2;
            stack.RemoveRange(depth, stack.Count - depth);
            var fields = line.Trim().Split(' ', 4);
            if (fields.Length < 3)
            {
                throw new FormatException($"keyword file line {lineNo}: expected NAME KIND STATUS");
            }

            var kind = fields[1] switch
            {
                "leaf" => KeywordKind.Leaf,
                "block" => KeywordKind.Block,
                "value" => KeywordKind.Value,
                _ => throw new FormatException($"keyword file line {lineNo}: unknown kind '{fields[1]}'"),
            };
            var argument = fields.Length > 3 ? fields[3] : null;
            (KeywordSupport support, string? reasonKey, string? aliasOf) = fields[2] switch
            {
                "modelled" => (KeywordSupport.Modelled, (string?)null, (string?)null),
                "ignored" => (KeywordSupport.Ignored, argument, null),
                "alias" => (KeywordSupport.Modelled, null, argument),
                "-" => (KeywordSupport.InsideIgnored, null, null),
                _ => throw new FormatException($"keyword file line {lineNo}: unknown status '{fields[2]}'"),
            };
            if (support == KeywordSupport.Ignored && (reasonKey is null || !reasons.ContainsKey(reasonKey)))
            {
                throw new FormatException($"keyword file line {lineNo}: ignored keyword needs a declared @reason");
            }

            var path = string.Join('/', stack.Select(s => s.Spec.Name).Append(fields[0]));
            var spec = new KeywordSpec(fields[0], path, kind, support, reasonKey, reasonKey is null ? null : reasons[reasonKey], aliasOf);
            var siblings = depth == 0 ? top : stack[^1].Children;
            if (!siblings.TryAdd(spec.Name, spec))
            {
                throw new FormatException($"keyword file line {lineNo}: '{path}' appears twice");
            }

            all.Add(spec);
            stack.Add((spec, new Dictionary<string, KeywordSpec>(StringComparer.Ordinal)));
            childrenOf[spec] = stack[^1].Children;
        }

        // Children are frozen once complete; aliases share the support of what they stand for.
        foreach (var (spec, children) in childrenOf)
        {
            spec.Children = children.ToFrozenDictionary(StringComparer.Ordinal);
            foreach (var child in children.Values.Where(c => c.AliasOf is not null))
            {
                if (!children.TryGetValue(child.AliasOf!, out var target))
                {
                    throw new FormatException($"keyword file: alias '{child.Path}' names '{child.AliasOf}', which is not in the same block");
                }

                child.Support = target.Support;
                child.ReasonKey = target.ReasonKey;
                child.Reason = target.Reason;
            }
        }

        foreach (var alias in top.Values.Where(c => c.AliasOf is not null))
        {
            var target = top.GetValueOrDefault(alias.AliasOf!) ?? throw new FormatException($"keyword file: alias '{alias.Path}' names '{alias.AliasOf}', which is not at the top level");
            alias.Support = target.Support;
            alias.ReasonKey = target.ReasonKey;
            alias.Reason = target.Reason;
        }

        return new KeywordSchema(top.ToFrozenDictionary(StringComparer.Ordinal), all, reasons);
    }
}
