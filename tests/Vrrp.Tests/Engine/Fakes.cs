using Kad.Vrrp.Engine;

namespace Kad.Vrrp.Tests.Engine;

internal sealed class RecordingAddressPort : IVirtualAddressPort
{
    public List<string> Calls { get; } = [];

    public HashSet<string> Installed { get; } = [];

    public void Add(VirtualAddress address, string interfaceName)
    {
        Calls.Add($"add {address.Address} {interfaceName}");
        Installed.Add(address.Address.ToString());
    }

    public void Remove(VirtualAddress address, string interfaceName)
    {
        Calls.Add($"del {address.Address} {interfaceName}");
        Installed.Remove(address.Address.ToString());
    }
}

internal sealed class RecordingNotifyPort : IVrrpNotifyPort
{
    public List<VrrpNotification> Notifications { get; } = [];

    public List<string> LowerPriorityAdverts { get; } = [];

    public void Notify(VrrpNotification notification) => Notifications.Add(notification);

    public void MasterReceivedLowerPriority(string instanceName) => LowerPriorityAdverts.Add(instanceName);
}

/// <summary>A wire that counts instead of sending; preallocated so it adds nothing to allocation measurements.</summary>
internal sealed class CountingWire : IVrrpWire
{
    public int Adverts { get; private set; }

    public byte LastPriority { get; private set; }

    public int AnnouncedFrames { get; private set; }

    public bool SendAdvert(VrrpInstance instance, byte priority)
    {
        Adverts++;
        LastPriority = priority;
        return true;
    }

    public int Refreshes { get; private set; }

    public void Announce(VrrpInstance instance, int framesPerAddress) => AnnouncedFrames += framesPerAddress * instance.AddressBytes.Count;

    public void Announce(VrrpInstance instance, int framesPerAddress, IReadOnlyList<byte[]> addresses) => AnnouncedFrames += framesPerAddress * addresses.Count;

    public void Refresh(VrrpInstance instance) => Refreshes++;
}
