using System.Globalization;
using System.Threading.Channels;
using Kad.Vrrp.StateMachine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Vrrp.Engine;

/// <summary>The notify settings of one instance or sync group (argv already split, run without a shell).</summary>
public sealed record NotifyScripts
{
    public IReadOnlyList<string>? Master { get; init; }

    public IReadOnlyList<string>? Backup { get; init; }

    public IReadOnlyList<string>? Fault { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary><c>notify</c>: called on every change with TYPE NAME STATE PRIORITY appended.</summary>
    public IReadOnlyList<string>? Any { get; init; }

    /// <summary><c>notify_master_rx_lower_pri</c>: run as written (no arguments appended) when a master hears a
    /// lower-priority advert.</summary>
    public IReadOnlyList<string>? MasterRxLowerPriority { get; init; }
}

/// <summary>
/// Turns notifications into script runs and fifo lines. <see cref="Notify"/> only queues (it is called on interface
/// threads); a single reader runs the commands in order, so a slow script delays later notifications, never adverts.
/// </summary>
public sealed class NotifyDispatcher : IVrrpNotifyPort, IAsyncDisposable
{
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _lowerPriorityQueued = new(StringComparer.Ordinal);
    private volatile IReadOnlyDictionary<string, NotifyScripts> _scripts;
    private readonly IScriptRunner _runner;
    private readonly ILogger _logger;
    private readonly TimeSpan _scriptTimeout;
    private readonly Task _worker;
    private readonly NotifyFifoSet? _fifos;

    /// <summary>Starts the worker. <c>fifos</c>: the notify FIFOs every change of these instances and groups is written to, after its scripts.</summary>
    public NotifyDispatcher(IReadOnlyDictionary<string, NotifyScripts> scriptsByName, IScriptRunner runner, ILogger? logger = null, TimeSpan? scriptTimeout = null, NotifyFifoSet? fifos = null)
    {
        _fifos = fifos;
        _scripts = scriptsByName ?? throw new ArgumentNullException(nameof(scriptsByName));
        _runner = runner ?? throw new ArgumentNullException(nameof(runner));
        _logger = logger ?? NullLogger.Instance;
        _scriptTimeout = scriptTimeout ?? TimeSpan.FromSeconds(30);
        _worker = Task.Run(WorkAsync);
    }

    public void Notify(VrrpNotification notification) => _queue.Writer.TryWrite(new Work(notification, null));

    /// <summary>Reload: later notifications run the new scripts (queued ones too).</summary>
    public void Replace(IReadOnlyDictionary<string, NotifyScripts> scriptsByName) =>
        _scripts = scriptsByName ?? throw new ArgumentNullException(nameof(scriptsByName));

    /// <summary>
    /// Queues the instance's <c>notify_master_rx_lower_pri</c> script unless a run is already waiting: a lower-priority
    /// router advertising every 10 ms must not pile up a hundred process starts a second.
    /// </summary>
    public void MasterReceivedLowerPriority(string instanceName)
    {
        ArgumentNullException.ThrowIfNull(instanceName);
        if (!_scripts.TryGetValue(instanceName, out var scripts) || scripts.MasterRxLowerPriority is not { Count: > 0 })
        {
            return;
        }

        lock (_lowerPriorityQueued)
        {
            if (!_lowerPriorityQueued.Add(instanceName))
            {
                return;
            }
        }

        _queue.Writer.TryWrite(new Work(null, instanceName));
    }

    private sealed record Work(VrrpNotification? Notification, string? LowerPriorityInstance);

    /// <summary>The commands one notification runs, in order: the state's own script, then <c>notify</c> with arguments.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> CommandsFor(NotifyScripts scripts, VrrpNotification notification)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        ArgumentNullException.ThrowIfNull(notification);
        var commands = new List<IReadOnlyList<string>>();
        var specific = notification.State switch
        {
            VrrpState.Master => scripts.Master,
            VrrpState.Backup => scripts.Backup,
            VrrpState.Fault => scripts.Fault,
            _ => scripts.Stop,
        };
        if (specific is { Count: > 0 })
        {
            commands.Add(specific);
        }

        if (scripts.Any is { Count: > 0 })
        {
            commands.Add([.. scripts.Any, notification.Kind, notification.Name, notification.StateWord,
                notification.Priority.ToString(CultureInfo.InvariantCulture)]);
        }

        return commands;
    }

    /// <summary>keepalived's fifo line: <c>INSTANCE "VI_1" MASTER 100</c>.</summary>
    public static string FifoLine(VrrpNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return string.Create(CultureInfo.InvariantCulture, $"{notification.Kind} \"{notification.Name}\" {notification.StateWord} {notification.Priority}\n");
    }

    /// <summary>Stops accepting notifications and waits for the queued ones to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    private async Task WorkAsync()
    {
        await foreach (var work in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (work.LowerPriorityInstance is { } name)
            {
                lock (_lowerPriorityQueued)
                {
                    _lowerPriorityQueued.Remove(name);
                }

                if (_scripts.TryGetValue(name, out var lower) && lower.MasterRxLowerPriority is { Count: > 0 } command)
                {
                    await RunAsync(command, name).ConfigureAwait(false);
                }

                continue;
            }

            var notification = work.Notification!;
            if (!_scripts.TryGetValue(notification.Name, out var scripts))
            {
                continue;
            }

            foreach (var command in CommandsFor(scripts, notification))
            {
                await RunAsync(command, notification.Name).ConfigureAwait(false);
            }

            if (_fifos is not null)
            {
                foreach (var path in _fifos.Write(FifoLine(notification)))
                {
                    _logger.LogWarning("notify_fifo {Path}: line dropped, the FIFO is full (is its reader running?)", path);
                }
            }
        }
    }

    private async Task RunAsync(IReadOnlyList<string> command, string name)
    {
        try
        {
            var outcome = await _runner.RunAsync(command, _scriptTimeout, CancellationToken.None).ConfigureAwait(false);
            if (outcome != ScriptOutcome.Success)
            {
                _logger.LogWarning("notify {Command} for {Name}: {Outcome}", command[0], name, outcome);
            }
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "notify {Command} for {Name} could not run", command[0], name);
        }
    }
}
