using System.Collections.Immutable;
using Kad.Config.Binding;
using Kad.Config.Keywords;
using Kad.Config.Model;
using Kad.Config.Syntax;
using Kad.Config.Validation;

namespace Kad.Config;

/// <summary>How to read a configuration.</summary>
public sealed record ConfigLoadOptions
{
    /// <summary>
    /// The id "@ID" lines are compared with (keepalived's -i/--config-id); keepalived's default is the first part of
    /// the node name. Null matches no "@ID" line (and every "@^ID" line).
    /// </summary>
    public string? ConfigId { get; init; } = DefaultConfigId();

    /// <summary>Seed for ${_RANDOM}, to make expansions repeatable (keepalived's random_seed); null is time-based.</summary>
    public int? RandomSeed { get; init; }

    public IConfigFileSystem FileSystem { get; init; } = PhysicalConfigFileSystem.Instance;

    public KeywordSchema Schema { get; init; } = KeywordSchema.Default;

    /// <summary>Bounds on lines, expansion steps and files read (tests lower them).</summary>
    internal PreprocessorLimits Limits { get; init; } = PreprocessorLimits.Default;

    /// <summary>The first label of the host name, as keepalived derives its default config id from uname.</summary>
    public static string DefaultConfigId() => Environment.MachineName.Split('.')[0];
}

/// <summary>The outcome of reading a configuration: the model, the tree it came from, and every finding.</summary>
public sealed record ConfigLoadResult(KeepalivedConfig Config, ConfigDocument Document, ImmutableArray<ConfigDiagnostic> Diagnostics)
{
    /// <summary>True when the configuration must not be applied (kad -t exits non-zero, a reload keeps the old one).</summary>
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    public IEnumerable<ConfigDiagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<ConfigDiagnostic> Warnings => Diagnostics.Where(d => !d.IsError);
}

/// <summary>
/// Reads keepalived.conf: preprocess (comments, conditions, parameters, sequences, includes), parse into a tree with
/// the keyword schema, bind the tree into the typed model, validate the model. Each stage reports into one list;
/// none stops at the first problem, and a best-effort model is always returned.
/// </summary>
public static class KeepalivedConfigLoader
{
    /// <summary>Reads the configuration file at <paramref name="path"/> and everything it includes.</summary>
    public static ConfigLoadResult Load(string path, ConfigLoadOptions? options = null)
    {
        options ??= new ConfigLoadOptions();
        var diagnostics = new DiagnosticBag();
        var pool = new StringPool();
        var preprocessor = new Preprocessor(options.FileSystem, options.ConfigId, options.RandomSeed, diagnostics, pool, options.Limits);
        var lines = preprocessor.ReadMain(path);
        return Finish(lines, preprocessor.Files, options, diagnostics, pool);
    }

    /// <summary>Reads configuration text; includes are resolved relative to <paramref name="fileName"/>'s directory.</summary>
    public static ConfigLoadResult LoadText(string text, string fileName = "keepalived.conf", ConfigLoadOptions? options = null) =>
        LoadText(text, fileName, options ?? new ConfigLoadOptions(), trace: null);

    /// <summary><see cref="LoadText(string, string, ConfigLoadOptions?)"/>, noting in <paramref name="trace"/> where each stage's parts are.</summary>
    internal static ConfigLoadResult LoadText(string text, string fileName, ConfigLoadOptions options, LoadTrace? trace)
    {
        var diagnostics = new DiagnosticBag();
        var pool = new StringPool();
        var preprocessor = new Preprocessor(options.FileSystem, options.ConfigId, options.RandomSeed, diagnostics, pool, options.Limits);
        var lines = preprocessor.ReadText(text, fileName);
        return Finish(lines, preprocessor.Files, options, diagnostics, pool, trace);
    }

    private static ConfigLoadResult Finish(LineList lines, IReadOnlyList<string> files, ConfigLoadOptions options, DiagnosticBag diagnostics, StringPool pool, LoadTrace? trace = null)
    {
        var preprocessed = diagnostics.Items.Count;
        var nodes = new SyntaxParser(lines, options.Schema, diagnostics, pool) { TopLevelSteps = trace?.Steps }.Parse();
        var parsed = diagnostics.Items.Count;
        var config = ConfigBinder.Bind(nodes, new BindContext(diagnostics), trace?.Bound);
        var bound = diagnostics.Items.Count;
        ConfigValidator.Validate(config, diagnostics, trace?.ServerFindings);
        if (trace is not null)
        {
            trace.Lines = lines;
            trace.Preprocessed = preprocessed;
            trace.Parsed = parsed;
            trace.BoundEnd = bound;
        }

        return new ConfigLoadResult(config, new ConfigDocument(nodes, [.. files]), [.. diagnostics.Items]);
    }
}

/// <summary>
/// Where the parts of one load are: the logical lines, each top-level step of the parser and each top-level node's
/// binding, and where each stage's findings end in the result's list (preprocessor, parser, binder; the validator's
/// follow). What <see cref="IncrementalConfigLoader"/> needs to replace one block later.
/// </summary>
internal sealed class LoadTrace
{
    public List<SyntaxParser.TopLevelStep> Steps { get; } = [];

    public List<ConfigBinder.BoundNode> Bound { get; } = [];

    /// <summary>The validator's findings about each virtual server on its own, by index.</summary>
    public List<ImmutableArray<ConfigDiagnostic>> ServerFindings { get; } = [];

    public LineList Lines { get; set; } = new();

    public int Preprocessed { get; set; }

    public int Parsed { get; set; }

    public int BoundEnd { get; set; }
}
