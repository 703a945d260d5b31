using System.Text;
using Kad.Config.Model;

namespace Kad.Config.Tests;

/// <summary>
/// An incremental load must give exactly what a full load of the same text gives: the model (with every element's
/// place), the findings in order with their places. These tests load a base text, then an edited one, through
/// <see cref="IncrementalConfigLoader"/>, and compare with <see cref="KeepalivedConfigLoader.LoadText(string, string, ConfigLoadOptions?)"/>.
/// </summary>
public class IncrementalConfigLoaderTests
{
    private const string File = "/etc/keepalived/keepalived.conf";

    private static readonly ConfigLoadOptions Options = new() { ConfigId = "main", RandomSeed = 1, FileSystem = new MemoryFileSystem() };

    private static string VirtualServer(int n, int realServers = 3, string extra = "") =>
        new StringBuilder()
            .Append($"virtual_server 10.0.0.{n} 80 {{\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n{extra}")
            .AppendJoin("", Enumerable.Range(1, realServers).Select(r => $"    real_server 10.1.{n}.{r} 80 {{\n        weight 1\n        TCP_CHECK {{\n            connect_timeout 3\n        }}\n    }}\n"))
            .Append("}\n")
            .ToString();

    /// <summary>global_defs (with an ignored keyword: a finding before the blocks), a VRRP instance, five virtual servers (the fourth with an ignored keyword).</summary>
    private static readonly string Base =
        "global_defs {\n    router_id lb1\n    notification_email {\n        ops@example.com\n    }\n}\n\n" +
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    virtual_ipaddress {\n        10.0.0.100\n    }\n}\n\n" +
        string.Concat(Enumerable.Range(1, 5).Select(n => VirtualServer(n, extra: n == 4 ? "    smtp_alert\n" : "") + "\n"));

    /// <summary>Replaces the <paramref name="occurrence"/>-th (0-based) <paramref name="what"/> in <paramref name="text"/>.</summary>
    private static string ReplaceNth(string text, string what, string with, int occurrence)
    {
        var at = -1;
        for (var i = 0; i <= occurrence; i++)
        {
            at = text.IndexOf(what, at + 1, StringComparison.Ordinal);
            Assert.That(at, Is.GreaterThanOrEqualTo(0), $"'{what}' #{occurrence} not in the text");
        }

        return string.Concat(text.AsSpan(0, at), with, text.AsSpan(at + what.Length));
    }

    /// <summary>Loads <paramref name="before"/>, then <paramref name="after"/>; asserts the second equals a full load and returns whether it was incremental.</summary>
    private static bool LoadAndCompare(string before, string after)
    {
        var loader = new IncrementalConfigLoader();
        loader.LoadText(before, File, Options);
        var incremental = loader.LoadText(after, File, Options);
        AssertSameAsFullLoad(incremental, after);
        return loader.LastWasIncremental;
    }

    private static void AssertSameAsFullLoad(ConfigLoadResult incremental, string text)
    {
        var full = KeepalivedConfigLoader.LoadText(text, File, Options);
        Assert.Multiple(() =>
        {
            Assert.That(incremental.Config, Is.EqualTo(full.Config), "model");
            Assert.That(Places(incremental.Config), Is.EqualTo(Places(full.Config)), "places of the model's elements");
            Assert.That(incremental.Diagnostics, Is.EqualTo(full.Diagnostics), "findings, in order, with places");
            Assert.That(incremental.Document.Nodes.Select(n => (n.Keyword, n.Location)), Is.EqualTo(full.Document.Nodes.Select(n => (n.Keyword, n.Location))), "top-level nodes");
            Assert.That(incremental.Document.Files, Is.EqualTo(full.Document.Files), "files");
        });
    }

    /// <summary>Every place the model records (equality ignores them): virtual servers, real servers, checkers.</summary>
    private static IEnumerable<string> Places(KeepalivedConfig config) =>
        config.VirtualServers.SelectMany(v => new[] { $"{v.Target} {v.Location}" }
            .Concat(v.RealServers.SelectMany(r => new[] { $"{r.Endpoint} {r.Location}" }.Concat(r.Checkers.Select(c => $"{c.Kind} {c.Location}")))))
            .Concat(config.VrrpInstances.Select(i => $"{i.Name} {i.Location}"))
            .Append($"global {config.Global.Location}");

    [Test]
    public void LoadText_WeightChanged_ReadsOneBlockAndEqualsAFullLoad()
    {
        Assert.That(LoadAndCompare(Base, ReplaceNth(Base, "weight 1", "weight 7", 7)), Is.True);
    }

    [TestCase("lb_algo rr", "lb_algo wlc", 2)]
    [TestCase("protocol TCP", "protocol UDP", 0)]
    [TestCase("lb_kind NAT", "lb_kind DR  ", 4)]
    [TestCase("connect_timeout 3", "connect_timeout 9", 5)]
    [TestCase("real_server 10.1.3.2 80", "real_server 10.1.3.9 81", 0)]
    [TestCase("virtual_server 10.0.0.5 80", "virtual_server 10.0.0.9 8080", 0)]
    [TestCase("    lb_algo rr\n", "    # a comment\n", 1)]
    [TestCase("        weight 1\n", "        weight 3 # up\n", 0)]
    public void LoadText_OneVirtualServerKeywordChanged_ReadsOneBlockAndEqualsAFullLoad(string what, string with, int occurrence)
    {
        Assert.That(LoadAndCompare(Base, ReplaceNth(Base, what, with, occurrence)), Is.True);
    }

    [Test]
    public void LoadText_RealServerAdded_FallsBackToAFullLoadThatEqualsIt()
    {
        var added = ReplaceNth(Base, "    real_server 10.1.2.1 80 {", "    real_server 10.1.2.9 80 {\n        weight 2\n    }\n    real_server 10.1.2.1 80 {", 0);

        Assert.That(LoadAndCompare(Base, added), Is.False);
    }

    [Test]
    public void LoadText_RealServerRemoved_FallsBackToAFullLoadThatEqualsIt()
    {
        var removed = ReplaceNth(Base, "    real_server 10.1.2.3 80 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n", "", 0);

        Assert.That(LoadAndCompare(Base, removed), Is.False);
    }

    [Test]
    public void LoadText_RealServerReplacedByAnotherOfAsManyLines_ReadsOneBlockAndEqualsAFullLoad()
    {
        var replaced = ReplaceNth(Base, "    real_server 10.1.2.3 80 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n",
            "    real_server 10.1.2.7 80 {\n        weight 4\n        HTTP_GET {\n            url { path / }\n        }\n    }\n", 0);

        Assert.That(LoadAndCompare(Base, replaced), Is.True);
    }

    [TestCase("router_id lb1", "router_id lb2")]
    [TestCase("priority 100", "priority 101")]
    [TestCase("virtual_router_id 51", "virtual_router_id 52")]
    public void LoadText_EditOutsideVirtualServers_FallsBackToAFullLoadThatEqualsIt(string what, string with)
    {
        Assert.That(LoadAndCompare(Base, ReplaceNth(Base, what, with, 0)), Is.False);
    }

    [Test]
    public void LoadText_EditSpanningTwoBlocks_FallsBackToAFullLoadThatEqualsIt()
    {
        var both = ReplaceNth(ReplaceNth(Base, "weight 1", "weight 2", 3), "weight 1", "weight 2", 9);

        Assert.That(LoadAndCompare(Base, both), Is.False);
    }

    [Test]
    public void LoadText_EditBetweenBlocks_FallsBackToAFullLoadThatEqualsIt()
    {
        var between = ReplaceNth(Base, "}\n\nvirtual_server 10.0.0.3", "}\n# x\nvirtual_server 10.0.0.3", 0);

        Assert.That(LoadAndCompare(Base, between), Is.False);
    }

    [TestCase("        }\n    }\n}\n\nvirtual_server 10.0.0.3", "        }\n    }\n \n\nvirtual_server 10.0.0.3", Description = "the block's closing brace removed")]
    [TestCase("    lb_kind NAT\n", "    lb_kind NAT }\n", Description = "a brace that closes the block early")]
    [TestCase("    protocol TCP\n", "    } virtual_server 10.0.0.77 80 {\n", Description = "one block split into two")]
    [TestCase("    protocol TCP\n", "    protocol $P\n", Description = "a parameter")]
    [TestCase("    protocol TCP\n", "@main protocol TCP\n", Description = "a condition")]
    [TestCase("virtual_server 10.0.0.3 80 {", "virtual_server {", Description = "a target that makes no entry")]
    public void LoadText_EditThatChangesTheBlockStructure_FallsBackToAFullLoadThatEqualsIt(string what, string with)
    {
        Assert.That(LoadAndCompare(Base, ReplaceNth(Base, what, with, 0)), Is.False);
    }

    [Test]
    public void LoadText_EditIntroducingAnError_ReportsWhatAFullLoadReportsAtTheSamePlace()
    {
        var broken = ReplaceNth(Base, "weight 1", "weight x1", 4);
        var loader = new IncrementalConfigLoader();
        loader.LoadText(Base, File, Options);

        var result = loader.LoadText(broken, File, Options);

        Assert.That(loader.LastWasIncremental, Is.True);
        AssertSameAsFullLoad(result, broken);
        var error = result.Errors.Single();
        Assert.That((error.Code, error.Location?.Line, error.Location?.Column), Is.EqualTo((DiagnosticCodes.InvalidValue, (int?)LineOf(broken, "weight x1"), (int?)16)));
    }

    [Test]
    public void LoadText_EditMakingTwoVirtualServersTheSame_ReportsTheDuplicateAsAFullLoadDoes()
    {
        var duplicate = ReplaceNth(Base, "virtual_server 10.0.0.5 80", "virtual_server 10.0.0.2 80", 0);
        var loader = new IncrementalConfigLoader();
        loader.LoadText(Base, File, Options);

        var result = loader.LoadText(duplicate, File, Options);

        Assert.That(loader.LastWasIncremental, Is.True);
        AssertSameAsFullLoad(result, duplicate);
        Assert.That(result.ErrorFindings(), Is.EqualTo(new[] { (DiagnosticCodes.Duplicate, LineOf(duplicate, "virtual_server 10.0.0.2 80", 1)) }));
    }

    [Test]
    public void LoadText_FindingsAddedAndRemovedOverSeveralReloads_StayInTheOrderOfAFullLoad()
    {
        // Findings before the edited blocks (global_defs), in them, and after them (the fourth block's smtp_alert),
        // from the parser and the binder, appearing and going away; each step starts from the one before.
        var loader = new IncrementalConfigLoader();
        var text = Base;
        loader.LoadText(text, File, Options);
        Func<string, string>[] edits =
        [
            t => ReplaceNth(t, "    protocol TCP\n", "    smtp_alert\n", 1),
            t => ReplaceNth(t, "weight 1", "weight -5", 8),
            t => ReplaceNth(t, "lb_algo rr", "lb_algo", 2),
            t => ReplaceNth(t, "weight -5", "weight 1", 0),
            t => ReplaceNth(t, "    smtp_alert\n", "    protocol TCP\n", 0),
            t => ReplaceNth(t, "lb_algo\n", "lb_algo rr\n", 0),
            t => ReplaceNth(t, "lb_algo rr", "ops       ", 2),
            t => ReplaceNth(t, "real_server 10.1.3.2 80", "real_server 10.1.3.1 80", 0),
            t => ReplaceNth(t, "lb_algo rr", "ops       ", 3),
            t => ReplaceNth(t, "ops       ", "lb_algo rr", 0),
            t => ReplaceNth(t, "real_server 10.1.3.1 80 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n    real_server 10.1.3.1 80", "real_server 10.1.3.1 80 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n    real_server 10.1.3.2 80", 0),
            t => ReplaceNth(t, "ops       ", "lb_algo rr", 0),
        ];
        foreach (var edit in edits)
        {
            text = edit(text);
            var result = loader.LoadText(text, File, Options);
            Assert.That(loader.LastWasIncremental, Is.True, loader.LastLoad);
            AssertSameAsFullLoad(result, text);
        }

        Assert.That(text, Is.EqualTo(Base), "the edits undo each other");
        Assert.That(loader.LoadText(text, File, Options).Diagnostics, Is.EqualTo(KeepalivedConfigLoader.LoadText(Base, File, Options).Diagnostics));
    }

    [Test]
    public void LoadText_ManyRandomOneLineEditsInARow_EachEqualsAFullLoad()
    {
        string[] lines = ["weight 0", "weight 9", "lb_algo wrr", "lb_algo nosuch", "delay_loop 2", "quorum 2", "persistence_timeout 30", "sorry_server 10.9.9.9 80", "inhibit_on_failure", "connect_port 8080", "alpha", "weight", "ops", "protocol UDP", "# nothing", ""];
        var random = new Random(7);
        var loader = new IncrementalConfigLoader();
        var text = Base;
        loader.LoadText(text, File, Options);
        for (var i = 0; i < 60; i++)
        {
            // A random line of a virtual_server block without a brace becomes another line, indented alike.
            var all = text.Split('\n');
            var first = Array.FindIndex(all, l => l.StartsWith("virtual_server", StringComparison.Ordinal));
            var candidates = Enumerable.Range(first, all.Length - first).Where(n => all[n].StartsWith("    ", StringComparison.Ordinal) && !all[n].Contains('{') && !all[n].Contains('}')).ToList();
            var line = candidates[random.Next(candidates.Count)];
            all[line] = all[line][..(all[line].Length - all[line].TrimStart().Length)] + lines[random.Next(lines.Length)];
            text = string.Join('\n', all);

            var result = loader.LoadText(text, File, Options);
            AssertSameAsFullLoad(result, text);
            Assert.That(loader.LastWasIncremental, Is.True, loader.LastLoad);
        }
    }

    [Test]
    public void LoadText_SameTextAgain_ReturnsTheSameResult()
    {
        var loader = new IncrementalConfigLoader();
        var first = loader.LoadText(Base, File, Options);

        var again = loader.LoadText(Base, File, Options);

        Assert.That(again, Is.SameAs(first));
        Assert.That(loader.LastWasIncremental, Is.True);
    }

    [Test]
    public void LoadText_OneBlockReadAgain_KeepsEveryOtherEntryAsTheSameObject()
    {
        var loader = new IncrementalConfigLoader();
        var before = loader.LoadText(Base, File, Options).Config;

        var after = loader.LoadText(ReplaceNth(Base, "weight 1", "weight 5", 7), File, Options).Config;

        Assert.That(Enumerable.Range(0, 5).Select(i => ReferenceEquals(before.VirtualServers[i], after.VirtualServers[i])), Is.EqualTo(new[] { true, true, false, true, true }));
        Assert.That(after.Global, Is.SameAs(before.Global));
        Assert.That(after.VrrpInstances[0], Is.SameAs(before.VrrpInstances[0]));
    }

    [Test]
    public void LoadText_FileWithAnInclude_AlwaysLoadsInFull()
    {
        var fs = new MemoryFileSystem();
        fs.Add("/etc/keepalived/extra.conf", VirtualServer(9));
        var options = Options with { FileSystem = fs };
        var text = Base + "include extra.conf\n";
        var loader = new IncrementalConfigLoader();
        loader.LoadText(text, File, options);

        var edited = ReplaceNth(text, "weight 1", "weight 2", 0);
        var result = loader.LoadText(edited, File, options);

        Assert.That(loader.LastWasIncremental, Is.False);
        Assert.That(result.Config, Is.EqualTo(KeepalivedConfigLoader.LoadText(edited, File, options).Config));
        Assert.That(result.Config.VirtualServers, Has.Length.EqualTo(6));
    }

    [Test]
    public void LoadText_OtherFileName_LoadsInFull()
    {
        var loader = new IncrementalConfigLoader();
        loader.LoadText(Base, File, Options);

        var result = loader.LoadText(ReplaceNth(Base, "weight 1", "weight 2", 0), "/etc/keepalived/other.conf", Options);

        Assert.That(loader.LastWasIncremental, Is.False);
        Assert.That(result.Config.VirtualServers[0].Location.File, Is.EqualTo("/etc/keepalived/other.conf"));
    }

    [Test]
    public void LoadText_CrLfLineEnds_ReadsOneBlockAndEqualsAFullLoad()
    {
        var crlf = Base.Replace("\n", "\r\n", StringComparison.Ordinal);

        Assert.That(LoadAndCompare(crlf, ReplaceNth(crlf, "weight 1", "weight 3", 2)), Is.True);
    }

    [Test]
    public void LoadText_FirstAndLastBlocksEdited_ReadOneBlockEach()
    {
        Assert.That(LoadAndCompare(Base, ReplaceNth(Base, "weight 1", "weight 2", 0)), Is.True);
        var last = Base.TrimEnd('\n');
        Assert.That(LoadAndCompare(last, ReplaceNth(last, "weight 1", "weight 2", 14)), Is.True);
    }

    /// <summary>Loads <paramref name="before"/>, then <paramref name="after"/>, as bytes; asserts the second equals a full load of the decoded text and returns whether it was incremental.</summary>
    private static bool LoadUtf8AndCompare(byte[] before, byte[] after)
    {
        var loader = new IncrementalConfigLoader();
        loader.LoadUtf8(before, File, Options);
        var incremental = loader.LoadUtf8(after, File, Options);
        var text = new UTF8Encoding(false).GetString(after.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? after.AsSpan(3) : after);
        AssertSameAsFullLoad(incremental, text);
        return loader.LastWasIncremental;
    }

    [Test]
    public void LoadUtf8_WeightChanged_ReadsOneBlockAndEqualsAFullLoad()
    {
        var edited = ReplaceNth(Base, "weight 1", "weight 7", 7);

        Assert.That(LoadUtf8AndCompare(Encoding.UTF8.GetBytes(Base), Encoding.UTF8.GetBytes(edited)), Is.True);
    }

    [Test]
    public void LoadUtf8_MultiByteCharactersBeforeAndInTheEditedBlock_ReadsOneBlockAndEqualsAFullLoad()
    {
        // Characters of two, three and four bytes before the block: byte offsets and character offsets differ there.
        var text = ReplaceNth(Base, "router_id lb1", "router_id lb1 # Zürich € 😀", 0);
        text = ReplaceNth(text, "    lb_kind NAT\n", "    lb_kind NAT # naïve\n", 3);
        var edited = ReplaceNth(text, "weight 1", "weight 4", 10);

        Assert.That(LoadUtf8AndCompare(Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(edited)), Is.True);
        Assert.That(LoadUtf8AndCompare(Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(ReplaceNth(text, "naïve", "naive", 0))), Is.True);
    }

    [Test]
    public void LoadUtf8_InvalidSequencesInAndAroundTheEditedBlock_ReadsOneBlockAndEqualsAFullLoadOfTheDecodedText()
    {
        // A lead byte cut short by the line break (before the edited block), a stray continuation byte (in it): each
        // reads as U+FFFD, in the whole file as in the one block decoded alone.
        var text = ReplaceNth(Base, "    protocol TCP\n", "    protocol TCP # \u0001\n", 2);
        text = ReplaceNth(text, "    protocol TCP\n", "    protocol TCP # \u0002\n", 3);
        static byte[] Invalid(string text) => [.. Encoding.UTF8.GetBytes(text).Select(b => b switch { 1 => (byte)0xE2, 2 => (byte)0x80, _ => b })];
        var before = Invalid(text);
        var after = Invalid(ReplaceNth(text, "weight 1", "weight 9", 10));

        Assert.That(LoadUtf8AndCompare(before, after), Is.True);
    }

    [Test]
    public void LoadUtf8_ByteOrderMark_IsSkippedAndAnEditReadsOneBlock()
    {
        var bom = Encoding.UTF8.Preamble.ToArray();
        var edited = ReplaceNth(Base, "weight 1", "weight 3", 0);

        Assert.That(LoadUtf8AndCompare([.. bom, .. Encoding.UTF8.GetBytes(Base)], [.. bom, .. Encoding.UTF8.GetBytes(edited)]), Is.True);
    }

    [Test]
    public void LoadUtf8_SameBytesAgain_ReturnsTheSameResult()
    {
        var loader = new IncrementalConfigLoader();
        var first = loader.LoadUtf8(Encoding.UTF8.GetBytes(Base), File, Options);

        var again = loader.LoadUtf8(Encoding.UTF8.GetBytes(Base), File, Options);

        Assert.That(again, Is.SameAs(first));
        Assert.That(loader.LastWasIncremental, Is.True);
    }

    [Test]
    public void LoadText_LoneSurrogate_LoadsInFullAndEqualsAFullLoad()
    {
        var odd = ReplaceNth(Base, "    protocol TCP\n", "    protocol TCP # \uD800\n", 1);
        var loader = new IncrementalConfigLoader();
        loader.LoadText(Base, File, Options);

        var result = loader.LoadText(odd, File, Options);
        var edited = ReplaceNth(odd, "weight 1", "weight 2", 0);
        var next = loader.LoadText(edited, File, Options);

        Assert.That(loader.LastWasIncremental, Is.False, loader.LastLoad);
        AssertSameAsFullLoad(result, odd);
        AssertSameAsFullLoad(next, edited);
    }

    /// <summary>The 1-based line of the <paramref name="occurrence"/>-th <paramref name="what"/>.</summary>
    private static int LineOf(string text, string what, int occurrence = 0)
    {
        var at = -1;
        for (var i = 0; i <= occurrence; i++)
        {
            at = text.IndexOf(what, at + 1, StringComparison.Ordinal);
        }

        return text.AsSpan(0, at).Count('\n') + 1;
    }
}
