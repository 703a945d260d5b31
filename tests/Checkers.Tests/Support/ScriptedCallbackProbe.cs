using Kad.Checkers.Probes;
using Kad.Checkers.Scheduling;

namespace Kad.Checkers.Tests.Support;

/// <summary>
/// A probe on the callback path (as TCP_CHECK is) whose answers the test decides: an answer of null leaves the
/// attempt in progress until the test calls <see cref="Complete"/> or the monitor aborts it (its timeout). Records
/// when attempts started (fake clock).
/// </summary>
internal sealed class ScriptedCallbackProbe(TimeProvider clock, TimeSpan attemptTimeout) : ICallbackProbe, ICallbackAttempt
{
    private readonly Lock _gate = new();
    private Action<ProbeResult>? _done;
    private bool _pending;

    public static ProbeResult Refused { get; } = ProbeResult.Down("connect", "ConnectionRefused: refused");

    public Func<int, ProbeResult?> Answer { get; set; } = _ => ProbeResult.Up("ok");

    public List<DateTimeOffset> AttemptTimes { get; } = [];

    public int Aborts { get; private set; }

    public string Kind => CheckerKinds.TcpCheck;

    public string Target => "scripted callback";

    public TimeSpan AttemptTimeout => attemptTimeout;

    public ProbeResult TimedOut { get; } = ProbeResult.Down("connect", "timed out during connect");

    public ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the monitor must drive a callback probe through its attempts");

    public ICallbackAttempt CreateAttempt(CheckScheduler scheduler, Action<ProbeResult> done)
    {
        _done = done;
        return this;
    }

    public ProbeResult? Start()
    {
        lock (_gate)
        {
            AttemptTimes.Add(clock.GetUtcNow());
            var answer = Answer(AttemptTimes.Count);
            _pending = answer is null;
            return answer;
        }
    }

    /// <summary>Ends the attempt in progress with <paramref name="result"/>, as the check loop would.</summary>
    public bool Complete(ProbeResult result)
    {
        lock (_gate)
        {
            if (!_pending)
            {
                return false;
            }

            _pending = false;
        }

        _done!(result);
        return true;
    }

    public ProbeResult? Expire() => Abort() ? TimedOut : null;

    public bool Abort()
    {
        lock (_gate)
        {
            if (!_pending)
            {
                return false;
            }

            _pending = false;
            Aborts++;
            return true;
        }
    }

    public void Dispose() => Abort();
}
