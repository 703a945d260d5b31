using System.Net;
using System.Text;
using Kad.Netlink.Ipvs;

namespace Kad.Netlink.LabDriver;

/// <summary>The large table of the 10k case and the benchmark: services × destinations, DR, weight 1.</summary>
internal static class RuleSet
{
    public static IpvsServiceKey Service(int s) => IpvsServiceKey.ForAddress(IpvsProtocol.Tcp, new IPAddress([10, 20, (byte)(s / 250), (byte)(s % 250 + 1)]), 80);

    public static IpvsDestination Destination(int s, int d) =>
        new(new IPAddress([10, (byte)(30 + s / 250), (byte)(s % 250), (byte)(d + 1)]), 80) { ForwardingMethod = IpvsForwardingMethod.DirectRoute, Weight = 1 };

    public static List<IpvsOperation> Operations(int services, int destinations)
    {
        var operations = new List<IpvsOperation>(services * (destinations + 1));
        for (var s = 0; s < services; s++)
        {
            var key = Service(s);
            operations.Add(new IpvsOperation.AddService(new IpvsService(key, "wlc")));
            for (var d = 0; d < destinations; d++)
            {
                operations.Add(new IpvsOperation.AddDestination(key, Destination(s, d)));
            }
        }

        return operations;
    }

    /// <summary>The same rules in `ipvsadm -R` syntax.</summary>
    public static string IpvsadmRestore(int services, int destinations)
    {
        var text = new StringBuilder();
        for (var s = 0; s < services; s++)
        {
            var key = Service(s);
            text.Append($"-A -t {key.Address}:80 -s wlc\n");
            for (var d = 0; d < destinations; d++)
            {
                text.Append($"-a -t {key.Address}:80 -r {Destination(s, d).Address}:80 -g -w 1\n");
            }
        }

        return text.ToString();
    }

    /// <summary>(service, destination, weight) triples from `ipvsadm -S -n` output.</summary>
    public static HashSet<string> ParseSave(string save, out int serviceLines)
    {
        serviceLines = 0;
        var entries = new HashSet<string>();
        foreach (var line in save.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens[0] == "-A")
            {
                serviceLines++;
            }
            else if (tokens[0] == "-a")
            {
                entries.Add($"{After(tokens, "-t")} {After(tokens, "-r")} {After(tokens, "-w")}");
            }
        }

        return entries;
    }

    private static string After(string[] tokens, string option)
    {
        var index = Array.IndexOf(tokens, option);
        return index >= 0 && index + 1 < tokens.Length ? tokens[index + 1] : "?";
    }
}
