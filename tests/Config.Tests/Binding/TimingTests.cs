using Kad.Config.Model;
using static Kad.Config.Tests.ConfigHarness;

namespace Kad.Config.Tests.Binding;

/// <summary>connect_timeout, retry, delay_before_retry, warmup and delay_loop on virtual servers, real servers and
/// checkers: gathered per block (<see cref="Kad.Config.Binding.TimingDraft"/>) with the meaning of one keyword at a time.</summary>
public class TimingTests
{
    private static ConfigLoadResult LoadServer(string serverLines, string realLines = "", string checkLines = "", string checker = "TCP_CHECK") => Load(
        $"virtual_server 192.0.2.1 80 {{\n{serverLines}\n real_server 192.0.2.11 80 {{\n{realLines}\n  {checker} {{\n{checkLines}\n  }}\n }}\n}}\n");

    [Test]
    public void Timing_AllFiveKeywords_AreReadOnEachLevel()
    {
        const string all = "connect_timeout 2.5\nretry 4\ndelay_before_retry 1\nwarmup 7\ndelay_loop 6";
        var r = LoadServer(all, all, all);

        var expected = new CheckTiming
        {
            ConnectTimeout = TimeSpan.FromSeconds(2.5),
            Retry = 4,
            DelayBeforeRetry = TimeSpan.FromSeconds(1),
            Warmup = TimeSpan.FromSeconds(7),
            DelayLoop = TimeSpan.FromSeconds(6),
        };
        var server = r.Config.VirtualServers.Single();
        Assert.That(r.Diagnostics, Is.Empty);
        Assert.That(server.Timing, Is.EqualTo(expected));
        Assert.That(server.RealServers.Single().Timing, Is.EqualTo(expected));
        Assert.That(server.RealServers.Single().Checkers.Single().Timing, Is.EqualTo(expected));
    }

    [Test]
    public void Timing_NoKeyword_LeavesEverythingUnset()
    {
        var r = LoadServer("lb_algo rr", "weight 2", "connect_port 81");

        var server = r.Config.VirtualServers.Single();
        Assert.That(server.Timing, Is.EqualTo(new CheckTiming()));
        Assert.That(server.RealServers.Single().Timing, Is.EqualTo(new CheckTiming()));
        Assert.That(server.RealServers.Single().Checkers.Single().Timing, Is.EqualTo(new CheckTiming()));
    }

    [Test]
    public void Timing_Repeated_LastWins_AndABadValueKeepsTheOneBefore()
    {
        var r = LoadServer("", "", "retry 1\nretry 2\nconnect_timeout 3\nconnect_timeout 0\ndelay_loop x");

        var timing = r.Config.VirtualServers.Single().RealServers.Single().Checkers.Single().Timing;
        Assert.That(timing, Is.EqualTo(new CheckTiming { Retry = 2, ConnectTimeout = TimeSpan.FromSeconds(3) }));
        Assert.That(r.ErrorFindings(), Is.EqualTo(new[] { ("invalid-value", 9), ("invalid-value", 10) }));
    }

    [Test]
    public void Timing_InterleavedWithOtherKeywords_KeepsTheirOrderOfFindings()
    {
        var r = LoadServer("delay_loop -1\nlb_algo\nretry -2\nquorum 0");

        Assert.That(r.ErrorFindings().Select(f => f.Line), Is.EqualTo(new[] { 2, 3, 4, 5 }));
    }

    [Test]
    public void MiscCheck_ConnectTimeout_IsNotATimingSetting()
    {
        var r = LoadServer("", "", "misc_path /bin/true\nconnect_timeout 5\nretry 3", "MISC_CHECK");

        var timing = r.Config.VirtualServers.Single().RealServers.Single().Checkers.Single().Timing;
        Assert.That(timing, Is.EqualTo(new CheckTiming { Retry = 3 }));
    }
}
