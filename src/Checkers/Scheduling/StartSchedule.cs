namespace Kad.Checkers.Scheduling;

/// <summary>
/// When each checker first runs. keepalived waits a random time up to <c>warmup</c> (by default delay_loop) before
/// the first check; with thousands of checkers this spreads them over the loop so they never fire in one burst, and
/// since each next check is delay_loop after the previous one ends, they stay spread.
/// </summary>
public static class StartSchedule
{
    public static TimeSpan FirstDelay(CheckerTiming timing, Random random)
    {
        if (timing.Warmup <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

#pragma warning disable CA5394 // spreading start times needs no unpredictability, only uniformity
        return TimeSpan.FromTicks((long)(random.NextDouble() * timing.Warmup.Ticks));
#pragma warning restore CA5394
    }
}
