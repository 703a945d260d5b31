namespace Kad.Vrrp.Tracking;

/// <summary>
/// keepalived's <c>rise</c> / <c>fall</c> for a <c>vrrp_script</c>: a healthy object turns unhealthy after
/// <c>fall</c> consecutive failures, an unhealthy one healthy after <c>rise</c> consecutive successes. Starts healthy
/// unless <c>init_fail</c>.
/// </summary>
public sealed class RiseFallCounter
{
    private int _streak;

    public RiseFallCounter(int rise = 1, int fall = 1, bool initFail = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rise, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fall, 1);
        Rise = rise;
        Fall = fall;
        IsHealthy = !initFail;
    }

    public int Rise { get; }

    public int Fall { get; }

    public bool IsHealthy { get; private set; }

    /// <summary>Records one result; returns true when the health changed.</summary>
    public bool Record(bool success)
    {
        if (success == IsHealthy)
        {
            // A result agreeing with the current health breaks any streak towards the other side.
            _streak = 0;
            return false;
        }

        _streak++;
        if (_streak < (IsHealthy ? Fall : Rise))
        {
            return false;
        }

        IsHealthy = !IsHealthy;
        _streak = 0;
        return true;
    }
}
