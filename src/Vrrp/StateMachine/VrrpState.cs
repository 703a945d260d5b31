namespace Kad.Vrrp.StateMachine;

/// <summary>RFC 5798 §6.4 states, plus Fault (keepalived: an interface or tracked object is down).</summary>
public enum VrrpState
{
    Initialize,
    Backup,
    Master,
    Fault,
}

/// <summary>Why a router changed state; logged and passed to notify scripts' callers.</summary>
public enum VrrpTransitionReason
{
    /// <summary>Startup event (RFC 5798 §6.4.1).</summary>
    Startup,

    /// <summary>Startup or fault recovery with priority 255: the address owner takes over at once.</summary>
    AddressOwner,

    /// <summary>Master_Down_Timer fired: no advert from a master for Master_Down_Interval (or Skew_Time after a priority-0 advert).</summary>
    MasterDownTimerExpired,

    /// <summary>An advert with a higher priority, or equal priority from a higher primary address, reached the master.</summary>
    HigherPriorityAdvert,

    /// <summary>Shutdown event: the router stops.</summary>
    Shutdown,

    /// <summary>A tracked interface, script or file put the instance in Fault.</summary>
    FaultRaised,

    /// <summary>Every fault cleared; the router starts again as at startup.</summary>
    FaultCleared,

    /// <summary>Another member of its <c>vrrp_sync_group</c> changed state and this one followed.</summary>
    SyncGroup,
}

/// <summary>A state change, reported once per transition.</summary>
public readonly record struct VrrpStateChange(VrrpState From, VrrpState To, VrrpTransitionReason Reason);

/// <summary>What the state machine needs to know about an advert that passed validation.</summary>
/// <param name="Priority">The advert's priority (0 = the master is resigning).</param>
/// <param name="MaxAdverInterval">The advert's interval (v3: learned as Master_Adver_Interval).</param>
/// <param name="SourceAddress">The sender's primary address as an unsigned big-endian integer, for the tie-break.</param>
public readonly record struct VrrpAdvertInfo(byte Priority, TimeSpan MaxAdverInterval, UInt128 SourceAddress);

/// <summary>
/// The state machine's side effects. Called synchronously on the thread that drives the router; implementations must
/// not block (post slow work such as VIP changes and notify scripts elsewhere).
/// </summary>
public interface IVrrpRouterSink
{
    /// <summary>Send one advert now with <paramref name="priority"/> (0 when resigning).</summary>
    void SendAdvertisement(byte priority);

    /// <summary>The router changed state: become master → take VIPs and announce them; leave master → release them.</summary>
    void StateChanged(VrrpStateChange change);
}
