using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kad.Netlink.Interop;

namespace Kad.Netlink.Tests;

/// <summary>Interop structs against the kernel/libc layouts (linux/netlink.h sockaddr_nl, poll.h pollfd).</summary>
public sealed class InteropLayoutTests
{
    [Test]
    public void SockAddrNetlink_Layout_MatchesSockaddrNl()
    {
        Assert.That(Unsafe.SizeOf<SockAddrNetlink>(), Is.EqualTo(12));
        Assert.That(Marshal.OffsetOf<SockAddrNetlink>(nameof(SockAddrNetlink.Family)), Is.EqualTo((nint)0));
        Assert.That(Marshal.OffsetOf<SockAddrNetlink>(nameof(SockAddrNetlink.Pad)), Is.EqualTo((nint)2));
        Assert.That(Marshal.OffsetOf<SockAddrNetlink>(nameof(SockAddrNetlink.PortId)), Is.EqualTo((nint)4));
        Assert.That(Marshal.OffsetOf<SockAddrNetlink>(nameof(SockAddrNetlink.Groups)), Is.EqualTo((nint)8));
    }

    [Test]
    public void PollFd_Layout_MatchesStructPollfd()
    {
        Assert.That(Unsafe.SizeOf<PollFd>(), Is.EqualTo(8));
        Assert.That(Marshal.OffsetOf<PollFd>(nameof(PollFd.Fd)), Is.EqualTo((nint)0));
        Assert.That(Marshal.OffsetOf<PollFd>(nameof(PollFd.Events)), Is.EqualTo((nint)4));
        Assert.That(Marshal.OffsetOf<PollFd>(nameof(PollFd.ReturnedEvents)), Is.EqualTo((nint)6));
    }
}
