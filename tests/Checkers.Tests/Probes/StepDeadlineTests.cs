using Kad.Checkers.Probes;
using Kad.Testing;

namespace Kad.Checkers.Tests.Probes;

public sealed class StepDeadlineTests
{
    [Test]
    public void Next_StepRunsOut_ExpiresOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider();
        using var deadline = new StepDeadline(TimeSpan.FromSeconds(2), clock, CancellationToken.None);

        var token = deadline.Next();
        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.That(token.IsCancellationRequested, Is.False);
        clock.Advance(TimeSpan.FromSeconds(0.2));

        Assert.That((token.IsCancellationRequested, deadline.Expired), Is.EqualTo((true, true)));
    }

    [Test]
    public void Next_Restarts_EachStepGetsItsOwnTimeout()
    {
        var clock = new FakeTimeProvider();
        using var deadline = new StepDeadline(TimeSpan.FromSeconds(2), clock, CancellationToken.None);

        deadline.Next();
        clock.Advance(TimeSpan.FromSeconds(1.5));
        var second = deadline.Next();
        clock.Advance(TimeSpan.FromSeconds(1.5));

        Assert.That(second.IsCancellationRequested, Is.False, "3 s in total, but no step took 2 s");
    }

    [Test]
    public void AttemptCancelled_NotExpired()
    {
        var clock = new FakeTimeProvider();
        using var attempt = new CancellationTokenSource();
        using var deadline = new StepDeadline(TimeSpan.FromSeconds(2), clock, attempt.Token);
        var token = deadline.Next();

        attempt.Cancel();

        Assert.That((token.IsCancellationRequested, deadline.Expired), Is.EqualTo((true, false)));
    }
}
