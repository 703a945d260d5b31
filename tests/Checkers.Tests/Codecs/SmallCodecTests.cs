using Kad.Checkers.Codecs;
using Kad.Checkers.Probes;

namespace Kad.Checkers.Tests.Codecs;

public sealed class StatusCodeSetTests
{
    [Test]
    public void Default_Accepts200To299Only()
    {
        Assert.That(new[] { 199, 200, 250, 299, 300 }.Select(StatusCodeSet.Default.Contains), Is.EqualTo(new[] { false, true, true, true, false }));
    }

    [Test]
    public void Parse_KeepalivedExample_AcceptsListedCodesAndRanges()
    {
        var set = StatusCodeSet.Parse("200-299", "400-499", "503", "505");

        Assert.That(new[] { 204, 301, 404, 500, 503, 504, 505 }.Select(set.Contains), Is.EqualTo(new[] { true, false, true, false, true, false, true }));
        Assert.That(set.ToString(), Is.EqualTo("200-299 400-499 503 505"));
    }

    [TestCase("abc")]
    [TestCase("299-200")]
    [TestCase("42")]
    [TestCase("200-")]
    public void TryParse_Invalid_ReportsWord(string word)
    {
        Assert.That(StatusCodeSet.TryParse([word], out _, out var error), Is.False);
        Assert.That(error, Does.Contain(word));
    }
}

public sealed class HexPatternTests
{
    [Test]
    public void Parse_KeepalivedFreeFormat_GroupsPairsPerWord()
    {
        var pattern = HexPattern.Parse("Ab12f 3 456 546443123");

        Assert.That(pattern.Bytes, Is.EqualTo(new byte[] { 0xAB, 0x12, 0x0F, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03 }));
    }

    [Test]
    public void Matches_WildcardNibbles_Ignored()
    {
        var pattern = HexPattern.Parse("12X4 Xf");

        Assert.That(pattern.Matches([0x12, 0x94, 0x7F]), Is.True);
        Assert.That(pattern.Matches([0x12, 0x95, 0x7F]), Is.False);
        Assert.That(pattern.Matches([0x13]), Is.False);
    }

    [Test]
    public void Matches_ComparesOverShorterLength()
    {
        var pattern = HexPattern.Parse("0102 0304");

        Assert.That(pattern.Matches([1, 2]), Is.True);
        Assert.That(pattern.Matches([1, 2, 3, 4, 5, 6]), Is.True);
    }

    [Test]
    public void TryParse_WildcardNotAllowed_Fails()
    {
        Assert.That(HexPattern.TryParse("1x", allowWildcards: false, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("'x'"));
    }
}

public sealed class CommandLineWordsTests
{
    [TestCase("/bin/check", new[] { "/bin/check" })]
    [TestCase("  /bin/check   -a  b ", new[] { "/bin/check", "-a", "b" })]
    [TestCase("/bin/check 'two words' \"and three here\"", new[] { "/bin/check", "two words", "and three here" })]
    [TestCase("/bin/check a\\ b", new[] { "/bin/check", "a b" })]
    [TestCase("/bin/check \"say \\\"hi\\\"\"", new[] { "/bin/check", "say \"hi\"" })]
    [TestCase("/bin/check 'esc\\'aped'", new[] { "/bin/check", "esc'aped" })]
    [TestCase("/bin/check tab\\there \\x41\\102 \\cA", new[] { "/bin/check", "tab\there", "AB", "\u0001" })]
    [TestCase("/bin/check ''", new[] { "/bin/check", "" })]
    [TestCase("/bin/check pre'quoted'post", new[] { "/bin/check", "prequotedpost" })]
    public void TrySplit_SplitsLikeKeepalived(string command, string[] expected)
    {
        Assert.That(CommandLineWords.TrySplit(command, out var words, out var error), Is.True, error);
        Assert.That(words, Is.EqualTo(expected));
    }

    [TestCase("/bin/check 'open", "unterminated")]
    [TestCase("/bin/check \"open", "unterminated")]
    [TestCase("   ", "empty")]
    [TestCase("/bin/check \\", "backslash")]
    public void TrySplit_Invalid_Fails(string command, string expected)
    {
        Assert.That(CommandLineWords.TrySplit(command, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(expected));
    }
}

public sealed class SmtpReplyTests
{
    [Test]
    public void TryRead_MultiLine_ReturnsFinalCodeAndConsumed()
    {
        var buffer = "250-first\r\n250-second\r\n250 last\r\n220 next"u8;

        Assert.That(SmtpReply.TryRead(buffer, out var code, out var text, out var consumed, out _), Is.True);
        Assert.That((code, text, consumed), Is.EqualTo((250, "last", 33)));
    }

    [Test]
    public void TryRead_Partial_NeedsMore()
    {
        Assert.That(SmtpReply.TryRead("220-hello\r\n220 wor"u8, out _, out _, out var consumed, out var error), Is.False);
        Assert.That((consumed, error), Is.EqualTo((0, (string?)null)));
    }

    [Test]
    public void TryRead_NotSmtp_Errors()
    {
        Assert.That(SmtpReply.TryRead("HTTP/1.1 400 Bad\r\n"u8, out _, out _, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("not an SMTP reply"));
    }
}

public sealed class MiscExitStatusTests
{
    [TestCase(0, false, true, null)]
    [TestCase(1, false, false, null)]
    [TestCase(2, false, false, null)]
    [TestCase(0, true, true, null)]
    [TestCase(1, true, false, null)]
    [TestCase(2, true, true, 0)]
    [TestCase(12, true, true, 10)]
    [TestCase(255, true, true, 253)]
    public void Interpret_MapsExitStatusAsKeepalived(int status, bool dynamic, bool up, int? weight)
    {
        var result = MiscProbe.Interpret(status, dynamic);

        Assert.That((result.Success, result.DynamicWeight), Is.EqualTo((up, weight)));
    }
}
