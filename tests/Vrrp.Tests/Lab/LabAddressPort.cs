using Kad.Testing;
using Kad.Vrrp.Engine;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>The address port as the lab implements it: `ip addr` inside the namespace (the Daemon uses rtnetlink).</summary>
internal sealed class LabAddressPort(string ns) : IVirtualAddressPort
{
    public List<string> Log { get; } = [];

    public void Add(VirtualAddress address, string interfaceName) => Run("add", address, interfaceName);

    public void Remove(VirtualAddress address, string interfaceName) => Run("del", address, interfaceName);

    private void Run(string verb, VirtualAddress address, string interfaceName)
    {
        var result = ProcessRunner.Run("ip", ["-n", ns, "addr", verb, $"{address.Address}/{address.PrefixLength}", "dev", interfaceName], TimeSpan.FromSeconds(10));
        lock (Log)
        {
            Log.Add($"{verb} {address} → {result.ExitCode}");
        }
    }
}
