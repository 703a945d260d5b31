using System.Net;
using System.Net.Sockets;
using Kad.Netlink.Protocol;
using Kad.Netlink.Route;
using static Kad.Netlink.LabDriver.Guest;

namespace Kad.Netlink.LabDriver;

/// <summary>rtnetlink cases, checked against `ip -o link` and `ip -o addr`.</summary>
internal sealed class RouteCases(RtnetlinkClient client)
{
    public Dictionary<string, Action> Build() => new()
    {
        ["rt_links"] = Links,
        ["rt_addr_ipv4_label_broadcast"] = Ipv4Addresses,
        ["rt_addr_ipv6_nodad"] = Ipv6Address,
        ["rt_events"] = Events,
    };

    private static int IndexOf(string name) => int.Parse(File.ReadAllText($"/sys/class/net/{name}/ifindex").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private void Links()
    {
        IpvsCases.EnsureVethPair();
        var ours = client.GetLinks().Select(l => $"{l.Index} {l.Name} {l.Mtu}").ToList();
        var theirs = new List<string>();
        foreach (var line in Ip("-o link").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "3: v0@v1: <BROADCAST,...> mtu 1500 qdisc ..."
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var index = parts[0].TrimEnd(':');
            var name = parts[1].TrimEnd(':').Split('@')[0];
            var mtu = parts[Array.IndexOf(parts, "mtu") + 1];
            theirs.Add($"{index} {name} {mtu}");
        }

        Check(ours.SequenceEqual(theirs), $"ours [{string.Join(", ", ours)}] vs ip [{string.Join(", ", theirs)}]");
        var v0 = client.GetLink("v0") ?? throw new CaseFailedException("GetLink(v0) returned null");
        Equal(v0.Index, IndexOf("v0"), "v0 index");
        var mac = File.ReadAllText("/sys/class/net/v0/address").Trim().Replace(':', '-').ToUpperInvariant();
        Equal(string.Join("-", v0.MacAddress.GetAddressBytes().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))), mac, "v0 MAC");
        Check(v0.Flags.HasFlag(InterfaceFlags.Up), $"v0 flags {v0.Flags}");
        Equal(client.GetLink(v0.Index)?.Name, "v0", "GetLink by index");
        Check(client.GetLink("nosuchif0") is null, "GetLink of a missing interface should be null");
        var lo = client.GetLink("lo")!;
        Check(lo.Flags.HasFlag(InterfaceFlags.Loopback) && lo.IsUsable, $"lo {lo}");
    }

    private void Ipv4Addresses()
    {
        IpvsCases.EnsureVethPair();
        var index = IndexOf("v0");
        var vip = new InterfaceAddress(index, IPAddress.Parse("10.0.0.100"), 32) { Label = "v0:vip" };
        var net = new InterfaceAddress(index, IPAddress.Parse("10.1.0.5"), 24) { Label = "v0:net", Broadcast = IPAddress.Parse("10.1.0.255") };
        client.AddAddress(vip);
        client.AddAddress(net);
        var shown = Ip("-o -4 addr show dev v0");
        Check(shown.Contains("inet 10.0.0.100/32 scope global v0:vip", StringComparison.Ordinal), $"ip shows: {OneLine(shown)}");
        Check(shown.Contains("inet 10.1.0.5/24 brd 10.1.0.255 scope global v0:net", StringComparison.Ordinal), $"ip shows: {OneLine(shown)}");
        var ours = client.GetAddresses(AddressFamily.InterNetwork).Where(a => a.InterfaceIndex == index).ToList();
        Check(ours.Any(a => a.Address.Equals(vip.Address) && a.PrefixLength == 32 && a.Label == "v0:vip" && a.Broadcast is null), $"our dump lacks {vip}");
        Check(ours.Any(a => a.Address.Equals(net.Address) && a.PrefixLength == 24 && a.Label == "v0:net" && net.Broadcast!.Equals(a.Broadcast)), $"our dump lacks {net}");

        var again = ExpectError(() => client.AddAddress(vip), Errno.EEXIST);
        Check(ReferenceEquals(again.Subject, vip), $"EEXIST subject {again.Subject}");
        client.DeleteAddress(vip);
        client.DeleteAddress(net);
        shown = Ip("-o -4 addr show dev v0");
        Check(!shown.Contains("10.0.0.100", StringComparison.Ordinal) && !shown.Contains("10.1.0.5", StringComparison.Ordinal), $"ip still shows: {OneLine(shown)}");
        ExpectError(() => client.DeleteAddress(vip), Errno.EADDRNOTAVAIL);
        ExpectError(() => client.AddAddress(vip with { InterfaceIndex = 9999 }), Errno.ENODEV);
    }

    private void Ipv6Address()
    {
        IpvsCases.EnsureVethPair();
        var index = IndexOf("v0");
        var vip = new InterfaceAddress(index, IPAddress.Parse("2001:db8::100"), 64) { Flags = AddressFlags.NoDad };
        client.AddAddress(vip);
        var shown = Ip("-o -6 addr show dev v0");
        Check(shown.Contains("inet6 2001:db8::100/64", StringComparison.Ordinal) && shown.Contains("nodad", StringComparison.Ordinal), $"ip shows: {OneLine(shown)}");
        var ours = client.GetAddresses(AddressFamily.InterNetworkV6).SingleOrDefault(a => a.Address.Equals(vip.Address))
            ?? throw new CaseFailedException("our dump lacks the IPv6 VIP");
        Check(ours.InterfaceIndex == index && ours.PrefixLength == 64 && ours.Flags.HasFlag(AddressFlags.NoDad) && !ours.Flags.HasFlag(AddressFlags.Tentative), $"dumped {ours} flags {ours.Flags}");
        ExpectError(() => client.DeleteAddress(vip with { PrefixLength = 128 }), Errno.EADDRNOTAVAIL);
        client.DeleteAddress(vip);
        Check(!Ip("-o -6 addr show dev v0").Contains("2001:db8::100", StringComparison.Ordinal), "ip still shows the IPv6 VIP");
    }

    private static void Events()
    {
        IpvsCases.EnsureVethPair();
        using var monitor = RtnetlinkMonitor.Open();
        Ip("addr add 10.9.9.9/32 dev v0");
        Ip("addr del 10.9.9.9/32 dev v0");
        Ip("link set v0 down");
        bool added = false, removed = false, down = false;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(added && removed && down) && DateTime.UtcNow < deadline)
        {
            foreach (var change in monitor.Receive(TimeSpan.FromMilliseconds(500)))
            {
                switch (change)
                {
                    case RtnetlinkEvent.AddressChanged a when a.Address.Address.Equals(IPAddress.Parse("10.9.9.9")):
                        added |= !a.Removed && !removed;
                        removed |= a.Removed && added;
                        break;
                    case RtnetlinkEvent.LinkChanged l when l.Link.Name == "v0" && !l.Link.Flags.HasFlag(InterfaceFlags.Up):
                        down = true;
                        break;
                    case RtnetlinkEvent.EventsLost:
                        throw new CaseFailedException("events lost (ENOBUFS)");
                    default:
                        break;
                }
            }
        }

        Ip("link set v0 up");
        Check(added && removed && down, $"seen: address added {added}, removed {removed}, link down {down}");
    }

    private static NetlinkException ExpectError(Action action, int errno)
    {
        try
        {
            action();
        }
        catch (NetlinkException e)
        {
            Check(e.Errno == errno, $"expected {Errno.Name(errno)}, got {e.ErrnoName}: {e.Message}");
            return e;
        }

        throw new CaseFailedException($"expected {Errno.Name(errno)}, but the kernel accepted the request");
    }
}
