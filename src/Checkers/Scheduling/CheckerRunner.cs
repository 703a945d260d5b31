using System.Runtime.CompilerServices;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Kad.Checkers.Scheduling;

/// <summary>The final result of one check (after retries) and how long its deciding attempt took.</summary>
public readonly record struct CheckOutcome(ProbeResult Result, TimeSpan Latency, int Attempts);

/// <summary>
/// One whole check of a checker on keepalived's timing: an attempt bounded by the probe's timeout, retried
/// <c>retry</c> times <c>delay_before_retry</c> apart (a Polly pipeline: retry around timeout). As keepalived's
/// HTTP_GET and others do, retries guard only against a false "down": once the checker has run and is down, a failed
/// attempt is final. The monitor's scheduler decides when checks run (delay_loop, warmup); TCP_CHECK's attempts are
/// driven by the monitor itself (see <c>HealthMonitor</c>). Not safe for concurrent use: one checker, one check at a time.
/// </summary>
public sealed class CheckerRunner
{
    /// <summary>Polly's timeout strategy refuses anything shorter.</summary>
    private static readonly TimeSpan MinimumAttemptTimeout = TimeSpan.FromMilliseconds(10);

    private readonly IHealthProbe _probe;
    private readonly CheckerTiming _timing;
    private readonly TimeProvider _timeProvider;
    private readonly ResiliencePipeline<ProbeResult> _pipeline;
    private readonly ResiliencePipeline<ProbeResult> _singleAttempt;
    private readonly ProbeProgress _progress = new();
    private long _attemptStarted;
    private long _attemptEnded;
    private int _attempts;

    /// <param name="probe">What one attempt does.</param>
    /// <param name="timing">The checker's timing in effect.</param>
    /// <param name="timeProvider">The clock for delays, timeouts and latencies.</param>
    /// <param name="onFailedAttempt">Told of each failed attempt that will be retried (for log_all_failures).</param>
    public CheckerRunner(IHealthProbe probe, CheckerTiming timing, TimeProvider timeProvider, Action<ProbeResult, int>? onFailedAttempt = null)
    {
        _probe = probe;
        _timing = timing;
        _timeProvider = timeProvider;
        _pipeline = BuildPipeline(probe.AttemptTimeout, timing, timeProvider, onFailedAttempt);
        _singleAttempt = BuildPipeline(probe.AttemptTimeout, timing with { Retry = 0 }, timeProvider, onFailedAttempt);
    }

    public IHealthProbe Probe => _probe;

    public CheckerTiming Timing => _timing;

    /// <summary>
    /// One check: one attempt, plus up to <c>retry</c> more when <paramref name="retry"/> is set. Throws only when
    /// <paramref name="cancellationToken"/> fires.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<CheckOutcome> CheckOnceAsync(bool retry, CancellationToken cancellationToken)
    {
        _attempts = 0;
        ProbeResult result;
        try
        {
            result = await (retry ? _pipeline : _singleAttempt).ExecuteAsync(
                static (runner, token) => runner.AttemptAsync(token),
                this,
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            _attemptEnded = _timeProvider.GetTimestamp();
            result = ProbeResult.Down(StepName(_progress.Step), $"timed out after {_probe.AttemptTimeout.TotalSeconds:0.###} s during {_progress.Step}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A probe bug or an unexpected socket state is a failed check, not a dead checker loop.
            _attemptEnded = _timeProvider.GetTimestamp();
            result = ProbeResult.Down(StepName(_progress.Step), $"{ex.GetType().Name}: {ex.Message}");
        }

        return new CheckOutcome(result, _timeProvider.GetElapsedTime(_attemptStarted, _attemptEnded), _attempts);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ProbeResult> AttemptAsync(CancellationToken cancellationToken)
    {
        _attempts++;
        _progress.Step = "start";
        _attemptStarted = _timeProvider.GetTimestamp();
        try
        {
            return await _probe.ProbeAsync(_progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _attemptEnded = _timeProvider.GetTimestamp();
        }
    }

    /// <summary>"read response (/health)" names the step "read response".</summary>
    private static string StepName(string step)
    {
        var paren = step.IndexOf(" (", StringComparison.Ordinal);
        return paren < 0 ? step : step[..paren];
    }

    private ResiliencePipeline<ProbeResult> BuildPipeline(TimeSpan attemptTimeout, CheckerTiming timing, TimeProvider timeProvider, Action<ProbeResult, int>? onFailedAttempt)
    {
        var builder = new ResiliencePipelineBuilder<ProbeResult> { TimeProvider = timeProvider };
        if (timing.Retry > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<ProbeResult>
            {
                MaxRetryAttempts = timing.Retry,
                Delay = timing.DelayBeforeRetry,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: TimeoutRejectedException } => true,
                    { Exception: OperationCanceledException } => false, // shutting down
                    { Exception: not null } => true,
                    { Result.Success: false } => true,
                    _ => false,
                }),
                OnRetry = args =>
                {
                    var failed = args.Outcome.Result ?? ProbeResult.Down(
                        StepName(_progress.Step),
                        args.Outcome.Exception is TimeoutRejectedException ? $"timed out during {_progress.Step}" : args.Outcome.Exception?.Message ?? "failed");
                    onFailedAttempt?.Invoke(failed, args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Timeout = attemptTimeout < MinimumAttemptTimeout ? MinimumAttemptTimeout : attemptTimeout,
        });
        return builder.Build();
    }
}
