using System.Diagnostics;
using Kad.Vrrp.Transport;

namespace Kad.Vrrp.Tests.Transport;

/// <summary>
/// The interface thread's epoll set with its timerfd for long timeouts. Timing is only checked one way (never early)
/// and with generous upper bounds; the precision gained is shown by the failover benchmark.
/// </summary>
[TestFixture]
public class PollerTests
{
    [TestCase(20)]
    [TestCase(120)]
    public void Wait_NothingReadable_ReturnsZeroNotBeforeTheTimeout(int milliseconds)
    {
        using var poller = new Poller();
        Span<int> ready = stackalloc int[4];

        var started = Stopwatch.GetTimestamp();
        var count = poller.Wait(ready, milliseconds * 1_000_000L);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.That(count, Is.Zero);
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "sanity bound");
    }

    [Test]
    public void Wait_DescriptorReadableBeforeLongTimeout_ReturnsOnlyThatDescriptor()
    {
        using var poller = new Poller();
        using var wakeup = new Wakeup();
        poller.Add(wakeup.Fd);
        wakeup.Signal();
        Span<int> ready = stackalloc int[4];

        var started = Stopwatch.GetTimestamp();
        var count = poller.Wait(ready, 30_000_000_000L);

        Assert.That(count, Is.EqualTo(1));
        Assert.That(ready[0], Is.EqualTo(wakeup.Fd));
        Assert.That(Stopwatch.GetElapsedTime(started), Is.LessThan(TimeSpan.FromSeconds(10)), "sanity bound");
    }

    [Test]
    public void Wait_LongTimeoutInterruptedThenShortWaits_StaleTimerWakesNone()
    {
        using var poller = new Poller();
        using var wakeup = new Wakeup();
        poller.Add(wakeup.Fd);
        Span<int> ready = stackalloc int[4];

        // Arms the timer for 60 ms, then returns at once for the eventfd: the timer is still armed.
        wakeup.Signal();
        Assert.That(poller.Wait(ready, 60_000_000L), Is.EqualTo(1));
        wakeup.Drain();

        // Short waits spanning the stale expiry: each must last its whole timeout, none may end early for the timer.
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 5;
        while (Stopwatch.GetTimestamp() < until)
        {
            var started = Stopwatch.GetTimestamp();
            Assert.That(poller.Wait(ready, 20_000_000L), Is.Zero);
            Assert.That(Stopwatch.GetElapsedTime(started), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(20)));
        }
    }

    [Test]
    public void Wait_LongTimeoutExpired_NextLongWaitStillSleepsItsTimeout()
    {
        using var poller = new Poller();
        Span<int> ready = stackalloc int[4];
        Assert.That(poller.Wait(ready, 60_000_000L), Is.Zero);

        // The first expiry was consumed: an undrained timerfd would end this wait at once.
        var started = Stopwatch.GetTimestamp();
        Assert.That(poller.Wait(ready, 80_000_000L), Is.Zero);
        Assert.That(Stopwatch.GetElapsedTime(started), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(80)));
    }
}
