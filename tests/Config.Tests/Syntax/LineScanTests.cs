using System.Buffers;
using Kad.Config.Syntax;

namespace Kad.Config.Tests.Syntax;

/// <summary>The reader's per-line character searches agree with the span searches they replace.</summary>
public class LineScanTests
{
    private static readonly SearchValues<char> Blanks = SearchValues.Create(" \t\f\n\r\v");
    private static readonly SearchValues<char> BlanksAndQuote = SearchValues.Create(" \t\f\n\r\v\"");

    private static readonly string[] Lines =
    [
        "", " ", "\t\f\v\r\n", "weight 1", "  real_server 10.0.0.1 80 {", "}", "notify \"/bin/x {\" # c", "a\\#b ! c",
        "$X=1", "${X} y", "word\"quoted\"", "\"", "x\u00a0y", "~SEQ(i, 1, 3) a$i",
    ];

    [Test]
    public void Searches_EveryLine_AgreeWithTheSpanSearches()
    {
        foreach (var line in Lines)
        {
            (int Ours, int Span)[] pairs =
            [
                (LineScan.IndexOfNonBlank(line), line.AsSpan().IndexOfAnyExcept(Blanks)),
                (LineScan.IndexOfBlankOrQuote(line), line.AsSpan().IndexOfAny(BlanksAndQuote)),
                (LineScan.IndexOfCommentSpecial(line), line.AsSpan().IndexOfAny("\"\\#!")),
                (LineScan.IndexOfBraceSpecial(line), line.AsSpan().IndexOfAny("\"${}")),
                (LineScan.IndexOfDollarOrBrace(line), line.AsSpan().IndexOfAny("${}")),
            ];

            Assert.That(pairs.Select(p => p.Ours), Is.EqualTo(pairs.Select(p => p.Span)), line);
        }
    }

    [Test]
    public void IsBlank_IsTheCLocaleSpaceSet()
    {
        var blanks = Enumerable.Range(0, 0x3000).Select(i => (char)i).Where(LineScan.IsBlank);

        Assert.That(blanks, Is.EqualTo(" \t\n\v\f\r".OrderBy(c => c)));
    }
}
