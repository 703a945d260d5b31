using System.Globalization;
using System.Net.Sockets;
using Kad.Netlink.Protocol;
using Kad.Netlink.Route;
using Kad.Vrrp.Engine;
using Microsoft.Extensions.Logging;

namespace Kad.Daemon.Vrrp;

/// <summary>
/// Vrrp's VMAC port over rtnetlink and <c>/proc/sys</c>, as keepalived 2.2.7 does it: a private-mode macvlan with the
/// virtual MAC on the instance's interface (an existing macvlan of that name, parent and MAC is adopted; one with
/// another MAC or parent is replaced; anything else of that name is refused), keepalived's sysctls, then up; IPv6
/// VMACs get the base's link-local. Settings shared with the rest of the host (the base's arp_ignore / arp_filter,
/// rp_filter when <c>all.rp_filter</c> is set) are restored when the last VMAC is deleted. Kernel refusals surface
/// as <see cref="NetlinkException"/>s naming the interface and the errno.
/// </summary>
internal sealed partial class RtnetlinkVirtualMacPort(RtnetlinkClient client, ILogger<RtnetlinkVirtualMacPort> logger, string procSys = "/proc/sys") : IVirtualMacPort
{
    private const string MacvlanKind = "macvlan";
    private const int LinkLocalPrefix = 64; // keepalived adds the copied link-local as /64
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _originals = new(StringComparer.Ordinal);
    private int _live;

    public void Create(VirtualMacInterface vmac)
    {
        ArgumentNullException.ThrowIfNull(vmac);
        lock (_gate)
        {
            var parent = client.GetLink(vmac.BaseInterface)
                ?? throw new InvalidOperationException($"use_vmac {vmac.Name}: no interface {vmac.BaseInterface} to put it on");
            var adopted = false;
            if (client.GetLink(vmac.Name) is { } existing)
            {
                if (existing.Kind != MacvlanKind)
                {
                    throw new InvalidOperationException($"use_vmac {vmac.Name}: an interface of that name exists and is not a macvlan ({existing.Kind ?? "a plain device"}); kad leaves it alone");
                }

                if (existing.MacAddress.Equals(vmac.MacAddress) && existing.ParentIndex == parent.Index)
                {
                    adopted = true;
                }
                else
                {
                    // keepalived removes a VMAC left with the wrong MAC or parent and creates it again.
                    LogReplacing(vmac.Name, existing.MacAddress.ToColonString());
                    client.DeleteLink(existing.Index, vmac.Name);
                }
            }

            if (vmac.Family == AddressFamily.InterNetwork)
            {
                foreach (var setting in VirtualMac.ReversePathSettings(ReversePathFilters()))
                {
                    ApplyShared(setting);
                }
            }

            if (!adopted)
            {
                client.CreateMacvlan(new MacvlanLink(vmac.Name, parent.Index, vmac.MacAddress, MacvlanMode.Private));
            }

            foreach (var setting in VirtualMac.Settings(vmac))
            {
                if (setting.Path.Contains($"/{vmac.Name}/", StringComparison.Ordinal))
                {
                    Write(setting);
                }
                else
                {
                    ApplyShared(setting);
                }
            }

            var link = client.GetLink(vmac.Name)
                ?? throw new InvalidOperationException($"use_vmac {vmac.Name}: the macvlan vanished right after it was created");
            client.SetLinkUp(link.Index, up: true, vmac.Name);
            if (vmac.LinkLocal is { } linkLocal)
            {
                AddLinkLocal(link.Index, vmac, linkLocal);
            }

            _live++;
            LogReady(vmac.ToString(), adopted ? "adopted" : "created");
        }
    }

    public void Delete(VirtualMacInterface vmac)
    {
        ArgumentNullException.ThrowIfNull(vmac);
        lock (_gate)
        {
            try
            {
                if (client.GetLink(vmac.Name) is not { } link)
                {
                    return;
                }

                if (link.Kind != MacvlanKind || !link.MacAddress.Equals(vmac.MacAddress))
                {
                    LogNotOurs(vmac.Name);
                    return;
                }

                client.DeleteLink(link.Index, vmac.Name);
                LogDeleted(vmac.Name);
            }
            catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
            {
                // already gone
            }
            finally
            {
                if (--_live <= 0)
                {
                    _live = 0;
                    RestoreShared();
                }
            }
        }
    }

    private void AddLinkLocal(int index, VirtualMacInterface vmac, System.Net.IPAddress linkLocal)
    {
        try
        {
            // keepalived 2.2.7 adds it without DAD and deprecated (preferred lifetime 0), so nothing else picks it as a source.
            client.AddAddress(new InterfaceAddress(index, linkLocal, LinkLocalPrefix) { Flags = AddressFlags.NoDad, Scope = AddressScope.Link, PreferredLifetime = 0 });
        }
        catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
        {
            // adopted with its address
        }
    }

    /// <summary>rp_filter of every IPv4 interface, with "all" and "default".</summary>
    private Dictionary<string, int> ReversePathFilters()
    {
        var filters = new Dictionary<string, int>(StringComparer.Ordinal);
        var directory = Path.Combine(procSys, "net/ipv4/conf");
        if (!Directory.Exists(directory))
        {
            return filters;
        }

        foreach (var entry in Directory.GetDirectories(directory))
        {
            if (Read($"net/ipv4/conf/{Path.GetFileName(entry)}/rp_filter") is { } value)
            {
                filters[Path.GetFileName(entry)] = value;
            }
        }

        return filters;
    }

    /// <summary>A setting other parts of the host see: remembered the first time, so the last Delete can put it back.</summary>
    private void ApplyShared(SysctlSetting setting)
    {
        if (!_originals.ContainsKey(setting.Path) && Read(setting.Path) is { } original)
        {
            if (original == setting.Value)
            {
                return;
            }

            _originals[setting.Path] = original;
        }

        Write(setting);
    }

    private void RestoreShared()
    {
        foreach (var (path, value) in _originals)
        {
            Write(new SysctlSetting(path, value));
        }

        _originals.Clear();
    }

    private int? Read(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(procSys, path)).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void Write(SysctlSetting setting)
    {
        try
        {
            File.WriteAllText(Path.Combine(procSys, setting.Path), setting.Value.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // keepalived logs and goes on too: the VMAC still works, only less strictly.
            LogSysctlFailed(setting.ToString(), e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "VMAC {Vmac} {How} and up")]
    private partial void LogReady(string vmac, string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VMAC {Name}: replacing the existing macvlan with MAC {Mac} or another parent")]
    private partial void LogReplacing(string name, string mac);

    [LoggerMessage(Level = LogLevel.Information, Message = "VMAC {Name} deleted")]
    private partial void LogDeleted(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VMAC {Name}: the interface of that name is no longer our macvlan; left in place")]
    private partial void LogNotOurs(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot set {Setting}: {Error}")]
    private partial void LogSysctlFailed(string setting, string error);
}
