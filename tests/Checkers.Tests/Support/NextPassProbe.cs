using System.Collections.Concurrent;
using Kad.Checkers.Probes;
using Kad.Checkers.Scheduling;

namespace Kad.Checkers.Tests.Support;

/// <summary>
/// A callback probe whose every attempt is in progress until the check loop's next wait reports it ready, as a TCP
/// connect that did not finish inside connect(2) is: each attempt watches a fresh eventfd (always writable) on the
/// scheduler's loop and succeeds when the loop reports it. Records when attempts started
/// (<see cref="TimeProvider.System"/> timestamps).
/// </summary>
internal sealed class NextPassProbe : ICallbackProbe
{
    public ConcurrentQueue<long> Starts { get; } = new();

    public string Kind => CheckerKinds.TcpCheck;

    public string Target => "next pass";

    public TimeSpan AttemptTimeout => TimeSpan.FromSeconds(3);

    public ValueTask<ProbeResult> ProbeAsync(ProbeProgress progress, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the monitor must drive a callback probe through its attempts");

    public ICallbackAttempt CreateAttempt(CheckScheduler scheduler, Action<ProbeResult> done) => new Attempt(this, scheduler.Io, done);

    private sealed class Attempt : ICallbackAttempt, IReadyHandler
    {
        private readonly NextPassProbe _probe;
        private readonly CheckLoop _loop;
        private readonly Action<ProbeResult> _done;
        private readonly int _slot;
        private readonly Lock _gate = new();
        private int _fd = -1;
        private uint _generation;

        public Attempt(NextPassProbe probe, CheckLoop loop, Action<ProbeResult> done)
        {
            _probe = probe;
            _loop = loop;
            _done = done;
            _slot = loop.Register(this);
        }

        public ProbeResult? Start()
        {
            _probe.Starts.Enqueue(TimeProvider.System.GetTimestamp());
            lock (_gate)
            {
                _fd = Interop.EventFd(0, Interop.EFD_NONBLOCK | Interop.EFD_CLOEXEC);
                Assert.That(_fd, Is.GreaterThanOrEqualTo(0), "eventfd");
                Assert.That(_loop.WatchWritable(_fd, _slot, ++_generation), Is.Zero, "epoll_ctl");
            }

            return null;
        }

        public void OnReady(uint generation, uint events)
        {
            if (Close(generation))
            {
                _done(ProbeResult.Up("ready"));
            }
        }

        public ProbeResult? Expire() => Abort() ? ProbeResult.Down("connect", "timed out") : null;

        public bool Abort() => Close(null);

        public void Dispose()
        {
            Abort();
            _loop.Unregister(_slot);
        }

        /// <summary>Ends the attempt in progress (of <paramref name="generation"/>, or any); true when this call did.</summary>
        private bool Close(uint? generation)
        {
            lock (_gate)
            {
                if (_fd < 0 || (generation is { } g && g != _generation))
                {
                    return false;
                }

                Interop.Close(_fd); // also takes it out of the epoll set
                _fd = -1;
                return true;
            }
        }
    }
}
