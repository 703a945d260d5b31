namespace Kad.Netlink.Transport;

/// <summary>
/// A datagram pipe to the kernel: the real socket in production, a scripted fake in tests. Not thread-safe; one
/// owner sends and receives.
/// </summary>
public interface INetlinkTransport : IDisposable
{
    /// <summary>The port id the kernel assigned at bind (nlmsg_pid of replies addressed to us).</summary>
    uint PortId { get; }

    /// <summary>Sends one datagram (one or more whole messages) to the kernel.</summary>
    void Send(ReadOnlySpan<byte> datagram);

    /// <summary>
    /// Receives one datagram into <paramref name="buffer"/> and returns its length, waiting at most
    /// <paramref name="timeout"/>. Throws <see cref="TimeoutException"/> when nothing arrived, and
    /// <see cref="Protocol.NetlinkException"/> (e.g. ENOBUFS when the kernel dropped messages).
    /// </summary>
    int Receive(Span<byte> buffer, TimeSpan timeout);
}
