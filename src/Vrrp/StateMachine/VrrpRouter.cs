using Kad.Vrrp.Packets;

namespace Kad.Vrrp.StateMachine;

/// <summary>
/// One virtual router's state machine, written in RFC 5798 §6.4's terms. Pure: it reads the clock from a
/// <see cref="TimeProvider"/> and acts only through <see cref="IVrrpRouterSink"/>. It owns no thread and no timer
/// object: its two timers are deadlines (<see cref="NextDeadline"/>) that the thread driving it waits for, then calls
/// <see cref="OnTimer"/>. That lets one dedicated thread per interface multiplex its sockets and timers without the
/// thread pool in the way. Not thread-safe: call every method from the driving thread.
/// </summary>
public sealed class VrrpRouter
{
    private readonly TimeProvider _time;
    private readonly IVrrpRouterSink _sink;

    // Timer deadlines in TimeProvider timestamps; null = not running.
    private long? _adverTimer;
    private long? _masterDownTimer;

    // preempt_delay: when set, a lower-priority master is obeyed until this moment.
    private long? _preemptAllowedAt;
    private bool _faulted;

    public VrrpRouter(VrrpRouterOptions options, TimeProvider time, IVrrpRouterSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        Priority = options.Priority;
        MasterAdverInterval = options.AdvertisementInterval;
    }

    public VrrpRouterOptions Options { get; }

    public VrrpState State { get; private set; } = VrrpState.Initialize;

    /// <summary>The effective priority: configured priority adjusted by tracking, 255 for the owner.</summary>
    public byte Priority { get; private set; }

    /// <summary>Master_Adver_Interval: the current master's advertised interval (v3), or our own (v2).</summary>
    public TimeSpan MasterAdverInterval { get; private set; }

    /// <summary>Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256 (RFC 5798 §6.1; v2 is the same with 1 s).</summary>
    public TimeSpan SkewTime => TimeSpan.FromTicks((256 - Priority) * MasterAdverInterval.Ticks / 256);

    /// <summary>Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time.</summary>
    public TimeSpan MasterDownInterval => (Options.DownTimerAdverts * MasterAdverInterval) + SkewTime;

    /// <summary>The earliest running timer as a <see cref="TimeProvider"/> timestamp, or null when none runs.</summary>
    public long? NextDeadline => (_adverTimer, _masterDownTimer) switch
    {
        (null, var down) => down,
        (var adver, null) => adver,
        (var adver, var down) => Math.Min(adver.Value, down.Value),
    };

    /// <summary>Time left until <see cref="NextDeadline"/> (zero when overdue), or null when no timer runs.</summary>
    public TimeSpan? TimeUntilNextDeadline()
    {
        if (NextDeadline is not { } deadline)
        {
            return null;
        }

        var elapsed = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
        return elapsed > TimeSpan.Zero ? elapsed : TimeSpan.Zero;
    }

    public bool IsAdverTimerRunning => _adverTimer is not null;

    public bool IsMasterDownTimerRunning => _masterDownTimer is not null;

    /// <summary>Startup event (§6.4.1). A fault reported before start keeps the router in Fault.</summary>
    public void Start()
    {
        if (State != VrrpState.Initialize)
        {
            throw new InvalidOperationException($"already started ({State})");
        }

        if (_faulted)
        {
            TransitionTo(VrrpState.Fault, VrrpTransitionReason.FaultRaised);
            return;
        }

        _preemptAllowedAt = Options.PreemptDelay > TimeSpan.Zero ? Now + ToTimestampDelta(Options.PreemptDelay) : null;
        EnterFromInitialize(VrrpTransitionReason.Startup);
    }

    /// <summary>Shutdown event: a master resigns with a priority-0 advert; every timer stops.</summary>
    public void Stop()
    {
        if (State == VrrpState.Master)
        {
            _sink.SendAdvertisement(VrrpConstants.PriorityResign);
        }

        CancelTimers();
        if (State != VrrpState.Initialize)
        {
            TransitionTo(VrrpState.Initialize, VrrpTransitionReason.Shutdown);
        }
    }

    /// <summary>An advert that passed every validation rule for this instance.</summary>
    public void OnAdvertisement(in VrrpAdvertInfo advert)
    {
        switch (State)
        {
            case VrrpState.Backup:
                OnAdvertisementInBackup(advert);
                break;
            case VrrpState.Master:
                OnAdvertisementInMaster(advert);
                break;
            default:
                // Initialize and Fault take no part in elections.
                break;
        }
    }

    /// <summary>Fires every timer that is due now. Call when <see cref="NextDeadline"/> has passed.</summary>
    public void OnTimer()
    {
        var now = Now;
        if (State == VrrpState.Master && _adverTimer is { } due && due <= now)
        {
            _sink.SendAdvertisement(Priority);

            // Keep the cadence of the deadlines, not of when this thread got to run: at 10 ms adverts a little
            // lateness per advert would add up. After a stall longer than an interval, skip to the next slot on the
            // same grid rather than sending a burst.
            var interval = Math.Max(1, ToTimestampDelta(Options.AdvertisementInterval));
            _adverTimer = due + (((now - due) / interval) + 1) * interval;
        }

        if (State == VrrpState.Backup && _masterDownTimer <= now)
        {
            BecomeMaster(VrrpTransitionReason.MasterDownTimerExpired);
        }
    }

