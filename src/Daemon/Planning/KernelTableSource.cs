using Kad.Daemon.Lvs;
using Kad.Netlink.Ipvs;

namespace Kad.Daemon.Planning;

/// <summary>Where a plan reads the kernel's IPVS table from; tests give an in-memory table.</summary>
internal interface IKernelTableSource
{
    /// <summary>A dump of the table now; throws the netlink error when IPVS cannot be read.</summary>
    ActualTable Read();
}

/// <summary>A dump over a generic-netlink socket of its own, opened per plan (plans are rare; the reconciler's socket stays its own).</summary>
internal sealed class NetlinkKernelTableSource : IKernelTableSource
{
    public ActualTable Read()
    {
        using var client = IpvsClient.Open();
        return new NetlinkIpvsTable(client).Read();
    }
}
