using System.Text.RegularExpressions;
using Kad.Config;

namespace Kad.Cli.Tests;

/// <summary>Runs <c>dotnet-kad check</c> in-process, through the real command line, on files written per test.</summary>
public partial class CheckCommandTests
{
    private const string Samples = "/usr/share/doc/keepalived/samples";

    private const string Usable = """
        global_defs {
            enable_script_security
        }
        vrrp_script chk {
            script "/bin/true"
        }
        vrrp_instance VI_1 {
            state MASTER
            interface eth0
            virtual_router_id 51
            priority 100
            virtual_ipaddress {
                192.0.2.10/24
            }
            track_script {
                chk
            }
        }
        virtual_server 192.0.2.10 80 {
            lb_algo rr
            lb_kind NAT
            protocol TCP
            real_server 10.0.0.1 80 {
                TCP_CHECK {
                    connect_timeout 3
                }
            }
        }
        """;

    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("kad-check-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Check_UsableFile_ExitsZeroAndSaysUsable()
    {
        var path = Write("good.conf", Usable);

        var (exit, output, _) = Run("check", "-f", path);

        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain($"{path}: usable (0 warnings)"));
        Assert.That(output, Does.Not.Contain(": error:"));
    }

    [Test]
    public void Check_BrokenFile_ExitsFiveAndPrintsEachFindingWithLineAndColumn()
    {
        var path = Write("bad.conf", """
            vrrp_instance VI_1 {
                state MASTER
                interface eth0
                virtual_router_id 300
                bogus_keyword 1
                priority 100
                virtual_ipaddress {
                    192.0.2.10/24
                }
            }
            """);

        var (exit, output, _) = Run("check", "-f", path);

        Assert.That(exit, Is.EqualTo(5));
        Assert.That(output, Does.Contain($"{path}:4:23: error: 'virtual_router_id': 300 is outside [1, 255]"));
        Assert.That(output, Does.Contain($"{path}:5:5: error: unknown keyword 'bogus_keyword'"));
        Assert.That(output, Does.Contain("not usable (3 errors, 0 warnings)"));
    }

    [Test]
    public void Check_BrokenFile_PrintsEveryLoaderFindingInTheDocumentedShape()
    {
        var path = Write("bad.conf", "vrrp_instance X {\n  state BOGUS\n  advert_int -1\n}\nglobal_defs {\n  nonsense\n}\n");
        var expected = KeepalivedConfigLoader.Load(path).Diagnostics;

        var (exit, output, _) = Run("check", "-f", path);
        var findings = output.Split('\n').Where(l => FindingLine().IsMatch(l)).ToList();

        Assert.That(exit, Is.EqualTo(5));
        Assert.That(expected, Is.Not.Empty);
        Assert.That(findings, Has.Count.EqualTo(expected.Length));
        Assert.That(findings.Count(l => l.Contains(": error: ", StringComparison.Ordinal)), Is.EqualTo(expected.Count(d => d.IsError)));
    }

    [Test]
    public void Check_WarningsOnly_ExitsZero()
    {
        var path = Write("warn.conf", "global_defs {\n    smtp_server 192.0.2.1\n}\n" + Usable);

        var (exit, output, _) = Run("check", "-f", path);

        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain($"{path}:2:5: warning: 'smtp_server'"));
    }

    [Test]
    public void Check_MissingFile_ExitsFive()
    {
        var (exit, output, _) = Run("check", "-f", Path.Combine(_directory, "absent.conf"));

        Assert.That(exit, Is.EqualTo(5));
        Assert.That(output, Does.StartWith("error: configuration file"));
        Assert.That(output, Does.Contain("does not exist"));
    }

    [Test]
    public void Check_Dump_PrintsModelAfterIncludesAndMacros()
    {
        Write("servers.inc", "virtual_server $VIP 443 {\n    lb_algo wlc\n    real_server 10.0.0.7 443 {\n        weight 3\n    }\n}\n");
        var path = Write("main.conf", "$VIP=192.0.2.99\ninclude servers.inc\n");

        var (exit, output, _) = Run("check", "-f", path, "--dump");

        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("192.0.2.99"));
        Assert.That(output, Does.Not.Contain("$VIP"));
        Assert.That(output, Does.Contain("wlc"));
        Assert.That(output, Does.Contain("10.0.0.7"));
        Assert.That(output, Does.Match(@"\n +Weight = 3,?\n"));
    }

    [Test]
    public void Check_WithoutDump_PrintsNoModel()
    {
        var (_, output, _) = Run("check", "-f", Write("good.conf", Usable));

        Assert.That(output, Does.Not.Contain("KeepalivedConfig"));
    }

    [Test]
    public void Indent_NestedRecordText_OneMemberPerLineAndUnsetLeftOut()
    {
        var text = CheckCommand.Indent("A { B = 1, C = , D = [x, y], E = F { G = 2 }, H = [] }");

        Assert.That(text, Is.EqualTo("A {\n  B = 1,\n  D = [\n    x,\n    y\n  ],\n  E = F {\n    G = 2\n  },\n  H = []\n}\n"));
    }

    [TestCase("keepalived.conf.sample")]
    [TestCase("keepalived.conf.vrrp")]
    [TestCase("keepalived.conf.virtual_server_group")]
    public void Check_DebianSample_ExitsZero(string sample)
    {
        var path = Path.Combine(Samples, sample);
        Kad.Testing.LabPolicy.Require(File.Exists(path), $"{path} is missing (install keepalived)");

        var (exit, output, _) = Run("check", "-f", path);

        Assert.That(exit, Is.EqualTo(0), output);
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = CliCommandLine.Build(output, error).Parse(args).Invoke();
        return (exit, output.ToString().ReplaceLineEndings("\n"), error.ToString());
    }

    [Test]
    public void Check_ConfigId_SelectsTheConditionalLines()
    {
        var path = Write("ids.conf", "global_defs {\n@lb1 router_id one\n@^lb1 vrrp_version 9\n}\n");

        var (asLb1, lb1Output, _) = Run("check", "-f", path, "-i", "lb1");
        var (asOther, otherOutput, _) = Run("check", "--config-id", "lb2", "-f", path);

        Assert.That(asLb1, Is.EqualTo(0), lb1Output);
        Assert.That(asOther, Is.EqualTo(5));
        Assert.That(otherOutput, Does.Contain($"{path}:3:20: error: 'vrrp_version': 9 is outside [2, 3]"));
    }

    [Test]
    public void Check_ConfigIdWithDump_ShowsTheSelectedValue()
    {
        var path = Write("dump.conf", "global_defs {\n@lb1 router_id one\n@lb2 router_id two\n}\n");

        var (exit, output, _) = Run("check", "-f", path, "-i", "lb2", "--dump");

        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain("RouterId = two"));
        Assert.That(output, Does.Not.Contain("RouterId = one"));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [GeneratedRegex(@"^[^:]+:\d+:\d+: (error|warning): ")]
    private static partial Regex FindingLine();
}