    /// <summary>
    /// Sets the effective priority (tracking weights applied by the caller). A master advertises the new value at once
    /// so that backups re-elect without waiting an interval; a backup uses it from its next timer reset.
    /// </summary>
    public void SetPriority(byte priority)
    {
        if (priority == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), "priority 0 is reserved for resigning");
        }

        if (priority == Priority)
        {
            return;
        }

        Priority = priority;
        if (State == VrrpState.Master)
        {
            _sink.SendAdvertisement(Priority);
            _adverTimer = Now + ToTimestampDelta(Options.AdvertisementInterval);
        }
    }

    /// <summary>
    /// Raises or clears Fault. A master entering Fault resigns (priority-0 advert); leaving Fault restarts the router
    /// as at startup (Backup, or Master for the owner).
    /// </summary>
    public void SetFault(bool faulted)
    {
        if (faulted == _faulted)
        {
            return;
        }

        _faulted = faulted;
        if (State == VrrpState.Initialize)
        {
            return; // remembered for Start
        }

        if (faulted)
        {
            if (State == VrrpState.Master)
            {
                _sink.SendAdvertisement(VrrpConstants.PriorityResign);
            }

            CancelTimers();
            TransitionTo(VrrpState.Fault, VrrpTransitionReason.FaultRaised);
        }
        else if (State == VrrpState.Fault)
        {
            EnterFromInitialize(VrrpTransitionReason.FaultCleared);
        }
    }

    /// <summary>Sync group: a Backup member follows another member to Master now (as if its Master_Down_Timer fired).</summary>
    public void FollowToMaster()
    {
        if (State == VrrpState.Backup)
        {
            BecomeMaster(VrrpTransitionReason.SyncGroup);
        }
    }

    /// <summary>Sync group: a Master member follows another member to Backup (stops advertising, waits Master_Down_Interval).</summary>
    public void FollowToBackup()
    {
        if (State == VrrpState.Master)
        {
            _adverTimer = null;
            StartMasterDownTimer(MasterDownInterval);
            TransitionTo(VrrpState.Backup, VrrpTransitionReason.SyncGroup);
        }
    }

    private void EnterFromInitialize(VrrpTransitionReason reason)
    {
        MasterAdverInterval = Options.AdvertisementInterval;
        if (Priority == VrrpConstants.PriorityOwner)
        {
            BecomeMaster(VrrpTransitionReason.AddressOwner);
            return;
        }

        StartMasterDownTimer(MasterDownInterval);
        TransitionTo(VrrpState.Backup, reason);
    }

    private void OnAdvertisementInBackup(in VrrpAdvertInfo advert)
    {
        if (advert.Priority == VrrpConstants.PriorityResign)
        {
            // The master resigned: take over after Skew_Time, highest priority first.
            StartMasterDownTimer(SkewTime);
            return;
        }

        var accept = !Options.EffectivePreempt || advert.Priority >= Priority || PreemptDeferred();
        if (!accept)
        {
            // Lower priority while preempting: discard, so Master_Down_Timer fires and we preempt.
            return;
        }

        if (advert.Priority >= Priority)
        {
            // A legitimate master again: a later lower-priority master restarts the preempt delay.
            _preemptAllowedAt = Options.PreemptDelay > TimeSpan.Zero ? null : _preemptAllowedAt;
        }

        LearnMasterAdverInterval(advert);
        StartMasterDownTimer(MasterDownInterval);
    }

    private void OnAdvertisementInMaster(in VrrpAdvertInfo advert)
    {
        if (advert.Priority == VrrpConstants.PriorityResign)
        {
            _sink.SendAdvertisement(Priority);
            _adverTimer = Now + ToTimestampDelta(Options.AdvertisementInterval);
            return;
        }

        var theyWin = advert.Priority > Priority
            || (advert.Priority == Priority && advert.SourceAddress > Options.PrimaryAddress);
        if (theyWin)
        {
            if (Options.AdvertBeforeYielding)
            {
                _sink.SendAdvertisement(Priority);
            }

            _adverTimer = null;
            LearnMasterAdverInterval(advert);
            StartMasterDownTimer(MasterDownInterval);
            TransitionTo(VrrpState.Backup, VrrpTransitionReason.HigherPriorityAdvert);
            return;
        }

        if (Options.AdvertOnLowerPriority)
        {
            // Another router thinks it is master: assert ourselves now rather than at the next interval.
            _sink.SendAdvertisement(Priority);
        }
    }

    /// <summary>
    /// preempt_delay: the first lower-priority master seen (or startup) opens a window during which it is obeyed.
    /// Returns true while the window is open.
    /// </summary>
    private bool PreemptDeferred()
    {
        if (Options.PreemptDelay <= TimeSpan.Zero)
        {
            return false;
        }

        var now = Now;
        _preemptAllowedAt ??= now + ToTimestampDelta(Options.PreemptDelay);
        return now < _preemptAllowedAt;
    }

    private void LearnMasterAdverInterval(in VrrpAdvertInfo advert)
    {
        // v3 only: v2 adverts with another interval were dropped by validation.
        if (Options.Version == VrrpVersion.V3 && advert.MaxAdverInterval > TimeSpan.Zero)
        {
            MasterAdverInterval = advert.MaxAdverInterval;
        }
    }

    private void BecomeMaster(VrrpTransitionReason reason)
    {
        _masterDownTimer = null;
        _preemptAllowedAt = null;
        _sink.SendAdvertisement(Priority);
        _adverTimer = Now + ToTimestampDelta(Options.AdvertisementInterval);
        TransitionTo(VrrpState.Master, reason);
    }

    private void StartMasterDownTimer(TimeSpan after) => _masterDownTimer = Now + ToTimestampDelta(after);

    private void CancelTimers()
    {
        _adverTimer = null;
        _masterDownTimer = null;
    }

    private void TransitionTo(VrrpState next, VrrpTransitionReason reason)
    {
        var previous = State;
        State = next;
        _sink.StateChanged(new VrrpStateChange(previous, next, reason));
    }

    private long Now => _time.GetTimestamp();

    private long ToTimestampDelta(TimeSpan span) =>
        (long)((UInt128)(ulong)span.Ticks * (ulong)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
}
