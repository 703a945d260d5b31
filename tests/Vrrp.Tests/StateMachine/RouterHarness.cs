using Kad.Testing;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Tests.StateMachine;

/// <summary>
/// Drives a <see cref="VrrpRouter"/> the way the interface thread does — wait for its next deadline, then call
/// <see cref="VrrpRouter.OnTimer"/> — but on a <see cref="FakeTimeProvider"/>, and records what it did.
/// </summary>
internal sealed class RouterHarness : IVrrpRouterSink
{
    public FakeTimeProvider Clock { get; } = new();

    public VrrpRouter Router { get; }

    public List<(TimeSpan At, byte Priority)> Adverts { get; } = [];

    public List<VrrpStateChange> Changes { get; } = [];

    private readonly long _start;

    public RouterHarness(VrrpRouterOptions options)
    {
        _start = Clock.GetTimestamp();
        Router = new VrrpRouter(options, Clock, this);
    }

    public TimeSpan Elapsed => Clock.GetElapsedTime(_start);

    public void SendAdvertisement(byte priority) => Adverts.Add((Elapsed, priority));

    public void StateChanged(VrrpStateChange change) => Changes.Add(change);

    /// <summary>Moves time forward, firing the router's timers at their exact deadlines on the way.</summary>
    public void Advance(TimeSpan by)
    {
        var target = Clock.GetTimestamp() + by.Ticks;
        while (Router.NextDeadline is { } deadline && deadline <= target)
        {
            var now = Clock.GetTimestamp();
            if (deadline > now)
            {
                Clock.Advance(TimeSpan.FromTicks(deadline - now));
            }

            Router.OnTimer();
        }

        Clock.Advance(TimeSpan.FromTicks(target - Clock.GetTimestamp()));
    }

    /// <summary>Advances until the router changes state (or gives up after <paramref name="limit"/>); returns how long it took.</summary>
    public TimeSpan AdvanceUntilStateChange(TimeSpan limit)
    {
        var before = Changes.Count;
        var started = Elapsed;
        var end = Clock.GetTimestamp() + limit.Ticks;
        while (Changes.Count == before && Router.NextDeadline is { } deadline && deadline <= end)
        {
            Advance(TimeSpan.FromTicks(Math.Max(0, deadline - Clock.GetTimestamp())));
        }

        return Elapsed - started;
    }

    public void Receive(byte priority, UInt128 source, TimeSpan? interval = null) =>
        Router.OnAdvertisement(new VrrpAdvertInfo(priority, interval ?? Router.Options.AdvertisementInterval, source));
}
