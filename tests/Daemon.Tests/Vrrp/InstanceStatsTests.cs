using Kad.Daemon.Vrrp;
using Kad.Testing;
using Kad.Vrrp.StateMachine;

namespace Kad.Daemon.Tests.Vrrp;

[TestFixture]
public class InstanceStatsTests
{
    [Test]
    public void New_NothingRecorded_InitWithoutTransitions()
    {
        var stats = new InstanceStats(new FakeTimeProvider());

        Assert.That((stats.State, stats.Transitions, stats.LastTransition), Is.EqualTo((VrrpState.Initialize, 0L, (DateTimeOffset?)null)));
    }

    [Test]
    public void Record_TwoTransitions_StateCountAndTimeOfTheLast()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 20, 0, 0, TimeSpan.Zero));
        var stats = new InstanceStats(time);

        stats.Record(VrrpState.Backup);
        time.Advance(TimeSpan.FromSeconds(3));
        stats.Record(VrrpState.Master);

        Assert.That((stats.State, stats.Transitions, stats.LastTransition), Is.EqualTo((VrrpState.Master, 2L, (DateTimeOffset?)time.GetUtcNow())));
    }
}
