using Kad.Config.Binding;
using Kad.Config.Keywords;

namespace Kad.Config.Tests.Keywords;

public class KeywordSchemaTests
{
    private static readonly KeywordSchema Schema = KeywordSchema.Default;

    [Test]
    public void Default_LoadsTheEmbeddedKeywordTree()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Schema.TopLevel.Keys, Is.SupersetOf(new[] { "global_defs", "vrrp_instance", "vrrp_script", "vrrp_sync_group", "virtual_server", "virtual_server_group" }));
            Assert.That(Schema.TopLevel["vrrp_instance"].Children["virtual_ipaddress"].Kind, Is.EqualTo(KeywordKind.Value));
            Assert.That(Schema.TopLevel["vrrp_instance"].Children["authentication"].Kind, Is.EqualTo(KeywordKind.Block));
            Assert.That(Schema.TopLevel["vrrp_instance"].Children["priority"].Kind, Is.EqualTo(KeywordKind.Leaf));
            Assert.That(Schema.All, Has.Count.GreaterThan(450));
        });
    }

    [Test]
    public void Ignored_EveryIgnoredKeywordHasAReason()
    {
        Assert.That(Schema.All.Where(k => k.Support == KeywordSupport.Ignored && string.IsNullOrWhiteSpace(k.Reason)).Select(k => k.Path), Is.Empty);
    }

    [Test]
    public void Aliases_TakeTheSupportOfWhatTheyStandFor()
    {
        var vs = Schema.TopLevel["virtual_server"].Children;
        Assert.Multiple(() =>
        {
            Assert.That(vs["lb_algo"].CanonicalName, Is.EqualTo("lvs_sched"));
            Assert.That(vs["lb_algo"].Support, Is.EqualTo(KeywordSupport.Modelled));
            Assert.That(Schema.TopLevel["vrrp_track_file"].Support, Is.EqualTo(KeywordSupport.Modelled));
        });
    }

    /// <summary>
    /// The binder's handler tables and the keyword file's "modelled" column must name the same keywords: a modelled
    /// keyword without a handler would be silently dropped, and a handler for a keyword the file calls ignored
    /// would bind something the docs say kad ignores.
    /// </summary>
    [Test]
    public void Modelled_KeywordsAndBinderHandlersAreTheSameSet()
    {
        var modelled = Schema.All
            .Where(k => k.Support == KeywordSupport.Modelled && k.AliasOf is null)
            .Select(k => k.Path)
            .ToHashSet(StringComparer.Ordinal);
        var handled = ConfigBinder.HandledPaths().ToHashSet(StringComparer.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That(modelled.Except(handled).Order(), Is.Empty, "modelled in the keyword file but not bound");
            Assert.That(handled.Except(modelled).Order(), Is.Empty, "bound but not modelled in the keyword file");
        });
    }

    [TestCase("x leaf modelled\n x leaf modelled\n", TestName = "Parse_BadIndentation_Throws")]
    [TestCase("x leaf nope\n", TestName = "Parse_UnknownStatus_Throws")]
    [TestCase("x leaf ignored undeclared\n", TestName = "Parse_UndeclaredReason_Throws")]
    [TestCase("x leaf modelled\nx leaf modelled\n", TestName = "Parse_Duplicate_Throws")]
    [TestCase("x block modelled\n  y leaf alias z\n", TestName = "Parse_AliasOfNothing_Throws")]
    public void Parse_Malformed_Throws(string text)
    {
        Assert.That(() => KeywordSchema.Parse(text), Throws.TypeOf<FormatException>());
    }
}
