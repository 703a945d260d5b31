using Kad.Checkers.Scheduling;

namespace Kad.Checkers.Tests.Scheduling;

public sealed class CheckerTimingTests
{
    [Test]
    public void Resolve_Nothing_Written_UsesKeepalivedDefaults()
    {
        var timing = CheckerTiming.Resolve(new TcpCheckOptions());

        Assert.That(timing, Is.EqualTo(new CheckerTiming(TimeSpan.FromSeconds(5), 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), false)));
    }

    [Test]
    public void Resolve_HttpGet_DelayBeforeRetryIs3s()
    {
        Assert.That(CheckerTiming.Resolve(new HttpCheckOptions()).DelayBeforeRetry, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(CheckerTiming.Resolve(new HttpCheckOptions { UseTls = true }).DelayBeforeRetry, Is.EqualTo(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public void Resolve_DnsCheck_Retry3AndDelayBeforeRetryIsDelayLoop()
    {
        var timing = CheckerTiming.Resolve(new DnsCheckOptions { DelayLoop = TimeSpan.FromSeconds(7) });

        Assert.That((timing.Retry, timing.DelayBeforeRetry), Is.EqualTo((3, TimeSpan.FromSeconds(7))));
    }

    [Test]
    public void Resolve_MiscCheck_Retry0()
    {
        Assert.That(CheckerTiming.Resolve(new MiscCheckOptions { MiscPath = "/bin/true" }).Retry, Is.Zero);
    }

    [Test]
    public void Resolve_WrittenValues_Win()
    {
        var timing = CheckerTiming.Resolve(new DnsCheckOptions
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            Retry = 0,
            DelayBeforeRetry = TimeSpan.FromSeconds(4),
            DelayLoop = TimeSpan.FromSeconds(6),
            Warmup = TimeSpan.Zero,
            Alpha = true,
        });

        Assert.That(timing, Is.EqualTo(new CheckerTiming(TimeSpan.FromSeconds(2), 0, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6), TimeSpan.Zero, true)));
    }
}

public sealed class StartScheduleTests
{
    [Test]
    public void FirstDelay_WithinWarmup()
    {
        var timing = CheckerTiming.Resolve(new TcpCheckOptions { Warmup = TimeSpan.FromSeconds(10) });
        var random = new Random(1);

        var delays = Enumerable.Range(0, 1000).Select(_ => StartSchedule.FirstDelay(timing, random)).ToList();

        Assert.That(delays.Min(), Is.GreaterThanOrEqualTo(TimeSpan.Zero));
        Assert.That(delays.Max(), Is.LessThan(TimeSpan.FromSeconds(10)));
        // Uniform spread: every tenth of the window gets a share.
        Assert.That(delays.GroupBy(d => (int)d.TotalSeconds).Count(), Is.EqualTo(10));
    }

    [Test]
    public void FirstDelay_WarmupZero_IsZero()
    {
        var timing = CheckerTiming.Resolve(new TcpCheckOptions { Warmup = TimeSpan.Zero });

        Assert.That(StartSchedule.FirstDelay(timing, new Random(1)), Is.EqualTo(TimeSpan.Zero));
    }
}

public sealed class RealServerHealthStateTests
{
    [Test]
    public void ServerHealth_NoCheckers_IsUp()
    {
        Assert.That(new RealServerHealthState(1, []).ServerHealth, Is.EqualTo(Health.Up));
    }

    [Test]
    public void ServerHealth_DerivedFromCheckers()
    {
        var state = new RealServerHealthState(1, [false, false]);
        Assert.That(state.ServerHealth, Is.EqualTo(Health.Unknown));

        state.Apply(0, success: true, null, out _);
        Assert.That(state.ServerHealth, Is.EqualTo(Health.Unknown), "one unknown left");

        state.Apply(1, success: false, null, out _);
        Assert.That(state.ServerHealth, Is.EqualTo(Health.Down));

        state.Apply(1, success: true, null, out _);
        Assert.That(state.ServerHealth, Is.EqualTo(Health.Up));
    }

    [Test]
    public void Apply_SameResultTwice_SecondIsNoChange()
    {
        var state = new RealServerHealthState(1, [false]);

        Assert.That(state.Apply(0, true, null, out var first), Is.True);
        Assert.That(state.Apply(0, true, null, out var second), Is.False);
        Assert.That((first, second), Is.EqualTo((Health.Unknown, Health.Up)));
    }

    [Test]
    public void Weight_TwoDynamicCheckers_AddOffsetsFromConfigured()
    {
        var state = new RealServerHealthState(5, [false, false]);
        state.Apply(0, true, 8, out _);  // +3
        state.Apply(1, true, 4, out _);  // -1

        Assert.That(state.Weight, Is.EqualTo(7));
    }

    [Test]
    public void Weight_ExitZeroAfterDynamic_KeepsWeight()
    {
        var state = new RealServerHealthState(1, [false]);
        state.Apply(0, true, 10, out _);

        var changed = state.Apply(0, true, null, out _);

        Assert.That((changed, state.Weight), Is.EqualTo((false, 10)));
    }

    [Test]
    public void Weight_NeverNegative()
    {
        var state = new RealServerHealthState(10, [false, false]);
        state.Apply(0, true, 0, out _);
        state.Apply(1, true, 0, out _);

        Assert.That(state.Weight, Is.Zero);
    }
}

public sealed class CheckerOptionsEqualityTests
{
    [Test]
    public void Equals_HttpWithEqualUrlLists_AreEqual()
    {
        HttpCheckOptions Make() => new() { Urls = [new HttpUrlOptions { Path = "/a", StatusCodes = StatusCodeSet.Parse("200", "301-302") }], Virtualhost = "v" };

        var first = Make();
        var second = Make();

        Assert.That(first, Is.EqualTo(second));
        Assert.That(first.GetHashCode(), Is.EqualTo(second.GetHashCode()));
    }

    [Test]
    public void Equals_HttpDifferentUrl_AreNotEqual()
    {
        var a = new HttpCheckOptions { Urls = [new HttpUrlOptions { Path = "/a" }] };
        var b = new HttpCheckOptions { Urls = [new HttpUrlOptions { Path = "/b" }] };

        Assert.That(a, Is.Not.EqualTo(b));
    }

    [Test]
    public void Equals_HttpDifferentBaseTiming_AreNotEqual()
    {
        Assert.That(new HttpCheckOptions { DelayLoop = TimeSpan.FromSeconds(1) }, Is.Not.EqualTo(new HttpCheckOptions { DelayLoop = TimeSpan.FromSeconds(2) }));
    }

    [Test]
    public void Equals_UdpPayloadAndPattern_ByValue()
    {
        UdpCheckOptions Make(byte last) => new() { Payload = [1, 2, last], ReplyPattern = HexPattern.Parse("01X2") };

        var first = Make(3);
        Assert.That(first, Is.EqualTo(Make(3)).And.Not.SameAs(Make(3)));
        Assert.That(Make(3), Is.Not.EqualTo(Make(4)));
    }

    [Test]
    public void Equals_DifferentKinds_AreNotEqual()
    {
        Assert.That((CheckerOptions)new TcpCheckOptions(), Is.Not.EqualTo(new SmtpCheckOptions()));
    }
}
