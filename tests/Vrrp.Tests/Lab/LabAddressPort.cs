using Kad.Testing;
using Kad.Vrrp.Engine;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// The address port as the lab implements it: `ip addr` inside the namespace (the Daemon uses rtnetlink). Spawning
/// `ip` costs milliseconds, far more than a netlink request; <paramref name="background"/> moves it off the interface
/// thread so timing measurements see the engine, not the lab's process spawns.
/// </summary>
internal sealed class LabAddressPort(string ns, bool background = false) : IVirtualAddressPort
{
    private readonly object _order = new();

    public List<string> Log { get; } = [];

    public void Add(VirtualAddress address, string interfaceName) => Dispatch("add", address, interfaceName);

    public void Remove(VirtualAddress address, string interfaceName) => Dispatch("del", address, interfaceName);

    private void Dispatch(string verb, VirtualAddress address, string interfaceName)
    {
        if (!background)
        {
            Run(verb, address, interfaceName);
            return;
        }

        // Serialised so an add and a later remove cannot swap.
        ThreadPool.QueueUserWorkItem(_ =>
        {
            lock (_order)
            {
                Run(verb, address, interfaceName);
            }
        });
    }

    private void Run(string verb, VirtualAddress address, string interfaceName)
    {
        var result = ProcessRunner.Run("ip", ["-n", ns, "addr", verb, $"{address.Address}/{address.PrefixLength}", "dev", interfaceName], TimeSpan.FromSeconds(10));
        lock (Log)
        {
            Log.Add($"{verb} {address} → {result.ExitCode}");
        }
    }
}
