using System.Text.RegularExpressions;
using Kad.Testing;

namespace Kad.Daemon.Tests.Lab;

/// <summary>
/// The published kad and dotnet-kad against the real IPVS of the kernel lab, one guest boot for the fixture
/// (kad-reload-lab.sh acts and prints sections; the judging is here): the plan printed before a SIGHUP is exactly
/// what the reload then does to <c>ipvsadm -Sn</c>, and a reload touching 1 of 100 destinations leaves the other
/// 99 — their counters and held-open connections — as they were.
/// </summary>
[TestFixture]
[Category(LabPolicy.Kernel)]
public sealed partial class KadReloadKernelLabTests
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "tests", "Daemon.Tests", "Lab", "kad-reload-lab.sh");

    private Dictionary<string, string> _sections = [];
    private string _output = "";

    [OneTimeSetUp]
    public void RunInGuest()
    {
        // KAD_RELOAD_LAB_OUTPUT=FILE judges a recorded run of the script (its kernel-lab output) without booting again.
        string output;
        if (Environment.GetEnvironmentVariable("KAD_RELOAD_LAB_OUTPUT") is { Length: > 0 } recorded)
        {
            output = File.ReadAllText(recorded);
        }
        else
        {
            KernelLab.RequireAvailable();
            var result = KernelLab.Run(Script, timeout: TimeSpan.FromMinutes(20));
            output = result.StandardOutput;
            _output = result.StandardError;
        }

        _output = output + _output;
        _sections = Section().Matches(output).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["body"].Value);
        TestContext.Progress.WriteLine(string.Join('\n', output.Split('\n').Where(l => l.StartsWith("INFO ", StringComparison.Ordinal))));
    }

    [Test]
    public void Plan_ChangedConfig_IsWhatTheSighupReloadDidToIpvsadm()
    {
        var before = IpvsadmRules.Parse(Get("a_before"));
        var plan = PlanLines(Get("a_plan"));
        var after = IpvsadmRules.Parse(Get("a_after"));

        var predicted = IpvsadmRules.Apply(before, plan);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Select(l => l.Split(' ')[0]).Distinct(), Is.EquivalentTo(new[] { "-A", "-E", "-D", "-a", "-e", "-d" }), "the plan exercises every kind of operation:\n" + Get("a_plan"));
            Assert.That(after, Is.Not.EqualTo(before), "the reload changed the table");
            Assert.That(IpvsadmRules.Format(predicted), Is.EqualTo(IpvsadmRules.Format(after)), "plan applied to the table before = table after:\n" + Get("a_plan"));
        });
    }

    [Test]
    public void Plan_AfterTheReload_ChangesNothing()
    {
        Assert.That(Get("a_plan_again"), Does.Contain("would change nothing").And.Contain("exit=0"));
    }

    [Test]
    public void Plan_VrrpAddressChanged_ReportedAndTheReloadMovedTheAddress()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Get("a_plan"), Does.Contain("update instance VI_1 (kdd vrid 51): +10.20.9.2/32; -10.20.9.1/32"));
            Assert.That(Get("a_plan_json"), Does.Contain("\"kind\": \"Update\""));
            Assert.That(Get("a_addresses"), Does.Contain("10.20.9.2/32").And.Not.Contain("10.20.9.1/32"));
        });
    }

    [Test]
    public void Sighup_OneOf100DestinationsChanged_OnlyThatDestinationChanges()
    {
        var before = Destinations(Get("b_before"));
        var after = Destinations(Get("b_after"));

        Assert.That(before, Has.Count.EqualTo(100), Get("b_before"));
        Assert.That(after, Has.Count.EqualTo(100), Get("b_after"));
        // Held-open connections may end on their own (busybox httpd gives up on unfinished headers after 60 s, and a
        // loaded TCG guest can take that long), so their destinations are judged by counters below, not by ActiveConn.
        var quiet = before.Keys.Where(k => before[k].Active == 0 && k != "10.20.1.50:8080").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(quiet.Where(k => before[k] != after[k]), Is.Empty, "untouched destinations keep forward, weight and active connections");
            Assert.That(after["10.20.1.50:8080"].Weight, Is.EqualTo(3));
            Assert.That(after.Where(d => d.Key != "10.20.1.50:8080").Select(d => d.Value.Weight).Distinct(), Is.EqualTo(new[] { 1 }));
            Assert.That(Regex.Count(Get("b_log"), "IPVS (NEW|SET|DEL)_"), Is.EqualTo(1), "one IPVS operation logged by the reload:\n" + Get("b_log"));
            Assert.That(Get("b_log"), Does.Contain("IPVS SET_DEST service TCP 10.9.0.5:80 destination 10.20.1.50:8080"));
        });
    }

    [Test]
    public void Sighup_OneOf100DestinationsChanged_CountersKept()
    {
        var before = Destinations(Get("b_before"));
        var statsBefore = Stats(Get("b_before_stats"));
        var statsAfter = Stats(Get("b_after_stats"));
        var held = before.Where(d => d.Value.Active > 0).Select(d => d.Key).ToHashSet();

        Assert.Multiple(() =>
        {
            Assert.That(held, Is.Not.Empty, "connections were held open through the reload:\n" + Get("b_before"));
            Assert.That(statsBefore.Values.Sum(s => Conns(s)), Is.GreaterThan(100), "traffic went through:\n" + Get("b_before_stats"));
            Assert.That(statsAfter.Where(s => !held.Contains(s.Key)), Is.EquivalentTo(statsBefore.Where(s => !held.Contains(s.Key))), "Conns/InPkts/OutPkts/InBytes/OutBytes of every destination without live traffic, the edited one included");
            Assert.That(held.Select(k => Conns(statsAfter[k])), Is.EqualTo(held.Select(k => Conns(statsBefore[k]))), "destinations with live connections keep their connection counters (a delete + add would zero them)");
        });
    }

    private static long Conns(string counters) => long.Parse(counters.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    private string Get(string name) =>
        _sections.TryGetValue(name, out var body) ? body : throw new AssertionException($"no section {name} in the guest's output:\n{_output}");

    /// <summary>The ipvsadm argument lines of a human plan, without the "# was" remarks.</summary>
    private static List<string> PlanLines(string plan) =>
        [.. plan.Split('\n').Select(l => l.Trim()).Where(l => Regex.IsMatch(l, "^-[AEDaed] ")).Select(l => l.Split("    #")[0].Trim())];

    /// <summary>ipvsadm -Ln destination lines: endpoint → (forward, weight, active). InActConn is left out: TIME_WAIT entries expire on their own.</summary>
    private static Dictionary<string, Destination> Destinations(string table) =>
        DestinationLine().Matches(table).ToDictionary(
            m => m.Groups["rs"].Value,
            m => new Destination(m.Groups["fwd"].Value, int.Parse(m.Groups["w"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups["a"].Value, System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>ipvsadm -Ln --stats destination lines: endpoint → "Conns InPkts OutPkts InBytes OutBytes".</summary>
    private static Dictionary<string, string> Stats(string table) =>
        StatsLine().Matches(table).ToDictionary(m => m.Groups["rs"].Value, m => Regex.Replace(m.Groups["counters"].Value.Trim(), @"\s+", " "));

    private sealed record Destination(string Forward, int Weight, int Active);

    [GeneratedRegex(@"^BEGIN (?<name>\S+)\n(?<body>.*?)^END \k<name>$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Section();

    [GeneratedRegex(@"^\s+->\s+(?<rs>\d+\.\d+\.\d+\.\d+:\d+)\s+(?<fwd>\w+)\s+(?<w>\d+)\s+(?<a>\d+)\s+(?<i>\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex DestinationLine();

    [GeneratedRegex(@"^\s+->\s+(?<rs>\d+\.\d+\.\d+\.\d+:\d+)\s+(?<counters>(\d+[KMG]?\s+){4}\d+[KMG]?)\s*$", RegexOptions.Multiline)]
    private static partial Regex StatsLine();
}

/// <summary>
/// ipvsadm rule lines (<c>ipvsadm -Sn</c>, and dotnet-kad plan's wording) as a keyed table, so a plan can be applied
/// to a saved table and compared with another; option order is normalised.
/// </summary>
internal static class IpvsadmRules
{
    /// <summary>"SERVICE" or "SERVICE|REALSERVER" → the sorted options ("-m -w 1", "-s rr").</summary>
    public static SortedDictionary<string, string> Parse(string save)
    {
        var table = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in save.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('-')))
        {
            var (command, key, options) = Split(line);
            if (command is "-A" or "-a")
            {
                table[key] = options;
            }
        }

        return table;
    }

    /// <summary>Applies -A/-E/-D/-a/-e/-d lines in order, as the kernel would.</summary>
    public static SortedDictionary<string, string> Apply(SortedDictionary<string, string> table, IEnumerable<string> lines)
    {
        var result = new SortedDictionary<string, string>(table, StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var (command, key, options) = Split(line);
            switch (command)
            {
                case "-A" or "-a":
                    Assert.That(result.ContainsKey(key), Is.False, $"{line}: already there");
                    result[key] = options;
                    break;
                case "-E" or "-e":
                    Assert.That(result.ContainsKey(key), Is.True, $"{line}: nothing to edit");
                    result[key] = options;
                    break;
                case "-D":
                    foreach (var gone in result.Keys.Where(k => k == key || k.StartsWith(key + "|", StringComparison.Ordinal)).ToList())
                    {
                        result.Remove(gone);
                    }

                    break;
                case "-d":
                    Assert.That(result.Remove(key), Is.True, $"{line}: nothing to delete");
                    break;
                default:
                    Assert.Fail($"not an ipvsadm rule: {line}");
                    break;
            }
        }

        return result;
    }

    public static string Format(SortedDictionary<string, string> table) => string.Join('\n', table.Select(e => $"{e.Key} {e.Value}"));

    private static (string Command, string Key, string Options) Split(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? service = null;
        string? realServer = null;
        var options = new List<string>();
        for (var i = 1; i < words.Length; i++)
        {
            var takesValue = i + 1 < words.Length && !words[i + 1].StartsWith('-');
            var word = words[i];
            if (word is "-t" or "-u" or "-f" or "--sctp-service")
            {
                service = $"{word} {words[++i]}";
            }
            else if (word == "-r")
            {
                realServer = words[++i];
            }
            else
            {
                options.Add(takesValue ? $"{word} {words[++i]}" : word);
            }
        }

        Assert.That(service, Is.Not.Null, $"no service in {line}");
        options.Sort(StringComparer.Ordinal);
        return (words[0], realServer is null ? service! : $"{service}|{realServer}", string.Join(' ', options));
    }
}
