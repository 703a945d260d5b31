using System.Runtime.InteropServices;

namespace Kad.Netlink.Interop;

/// <summary>Owns a netlink socket file descriptor; -1 is invalid, 0 is a legal descriptor.</summary>
internal sealed class SafeNetlinkHandle : SafeHandle
{
    public SafeNetlinkHandle()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
