namespace Kad.Vrrp.StateMachine;

/// <summary>Settings of one virtual router that the state machine reads (keepalived names in the remarks).</summary>
public sealed record VrrpRouterOptions
{
    public Packets.VrrpVersion Version { get; init; } = Packets.VrrpVersion.V2;

    /// <summary><c>priority</c>: 1..254, or 255 for the address owner. Tracking may lower or raise the effective value.</summary>
    public byte Priority { get; init; } = Packets.VrrpConstants.PriorityDefault;

    /// <summary><c>advert_int</c>: our Advertisement_Interval (v2: whole seconds; v3: centiseconds).</summary>
    public TimeSpan AdvertisementInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Preempt_Mode; false for <c>nopreempt</c>, which keepalived honours only with <c>state BACKUP</c>.</summary>
    public bool Preempt { get; init; } = true;

    /// <summary><c>preempt_delay</c>: after startup, or after first seeing a lower-priority master, wait this long before preempting.</summary>
    public TimeSpan PreemptDelay { get; init; } = TimeSpan.Zero;

    /// <summary><c>state</c>: a hint, as in keepalived. Only priority 255 goes straight to Master; MASTER makes <c>nopreempt</c> void.</summary>
    public VrrpState InitialState { get; init; } = VrrpState.Backup;

    /// <summary>Our primary address (the advert source) as an unsigned big-endian integer, for the equal-priority tie-break.</summary>
    public UInt128 PrimaryAddress { get; init; }

    /// <summary>The "3" in Master_Down_Interval (keepalived <c>down_timer_adverts</c>).</summary>
    public int DownTimerAdverts { get; init; } = 3;

    /// <summary>
    /// Master answers a lower-priority advert with an immediate advert (RFC 9568 §6.4.3, keepalived's default; false for
    /// <c>lower_prio_no_advert</c>).
    /// </summary>
    public bool AdvertOnLowerPriority { get; init; } = true;

    /// <summary>Master sends one more advert before yielding to a higher priority (<c>vrrp_higher_prio_send_advert</c>).</summary>
    public bool AdvertBeforeYielding { get; init; }

    /// <summary>Whether Preempt_Mode is in effect: nopreempt needs <c>state BACKUP</c>; the owner always preempts.</summary>
    public bool EffectivePreempt => Preempt || InitialState == VrrpState.Master || Priority == Packets.VrrpConstants.PriorityOwner;

    /// <summary>Throws when a value is outside what the protocol allows.</summary>
    public void Validate()
    {
        if (Priority == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Priority), "priority 0 is reserved for resigning");
        }

        if (AdvertisementInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AdvertisementInterval), "the advertisement interval must be positive");
        }

        if (DownTimerAdverts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DownTimerAdverts), "at least one advert interval");
        }

        if (PreemptDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PreemptDelay), "the preempt delay cannot be negative");
        }
    }
}
