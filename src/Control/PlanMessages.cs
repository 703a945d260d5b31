using System.Globalization;
using System.Text;

namespace Kad.Control;

/// <summary>
/// The answer to <see cref="ControlCommand.Plan"/>: what a reload to <see cref="ConfigFile"/> would do, computed by
/// the daemon against its running configuration, its checkers' health and the kernel's IPVS table, applying nothing.
/// When <see cref="Usable"/> is false the file has errors (in <see cref="Diagnostics"/>) and a reload would be refused.
/// </summary>
public sealed record PlanResult(
    string ConfigFile,
    string ConfigSha256,
    bool Usable,
    IReadOnlyList<string> Diagnostics,
    IReadOnlyList<VrrpChange> Vrrp,
    IReadOnlyList<IpvsChange> Ipvs,
    IReadOnlyList<string> Notes)
{
    public bool IsEmpty => Vrrp.Count == 0 && Ipvs.Count == 0;
}

public enum VrrpChangeKind
{
    /// <summary>A new instance starts (in INIT, then BACKUP or MASTER by election).</summary>
    Add,

    /// <summary>The instance stops: it sends priority 0 if master and releases its addresses.</summary>
    Remove,

    /// <summary>The instance's settings changed: it is stopped and started again, so its state is elected afresh.</summary>
    Restart,

    /// <summary>Only addresses, notify scripts or GARP timing changed: applied to the running instance, which keeps its state.</summary>
    Update,
}

/// <summary>
/// One VRRP instance a reload would touch. <paramref name="Unit"/> is what is restarted together (the instance, or
/// its sync group). Address lists are the virtual addresses gained and lost; <paramref name="Changes"/> names the other
/// settings that differ, as "name: old -> new".
/// </summary>
public sealed record VrrpChange(
    VrrpChangeKind Kind,
    string Unit,
    string Instance,
    string Interface,
    int VirtualRouterId,
    IReadOnlyList<string> AddedAddresses,
    IReadOnlyList<string> RemovedAddresses,
    IReadOnlyList<string> Changes)
{
    public override string ToString()
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{Kind.ToString().ToLowerInvariant()} instance {Instance} ({Interface} vrid {VirtualRouterId}"));
        if (Unit != "instance " + Instance)
        {
            text.Append(CultureInfo.InvariantCulture, $", {Unit}");
        }

        text.Append(')');
        var details = AddedAddresses.Select(a => "+" + a).Concat(RemovedAddresses.Select(a => "-" + a)).Concat(Changes).ToList();
        if (details.Count > 0)
        {
            text.Append(": ").AppendJoin("; ", details);
        }

        return text.ToString();
    }
}

/// <summary>ipvsadm's commands: -A/-E/-D for virtual services, -a/-e/-d for real servers.</summary>
public enum IpvsChangeKind
{
    AddService,
    EditService,
    DeleteService,
    AddServer,
    EditServer,
    DeleteServer,
}

/// <summary>
/// One IPVS operation a reload would send, in the order it would send it, with the fields ipvsadm would take.
/// <paramref name="Protocol"/> is tcp, udp, sctp or fwm; <paramref name="Service"/> is "ADDRESS:PORT" ("[v6]:PORT")
/// or the firewall mark. <paramref name="Was"/> is the current kernel entry an edit replaces, in the same wording.
/// </summary>
public sealed record IpvsChange(
    IpvsChangeKind Kind,
    string Protocol,
    string Service,
    bool Ipv6FirewallMark = false,
    string? Scheduler = null,
    uint? PersistenceSeconds = null,
    string? PersistenceMask = null,
    string? SchedulerFlags = null,
    bool OnePacket = false,
    string? PersistenceEngine = null,
    string? RealServer = null,
    string? Forwarding = null,
    uint? Weight = null,
    uint UpperThreshold = 0,
    uint LowerThreshold = 0,
    string? Was = null)
{
    /// <summary>The change as an ipvsadm command line (without "ipvsadm"), in ipvsadm -S wording: <c>-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1</c>.</summary>
    public string ToIpvsadm()
    {
        var text = new StringBuilder();
        text.Append(Kind switch
        {
            IpvsChangeKind.AddService => "-A",
            IpvsChangeKind.EditService => "-E",
            IpvsChangeKind.DeleteService => "-D",
            IpvsChangeKind.AddServer => "-a",
            IpvsChangeKind.EditServer => "-e",
            _ => "-d",
        });
        text.Append(Protocol switch
        {
            "udp" => " -u ",
            "sctp" => " --sctp-service ",
            "fwm" => " -f ",
            _ => " -t ",
        }).Append(Service);
        if (Ipv6FirewallMark)
        {
            text.Append(" -6");
        }

        if (Kind is IpvsChangeKind.AddService or IpvsChangeKind.EditService)
        {
            AppendService(text);
        }
        else if (RealServer is not null)
        {
            text.Append(" -r ").Append(RealServer);
            if (Kind is not IpvsChangeKind.DeleteServer)
            {
                AppendServer(text);
            }
        }

        return text.ToString();
    }

    /// <summary>The settings part only (what follows the service or real server), as <see cref="Was"/> is written.</summary>
    public string Settings()
    {
        var text = new StringBuilder();
        if (Kind is IpvsChangeKind.AddService or IpvsChangeKind.EditService)
        {
            AppendService(text);
        }
        else
        {
            AppendServer(text);
        }

        return text.ToString().TrimStart();
    }

    private void AppendService(StringBuilder text)
    {
        if (Scheduler is not null)
        {
            text.Append(" -s ").Append(Scheduler);
        }

        if (PersistenceSeconds is { } seconds)
        {
            text.Append(CultureInfo.InvariantCulture, $" -p {seconds}");
            if (PersistenceMask is not null)
            {
                text.Append(" -M ").Append(PersistenceMask);
            }
        }

        if (PersistenceEngine is not null)
        {
            text.Append(" --pe ").Append(PersistenceEngine);
        }

        if (SchedulerFlags is not null)
        {
            text.Append(" -b ").Append(SchedulerFlags);
        }

        if (OnePacket)
        {
            text.Append(" -o");
        }
    }

    private void AppendServer(StringBuilder text)
    {
        if (Forwarding is not null)
        {
            text.Append(' ').Append(Forwarding);
        }

        if (Weight is { } weight)
        {
            text.Append(CultureInfo.InvariantCulture, $" -w {weight}");
        }

        if (UpperThreshold != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" -x {UpperThreshold}");
        }

        if (LowerThreshold != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" -y {LowerThreshold}");
        }
    }
}
