namespace Kad.Config.Tests.Syntax;

using static PreprocessorHarness;

public class PreprocessorTests
{
    [Test]
    public void Comments_HashAndBangOutsideQuotes_AreRemoved()
    {
        var (lines, diagnostics, _) = Run("a b # c\n! whole line\nd \"e # f\" ! g\nh\\#i \\!j\n");

        Assert.That(lines, Is.EqualTo(new[] { "a b", "d \"e # f\"", "h#i !j" }));
        Assert.That(diagnostics, Is.Empty);
    }

    [Test]
    public void Comments_InsideAnUnterminatedQuote_AreKept_TheParserReportsTheQuote()
    {
        var (lines, diagnostics, _) = Run("a \"b # c\n");

        Assert.That(lines, Is.EqualTo(new[] { "a \"b # c" }));
        Assert.That(diagnostics, Is.Empty);
    }

    [Test]
    public void Braces_AreSplitOntoLinesOfTheirOwn_ButNotInsideQuotes()
    {
        var (lines, _, _) = Run("vrrp_instance VI { state MASTER }\nx \"a{b}\" {\n}\n");

        Assert.That(lines, Is.EqualTo(new[] { "vrrp_instance VI", "{", "state MASTER", "}", "x \"a{b}\"", "{", "}" }));
    }

    [Test]
    public void Conditional_MatchingAndNegated_KeepTheRightLines()
    {
        var (lines, _, _) = Run("@main a\n@backup b\n@^main c\n@^backup d\n@main\n@ e\n");

        Assert.That(lines, Is.EqualTo(new[] { "a", "d" }));
    }

    [Test]
    public void Conditional_WithoutConfigId_KeepsOnlyNegatedLines()
    {
        var (lines, _, _) = Run("@main a\n@^main b\n", configId: null);

        Assert.That(lines, Is.EqualTo(new[] { "b" }));
    }

    [Test]
    public void Definitions_AreSubstitutedWhenFollowedBySpaceCommaParenOrEnd_OrBraced()
    {
        var (lines, _, _) = Run("$A=1\n$B=x${A}y\nz $A ${A} $Ax ${B} $B, $A) \"$A\" \"q $A\"\n");

        Assert.That(lines, Is.EqualTo(new[] { "z 1 1 $Ax x1y x1y, 1) \"$A\" \"q $A\"" }));
    }

    [Test]
    public void Definitions_AreExpandedAtUseNotAtDefinition()
    {
        var (lines, _, _) = Run("$BASE=10.2.${SUB}\n$SUB=0\n${BASE}.100/32\n$SUB=10\n${BASE}.100/32\n");

        Assert.That(lines, Is.EqualTo(new[] { "10.2.0.100/32", "10.2.10.100/32" }));
    }

    [Test]
    public void Definitions_SpaceBeforeEquals_IsNotADefinition()
    {
        var (lines, _, _) = Run("$A =1\n");

        Assert.That(lines, Is.EqualTo(new[] { "$A =1" }));
    }

    [Test]
    public void Definitions_ConditionalDefinition_AppliesOnlyOnMatchingSystem()
    {
        var (lines, _, _) = Run("@main $P=240\n@backup $P=200\npriority $P\n");

        Assert.That(lines, Is.EqualTo(new[] { "priority 240" }));
    }

    [Test]
    public void Definitions_ValueThatIsACondition_IsAppliedAfterSubstitution()
    {
        var (lines, _, _) = Run("$IF_MAIN=@main\n$IF_MAIN priority 240\n$IF_B=@backup\n$IF_B priority 1\n");

        Assert.That(lines, Is.EqualTo(new[] { "priority 240" }));
    }

    [Test]
    public void Multiline_DefinitionExpandsToSeveralLines_WithNestedDefinitionsAndConditions()
    {
        var text = """
            $M=a 1 \
              @main b 2 \
              @other c 3 \
              $X=5 \
              d x$X
            $M
            """;

        var (lines, _, _) = Run(text);

        Assert.That(lines, Is.EqualTo(new[] { "a 1", "b 2", "d x5" }));
    }

    [Test]
    public void Multiline_BlankLineEndsTheDefinition_CommentLineDoesNot()
    {
        var (lines, _, _) = Run("$M= \\\n  a \\\n# note\n  b \\\n\nc\n$M\n");

        Assert.That(lines, Is.EqualTo(new[] { "c", "a", "b" }));
    }

    [Test]
    public void Multiline_InTheMiddleOfALine_IsNotExpanded()
    {
        var (lines, _, _) = Run("$M=a \\\n b\nx $M y\n");

        Assert.That(lines, Is.EqualTo(new[] { "x $M y" }));
    }

