using Kad.Config.Keywords;

namespace Kad.Config.Tests.Oracle;

/// <summary>
/// Every keyword in kad's keyword file must be one keepalived 2.2.7 accepts in that block (the converse, that the
/// file lists every keyword keepalived accepts, is what tools/keyword-probe/crawl.py establishes; it takes minutes).
/// </summary>
public class KeywordOracleTests
{
    private const string Sentinel = "zz_not_a_keepalived_keyword";

    /// <summary>Arguments that make keepalived open a block instead of rejecting its header.</summary>
    private static readonly Dictionary<string, string> BlockArguments = new(StringComparer.Ordinal)
    {
        ["virtual_server"] = "10.0.0.1 80",
        ["real_server"] = "10.0.0.2 80",
        ["virtual_server_group"] = "G",
        ["vrrp_instance"] = "VI",
        ["vrrp_sync_group"] = "SG",
        ["vrrp_script"] = "S",
        ["track_file"] = "TF",
        ["vrrp_track_file"] = "TF",
        ["vrrp_track_process"] = "TP",
        ["bfd_instance"] = "B",
        ["track_group"] = "TG",
    };

    private static IEnumerable<TestCaseData> Blocks() =>
        new[] { new TestCaseData("").SetName("Keywords_AcceptedByKeepalived(top level)") }
            .Concat(KeywordSchema.Default.All.Where(k => k.Kind == KeywordKind.Block)
                .Select(k => new TestCaseData(k.Path).SetName($"Keywords_AcceptedByKeepalived({k.Path})")));

    [TestCaseSource(nameof(Blocks))]
    public void Keywords_AcceptedByKeepalived(string blockPath)
    {
        var keepalived = KeepalivedOracle.RequireKeepalived();
        var path = blockPath.Length == 0 ? [] : blockPath.Split('/');
        var children = path.Length == 0 ? KeywordSchema.Default.TopLevel : Resolve(path).Children;
        var prefix = new List<string>();
        foreach (var name in path)
        {
            prefix.Add(Open(name));
        }

        var suffix = Enumerable.Repeat("}", path.Length).ToList();
        // kad_* keywords are kad's extensions (marked kad-extension in the keyword file): keepalived rightly rejects them.
        var keywords = children.Values.Where(k => !k.Name.StartsWith("kad_", StringComparison.Ordinal)).OrderBy(k => k.Name, StringComparer.Ordinal).ToList();

        var rejected = Rejected(keepalived, prefix, keywords, suffix);
        if (rejected is null)
        {
            // Something in the batch made keepalived leave the block early: ask one keyword at a time.
            rejected = [.. keywords.Where(k => Rejected(keepalived, prefix, [k], suffix) is not { Count: 0 }).Select(k => k.Name)];
        }

        Assert.That(rejected, Is.Empty, $"keepalived 2.2.7 does not accept these in {(blockPath.Length == 0 ? "the top level" : blockPath)}");
    }

    /// <summary>The keywords keepalived calls unknown; null when the sentinel after them was not reached in the block.</summary>
    private static List<string>? Rejected(string keepalived, List<string> prefix, List<KeywordSpec> keywords, List<string> suffix)
    {
        var lines = new List<string>(prefix);
        foreach (var keyword in keywords)
        {
            if (keyword.Kind == KeywordKind.Leaf)
            {
                lines.Add(keyword.Name + " 1 1 1 1");
            }
            else
            {
                lines.Add(Open(keyword.Name));
                lines.Add("}");
            }
        }

        lines.Add(Sentinel);
        var sentinelLine = lines.Count;
        lines.AddRange(suffix);

        var findings = KeepalivedOracle.Check(keepalived, string.Join('\n', lines) + "\n");
        var unknown = findings.Where(f => f.Message.StartsWith("Unknown keyword '", StringComparison.Ordinal)).ToList();
        if (!unknown.Any(f => f.Line == sentinelLine) || findings.Any(f => f.Message.Contains("Extra '}'", StringComparison.Ordinal)))
        {
            return null;
        }

        return [.. unknown.Where(f => f.Line != sentinelLine).Select(f => f.Message)];
    }

    private static string Open(string keyword) =>
        BlockArguments.TryGetValue(keyword, out var arguments) ? $"{keyword} {arguments} {{" : $"{keyword} {{";

    private static KeywordSpec Resolve(string[] path)
    {
        var spec = KeywordSchema.Default.TopLevel[path[0]];
        foreach (var name in path.Skip(1))
        {
            spec = spec.Children[name];
        }

        return spec;
    }
}
