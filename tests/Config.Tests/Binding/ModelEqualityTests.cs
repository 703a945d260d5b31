using Kad.Config.Model;

namespace Kad.Config.Tests.Binding;

using static ConfigHarness;

/// <summary>Model records compare by what they say, not where it is written: what a reload diff needs.</summary>
public class ModelEqualityTests
{
    private const string Text = """
        vrrp_instance VI {
            interface eth0
            virtual_router_id 1
            priority 100
            virtual_ipaddress {
                10.0.0.1/24
            }
            track_interface {
                eth1 weight 5
            }
            notify_master "/bin/echo master"
        }
        virtual_server 10.0.0.1 80 {
            real_server 10.0.0.2 80 {
                HTTP_GET {
                    url {
                        path /
                        status_code 200
                    }
                }
            }
        }
        """;

    [Test]
    public void SameContentMovedAround_IsEqual()
    {
        var a = Load(Text).Config;
        var b = Load("# a comment\n\n! another\n" + Text).Config;

        Assert.That(b, Is.EqualTo(a));
        Assert.That(b.GetHashCode(), Is.EqualTo(a.GetHashCode()));
        Assert.That(b.VrrpInstances[0].Location.Line, Is.Not.EqualTo(a.VrrpInstances[0].Location.Line));
    }

    [TestCase("priority 100", "priority 101")]
    [TestCase("10.0.0.1/24", "10.0.0.1/25")]
    [TestCase("eth1 weight 5", "eth1 weight 6")]
    [TestCase("\"/bin/echo master\"", "\"/bin/echo  master2\"")]
    [TestCase("status_code 200", "status_code 201")]
    public void ChangedSetting_IsNotEqual(string from, string to)
    {
        var a = Load(Text).Config;
        var b = Load(Text.Replace(from, to, StringComparison.Ordinal)).Config;

        Assert.That(b, Is.Not.EqualTo(a));
    }

    [Test]
    public void OnlyTheChangedInstanceDiffers()
    {
        var two = Text + "vrrp_instance VI2 {\n interface eth0\n virtual_router_id 2\n virtual_ipaddress {\n 10.0.0.9\n }\n}\n";
        var a = Load(two).Config;
        var b = Load(two.Replace("priority 100", "priority 90", StringComparison.Ordinal)).Config;

        Assert.That(b.VrrpInstances[0], Is.Not.EqualTo(a.VrrpInstances[0]));
        Assert.That(b.VrrpInstances[1], Is.EqualTo(a.VrrpInstances[1]));
        Assert.That(b.VirtualServers, Is.EqualTo(a.VirtualServers));
    }

    [Test]
    public void EquatableArray_ComparesElements()
    {
        EquatableArray<string> a = ["x", "y"];
        EquatableArray<string> b = ["x", "y"];
        EquatableArray<string> empty = default;

        Assert.That(a == b, Is.True);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
        Assert.That(empty == [], Is.True);
        Assert.That(a == ["x"], Is.False);
        Assert.That(a.ToString(), Is.EqualTo("[x, y]"));
    }
}