    [Test]
    public void Multiline_ManPageInstanceTemplate_ExpandsPerNumber()
    {
        var text = """
            $INSTANCE= \
            vrrp_instance VI_${NUM} { \
                interface eth0.${NUM} \
                @high priority 130 \
                @low priority 120 \
                virtual_ipaddress { \
                    10.0.${NUM}.254/24 \
                } \
            }

            $NUM=0
            $INSTANCE

            $NUM=1
            $INSTANCE
            """;

        var (lines, _, _) = Run(text, configId: "low");

        Assert.That(lines, Is.EqualTo(new[]
        {
            "vrrp_instance VI_0", "{", "interface eth0.0", "priority 120", "virtual_ipaddress", "{", "10.0.0.254/24", "}", "}",
            "vrrp_instance VI_1", "{", "interface eth0.1", "priority 120", "virtual_ipaddress", "{", "10.0.1.254/24", "}", "}",
        }));
    }

    [Test]
    public void Builtins_HashBangInstancePwdRandom()
    {
        var (lines, diagnostics, _) = Run("x ${_HASH} a${_BANG}b ${_INSTANCE} ${_PWD} ${_RANDOM 7 7} ${_RANDOM}\n");

        Assert.That(diagnostics, Is.Empty);
        var words = lines.Single().Split(' ');
        Assert.That(words[..6], Is.EqualTo(new[] { "x", "#", "a!b", "main", "/etc/keepalived", "7" }));
        Assert.That(int.Parse(words[6], System.Globalization.CultureInfo.InvariantCulture), Is.InRange(0, 32767));
    }

    [Test]
    public void Builtins_UserDefinitionOverridesBuiltin()
    {
        var (lines, _, _) = Run("$_HASH=hash\n${_HASH}\n");

        Assert.That(lines, Is.EqualTo(new[] { "hash" }));
    }

    [Test]
    public void Undefined_BracedParameterOutsideQuotes_IsAnErrorAndNotSplitAtItsBraces()
    {
        var (lines, diagnostics, _) = Run("a ${NOPE} b\nc \"${NOPE}\"\nd $NOPE\n");

        Assert.That(lines, Is.EqualTo(new[] { "a ${NOPE} b", "c \"${NOPE}\"", "d $NOPE" }));
        Assert.That(diagnostics.Select(d => (d.Code, d.Location!.Value.Line)), Is.EqualTo(new[] { (DiagnosticCodes.Preprocessor, 1) }));
    }

    [Test]
    public void SelfReference_IsReportedAndStops()
    {
        var (_, diagnostics, _) = Run("$A=x$A\n$A\n");

        Assert.That(diagnostics.Select(d => d.Code), Does.Contain(DiagnosticCodes.Preprocessor));
    }

    [Test]
    public void Seq_DecimalHexDescendingAndDefaults()
    {
        var (lines, _, _) = Run("~SEQ(i,1,3) s$i\n~SEQx(j, 9, 2, 13) h${j}\n~SEQ(k, 3) k$k\n~SEQ(m, -2) m$m\n~SEQ(n, 010, 0x0a) n$n\n~SEQ (o,2) o$o\n");

        Assert.That(lines, Is.EqualTo(new[] { "s1", "s2", "s3", "h9", "hb", "hd", "k1", "k2", "k3", "m-1", "m-2", "n8", "n9", "n10", "o1", "o2" }));
    }

    [Test]
    public void Seq_NestedAndWithDefinitionParameters()
    {
        var (lines, _, _) = Run("$N=2\n~SEQ(a,1,$N) ~SEQ(b,0,1) x${a}.$b\n");

        Assert.That(lines, Is.EqualTo(new[] { "x1.0", "x1.1", "x2.0", "x2.1" }));
    }

    [TestCase("~SEQ(i,1,0,3) x")]
    [TestCase("~SEQ(i,3,-1,5) x")]
    [TestCase("~SEQx(i,-1,3) x")]
    [TestCase("~SEQ(i) x")]
    [TestCase("~SEQ i,1,3 x")]
    [TestCase("~LST(v, a b, c) x")]
    public void Seq_Invalid_IsReported(string line)
    {
        var (lines, diagnostics, _) = Run(line + "\n");

        Assert.That(lines, Is.Empty);
        Assert.That(diagnostics.Select(d => d.Code), Is.EqualTo(new[] { DiagnosticCodes.Preprocessor }));
    }

    [Test]
    public void Lst_SingleAndGroupedVariables_CombineWithSeq()
    {
        var (lines, _, _) = Run("~LST({a,b},{1,2},{3,4}) ~LST(c,x,y) ${a}${b}${c}\n~LST({p,q},{5},6) [${p}.${q}]\n~LST(v, 1, 2) ~SEQ(w,7,8) ${v}.$w\n");

        Assert.That(lines, Is.EqualTo(new[] { "12x", "12y", "34x", "34y", "[5.]", "[6.]", "1.7", "1.8", "2.7", "2.8" }));
    }

