using System.Net;
using Kad.Vrrp.StateMachine;

namespace Kad.Vrrp.Engine;

/// <summary>A virtual address as <c>virtual_ipaddress</c> describes it: <c>ADDR/PREFIX dev DEV label LABEL scope SCOPE</c>.</summary>
public sealed record VirtualAddress(IPAddress Address, int PrefixLength, string? Device = null, string? Label = null, string? Scope = null)
{
    /// <summary>A /32 (IPv4) or /128 (IPv6), keepalived's default prefix.</summary>
    public static VirtualAddress Host(IPAddress address) =>
        new(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32);

    public override string ToString() => $"{Address}/{PrefixLength}{(Device is null ? "" : " dev " + Device)}";
}

/// <summary>
/// Port: installs and removes virtual addresses (the Daemon implements it with rtnetlink). Called on the interface
/// thread, in order; implementations must return quickly (one netlink request, no waiting on other work).
/// </summary>
public interface IVirtualAddressPort
{
    /// <summary>Adds <paramref name="address"/> to <paramref name="interfaceName"/> (or its own <c>dev</c>); already present is success.</summary>
    void Add(VirtualAddress address, string interfaceName);

    /// <summary>Removes it; already absent is success.</summary>
    void Remove(VirtualAddress address, string interfaceName);
}

/// <summary>What notify scripts and the status socket hear about (keepalived's notify arguments).</summary>
public sealed record VrrpNotification(string Kind, string Name, VrrpState State, byte Priority, VrrpTransitionReason Reason)
{
    public const string InstanceKind = "INSTANCE";
    public const string GroupKind = "GROUP";

    /// <summary>keepalived's state word: MASTER, BACKUP, FAULT or STOP.</summary>
    public string StateWord => State switch
    {
        VrrpState.Master => "MASTER",
        VrrpState.Backup => "BACKUP",
        VrrpState.Fault => "FAULT",
        _ => "STOP",
    };
}

/// <summary>
/// Port: receives state notifications. Called on the interface thread: implementations queue the work (running
/// scripts, writing the fifo) and return at once, so a slow script never delays an advert.
/// </summary>
public interface IVrrpNotifyPort
{
    void Notify(VrrpNotification notification);

    /// <summary>A master heard an advert of lower (non-zero) priority (<c>notify_master_rx_lower_pri</c>).</summary>
    void MasterReceivedLowerPriority(string instanceName)
    {
    }
}

/// <summary>Port: link state of interfaces (the Daemon implements it with rtnetlink link events).</summary>
public interface ILinkStateSource
{
    /// <summary>Whether the link is up now (IFF_UP and IFF_RUNNING).</summary>
    bool IsUp(string interfaceName);

    /// <summary>Raised on any thread when a link changes state.</summary>
    event Action<string, bool>? LinkChanged;
}

/// <summary>The outcome of one run of a tracking script.</summary>
public enum ScriptOutcome
{
    Success,
    Failure,
    TimedOut,
}

/// <summary>Port: runs a <c>vrrp_script</c> command (argv already split, no shell) with a timeout.</summary>
public interface IScriptRunner
{
    Task<ScriptOutcome> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>A notify port that does nothing (an instance without notify settings).</summary>
public sealed class NullNotifyPort : IVrrpNotifyPort
{
    public static NullNotifyPort Instance { get; } = new();

    public void Notify(VrrpNotification notification)
    {
    }
}
