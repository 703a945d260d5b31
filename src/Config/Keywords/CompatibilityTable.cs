using System.Text;

namespace Kad.Config.Keywords;

/// <summary>
/// Renders the keyword part of docs/config-compatibility.md from the <see cref="KeywordSchema"/>, so the document
/// cannot drift from what the parser does (a test compares the two).
/// </summary>
public static class CompatibilityTable
{
    public const string BeginMarker = "<!-- BEGIN GENERATED: keyword table (src/Config/Keywords/keepalived-keywords.txt) -->";
    public const string EndMarker = "<!-- END GENERATED -->";

    public static string Render(KeywordSchema schema)
    {
        var sb = new StringBuilder();
        var modelled = schema.All.Count(k => k.Support == KeywordSupport.Modelled);
        var ignored = schema.All.Count(k => k.Support == KeywordSupport.Ignored);
        var inside = schema.All.Count(k => k.Support == KeywordSupport.InsideIgnored);
        sb.Append(CultureInvariant($"{schema.All.Count} keywords: {modelled} modelled, {ignored} ignored with a warning, {inside} inside ignored blocks.\n"));
        foreach (var top in schema.All.Where(k => !k.Path.Contains('/', StringComparison.Ordinal)))
        {
            sb.Append("\n### ").Append(top.Name).Append("\n\n");
            sb.Append("| keyword | kind | kad |\n| --- | --- | --- |\n");
            foreach (var spec in schema.All.Where(k => k == top || k.Path.StartsWith(top.Path + "/", StringComparison.Ordinal)))
            {
                var name = spec == top ? spec.Name : spec.Path[(top.Path.Length + 1)..].Replace("/", " / ", StringComparison.Ordinal);
                sb.Append("| `").Append(name).Append("` | ").Append(Kind(spec.Kind)).Append(" | ").Append(Support(spec)).Append(" |\n");
            }
        }

        sb.Append("\n### Reasons\n\n| reason | meaning |\n| --- | --- |\n");
        foreach (var (key, text) in schema.Reasons)
        {
            sb.Append("| ").Append(key).Append(" | ").Append(text.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        }

        return sb.ToString();
    }

    /// <summary>The document with its generated part replaced; throws when the markers are missing.</summary>
    public static string Splice(string document, string generated)
    {
        var begin = document.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = document.IndexOf(EndMarker, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new FormatException("the document has no generated-section markers");
        }

        return document[..(begin + BeginMarker.Length)] + "\n" + generated + document[end..];
    }

    private static string Kind(KeywordKind kind) => kind switch
    {
        KeywordKind.Block => "block",
        KeywordKind.Value => "list",
        _ => "",
    };

    private static string Support(KeywordSpec spec)
    {
        var alias = spec.AliasOf is null ? "" : $" (alias of `{spec.AliasOf}`)";
        return spec.Support switch
        {
            KeywordSupport.Modelled => "yes" + alias,
            KeywordSupport.Ignored => $"ignored: {spec.ReasonKey}{alias}",
            _ => "(block ignored)",
        };
    }

    private static string CultureInvariant(FormattableString s) => FormattableString.Invariant(s);
}