    [Test]
    public void Include_RelativeToIncludingFile_GlobSortedBracesInOrder()
    {
        var fs = new MemoryFileSystem()
            .Add("/etc/keepalived/d/b.conf", "from-b\ninclude ../e/*.conf\n")
            .Add("/etc/keepalived/d/a.conf", "from-a\n")
            .Add("/etc/keepalived/e/x.conf", "from-x ${_PWD}\n");

        var (lines, diagnostics, raw) = Run("include d/*.conf\ninclude d/{b,a}.conf\nafter\n", fs: fs);

        Assert.That(lines, Is.EqualTo(new[] { "from-a", "from-b", "from-x /etc/keepalived/e", "from-b", "from-x /etc/keepalived/e", "from-a", "after" }));
        Assert.That(diagnostics, Is.Empty);
        Assert.That(raw[0].Location, Is.EqualTo(new SourceLocation("/etc/keepalived/d/a.conf", 1, 1)));
    }

    [Test]
    public void Include_AfterConditionAndSubstitution_IsStillAnInclude()
    {
        var fs = new MemoryFileSystem().Add("/etc/keepalived/a.conf", "from-a\n");

        var (lines, _, _) = Run("@main include a.conf\n$F=a.conf\ninclude $F\n", fs: fs);

        Assert.That(lines, Is.EqualTo(new[] { "from-a", "from-a" }));
    }

    [TestCase("include missing.conf", DiagnosticSeverity.Warning)]
    [TestCase("includer missing.conf", DiagnosticSeverity.Warning)]
    [TestCase("includem missing.conf", DiagnosticSeverity.Error)]
    [TestCase("includea missing.conf", DiagnosticSeverity.Error)]
    [TestCase("includew nomatch*.conf", DiagnosticSeverity.Error)]
    [TestCase("includeb x/{a,zz}.conf", DiagnosticSeverity.Error)]
    [TestCase("includem x/{a,zz}.conf", DiagnosticSeverity.Error)]
    [TestCase("includer x", DiagnosticSeverity.Error)]
    [TestCase("include x", DiagnosticSeverity.Warning)]
    public void Include_Checks_DecideBetweenWarningAndError(string line, DiagnosticSeverity severity)
    {
        var fs = new MemoryFileSystem().Add("/etc/keepalived/x/a.conf", "a\n");

        var (_, diagnostics, _) = Run(line + "\n", fs: fs);

        Assert.That(diagnostics.Select(d => (d.Code, d.Severity)), Is.EqualTo(new[] { (DiagnosticCodes.Include, severity) }));
    }

    [TestCase("include nomatch*.conf")]
    [TestCase("includem nomatch*.conf")]
    [TestCase("includer nomatch*.conf")]
    public void Include_NoWildcardMatch_IsQuietUnlessWildcardMatchIsChecked(string line)
    {
        var (_, diagnostics, _) = Run(line + "\n");

        Assert.That(diagnostics, Is.Empty);
    }

    [Test]
    public void IncludeCheck_AppliesToLaterIncludesAndEndsWithTheFile()
    {
        var fs = new MemoryFileSystem().Add("/etc/keepalived/inner.conf", "global_defs {\ninclude_check\n}\n");

        var (_, diagnostics, _) = Run("include inner.conf\ninclude missing1.conf\nglobal_defs {\ninclude_check match\n}\ninclude missing2.conf\n", fs: fs);

        Assert.That(diagnostics.Select(d => (d.Severity, d.Location!.Value.Line)), Is.EqualTo(new[]
        {
            (DiagnosticSeverity.Warning, 2),
            (DiagnosticSeverity.Error, 6),
        }));
    }

    [Test]
    public void Include_ExecutableFile_IsSkipped()
    {
        var fs = new MemoryFileSystem().Add("/etc/keepalived/run.conf", "x\n", executable: true);

        var (lines, diagnostics, _) = Run("include run.conf\n", fs: fs);

        Assert.That(lines, Is.Empty);
        Assert.That(diagnostics.Single().Severity, Is.EqualTo(DiagnosticSeverity.Warning));
    }

    [Test]
    public void Include_Itself_StopsAtTheDepthLimit()
    {
        var (_, diagnostics, _) = Run("x\ninclude keepalived.conf\n");

        Assert.That(diagnostics.Count(d => d.Code == DiagnosticCodes.Include && d.IsError), Is.EqualTo(1));
    }

    [Test]
    public void Locations_ExpandedLinesCarryTheReferencingLine()
    {
        var (_, _, raw) = Run("$M=a \\\n b\n\nx\n$M\n");

        Assert.That(raw.Select(l => l.Location.Line), Is.EqualTo(new[] { 4, 5, 5 }));
    }

    [Test]
    public void Braces_AHundredThousandOnOneLine_AreJustLines()
    {
        var (lines, diagnostics, _) = Run("x " + new string('{', 100_000) + " y\n");

        Assert.That(lines, Has.Count.EqualTo(100_002));
        Assert.That(diagnostics, Is.Empty);
    }
}
