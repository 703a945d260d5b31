using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Engine;

/// <summary>One member of a <c>vrrp_sync_group</c>: the instance, and how to run code on its interface thread.</summary>
public sealed record SyncGroupMember(VrrpInstance Instance, Action<Action> Post);

/// <summary>
/// <c>vrrp_sync_group</c>: members move together (keepalived semantics). When one becomes Master the Backup members
/// follow at once; when one falls back to Backup the Masters follow; while any member has its own fault every
/// member is in Fault. Members may live on different interface threads, so every order is posted to the member's
/// thread. Transitions made by following do not echo back (a member already in the target state ignores it).
/// </summary>
public sealed class SyncGroup
{
    private readonly SyncGroupMember[] _members;
    private readonly IVrrpNotifyPort _notify;
    private readonly Lock _gate = new();
    private readonly HashSet<VrrpInstance> _faulted = [];
    private VrrpState? _groupState;

    public SyncGroup(string name, IEnumerable<SyncGroupMember> members, IVrrpNotifyPort? notify = null)
    {
        Name = name;
        _members = [.. members];
        _notify = notify ?? NullNotifyPort.Instance;
        foreach (var member in _members)
        {
            member.Instance.StateChanged += OnMemberChanged;
            member.Instance.OwnFaultChanged += OnOwnFaultChanged;
        }
    }

    public string Name { get; }

    public IReadOnlyList<SyncGroupMember> Members => _members;

    /// <summary>The state every member last agreed on, for the GROUP notification.</summary>
    public VrrpState? State
    {
        get
        {
            lock (_gate)
            {
                return _groupState;
            }
        }
    }

    /// <summary>Decides what another member must do when one member made <paramref name="change"/>. Pure.</summary>
    public static SyncOrder Decide(VrrpStateChange change, VrrpState other) => change.To switch
    {
        VrrpState.Master when other == VrrpState.Backup => SyncOrder.FollowToMaster,
        VrrpState.Backup when change.From == VrrpState.Master && other == VrrpState.Master => SyncOrder.FollowToBackup,
        _ => SyncOrder.None,
    };

    private void OnOwnFaultChanged(VrrpInstance changed, bool faulted)
    {
        lock (_gate)
        {
            if (faulted)
            {
                _faulted.Add(changed);
            }
            else
            {
                _faulted.Remove(changed);
            }
        }

        // Each member is in group fault while any *other* member has its own fault.
        foreach (var member in _members)
        {
            bool groupFault;
            lock (_gate)
            {
                groupFault = _faulted.Any(f => f != member.Instance);
            }

            member.Post(() => member.Instance.SetGroupFault(groupFault));
        }

        NotifyGroup(faulted ? VrrpState.Fault : null, VrrpTransitionReason.FaultRaised);
    }

    private void OnMemberChanged(VrrpInstance changed, VrrpStateChange change)
    {
        foreach (var member in _members)
        {
            if (member.Instance == changed)
            {
                continue;
            }

            // Decide on the member's own thread, against its state there and then.
            member.Post(() =>
            {
                switch (Decide(change, member.Instance.State))
                {
                    case SyncOrder.FollowToMaster:
                        member.Instance.Router.FollowToMaster();
                        break;
                    case SyncOrder.FollowToBackup:
                        member.Instance.Router.FollowToBackup();
                        break;
                    default:
                        break;
                }
            });
        }

        NotifyGroup(change.To, change.Reason);
    }

    private void NotifyGroup(VrrpState? candidate, VrrpTransitionReason reason)
    {
        VrrpState groupState;
        lock (_gate)
        {
            groupState = _faulted.Count > 0 ? VrrpState.Fault : candidate ?? _groupState ?? VrrpState.Initialize;
            if (_groupState == groupState || groupState == VrrpState.Initialize)
            {
                return;
            }

            _groupState = groupState;
        }

        _notify.Notify(new VrrpNotification(VrrpNotification.GroupKind, Name, groupState, 0, reason));
    }
}

/// <summary>What a sync-group member is told to do.</summary>
public enum SyncOrder
{
    None,
    FollowToMaster,
    FollowToBackup,
}
