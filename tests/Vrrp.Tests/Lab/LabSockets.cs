using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Kad.Vrrp.Tests.Lab;

/// <summary>
/// Test-side sockets that live in a lab namespace: a sniffer that records every Ethernet frame seen on an interface
/// (to prove gratuitous ARP / NA went out), and a raw sender for hand-made (malformed, spoofed) IPv4 datagrams.
/// Each is created on a thread that entered the namespace; the socket stays there after the thread moves on.
/// </summary>
internal static partial class LabSockets
{
    // <linux/if_ether.h>, <sys/socket.h>, <netinet/in.h>
    private const int AF_PACKET = 17;
    private const int AF_INET = 2;
    private const int SOCK_RAW = 3;
    private const int ETH_P_ALL = 0x0003;
    private const int IPPROTO_RAW = 255;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    /// <summary>Runs <paramref name="create"/> on a fresh thread inside <paramref name="ns"/> and returns its result.</summary>
    public static T InNamespace<T>(string ns, Func<T> create)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Netns.Enter(ns);
                result = create();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"in {ns}", error);
        }

        return result!;
    }

    public static Socket OpenSniffer(string ns) => InNamespace(ns, () =>
    {
        var fd = socket(AF_PACKET, SOCK_RAW, IPAddress.HostToNetworkOrder((short)ETH_P_ALL) & 0xFFFF);
        if (fd < 0)
        {
            throw new InvalidOperationException($"socket(AF_PACKET): errno {Marshal.GetLastPInvokeError()}");
        }

        var sniffer = new Socket(new SafeSocketHandle(fd, ownsHandle: true)) { ReceiveTimeout = 100 };
        return sniffer;
    });

    /// <summary>An IPPROTO_RAW socket (IP_HDRINCL implied) bound to <paramref name="interfaceName"/>, multicast out of it.</summary>
    public static Socket OpenRawSender(string ns, string interfaceName) => InNamespace(ns, () =>
    {
        var fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
        if (fd < 0)
        {
            throw new InvalidOperationException($"socket(IPPROTO_RAW): errno {Marshal.GetLastPInvokeError()}");
        }

        var sender = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        sender.SetRawSocketOption(1, 25, Encoding.ASCII.GetBytes(interfaceName + "\0")); // SOL_SOCKET, SO_BINDTODEVICE
        return sender;
    });
}

/// <summary>Records frames from an AF_PACKET socket on a background thread until disposed.</summary>
internal sealed class FrameSniffer : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly List<byte[]> _frames = [];
    private readonly List<long> _times = [];
    private volatile bool _stop;

    public FrameSniffer(string ns)
    {
        _socket = LabSockets.OpenSniffer(ns);
        _thread = new Thread(Run) { IsBackground = true, Name = "sniffer" };
        _thread.Start();
    }

    public IReadOnlyList<byte[]> Frames
    {
        get
        {
            lock (_frames)
            {
                return [.. _frames];
            }
        }
    }

    /// <summary>Stopwatch timestamp of the first frame after <paramref name="since"/> matching <paramref name="predicate"/>.</summary>
    public long? FirstAfter(long since, Func<byte[], bool> predicate)
    {
        lock (_frames)
        {
            for (var i = 0; i < _frames.Count; i++)
            {
                if (_times[i] >= since && predicate(_frames[i]))
                {
                    return _times[i];
                }
            }
        }

        return null;
    }

    /// <summary>Stopwatch timestamps of every frame so far matching <paramref name="predicate"/>.</summary>
    public IReadOnlyList<long> TimesOf(Func<byte[], bool> predicate)
    {
        lock (_frames)
        {
            return [.. _frames.Select((f, i) => (f, i)).Where(p => predicate(p.f)).Select(p => _times[p.i])];
        }
    }

    /// <summary>Ethernet II, IPv4, protocol 112 (a VRRP advert).</summary>
    public static bool IsIPv4Advert(byte[] frame) =>
        frame.Length >= 34 && frame[12] == 0x08 && frame[13] == 0x00 && frame[23] == 112;

    public bool WaitFor(Func<byte[], bool> predicate, TimeSpan timeout) =>
        KeepalivedInteropTests.WaitUntil(() => Frames.Any(predicate), timeout);

    /// <summary>
    /// Blocks until a frame matching <paramref name="predicate"/> arrives after this call and returns its Stopwatch
    /// timestamp (null on timeout). Woken by the receive thread itself, not by polling, so the caller can act within
    /// microseconds of the frame.
    /// </summary>
    public long? WaitForNext(Func<byte[], bool> predicate, TimeSpan timeout)
    {
        var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        lock (_frames)
        {
            var seen = _frames.Count;
            while (true)
            {
                for (; seen < _frames.Count; seen++)
                {
                    if (predicate(_frames[seen]))
                    {
                        return _times[seen];
                    }
                }

                var left = deadline - System.Diagnostics.Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    return null;
                }

                Monitor.Wait(_frames, TimeSpan.FromSeconds((double)left / System.Diagnostics.Stopwatch.Frequency));
            }
        }
    }

    /// <summary>Ethernet II, ARP request, sender IP = target IP = <paramref name="address"/>.</summary>
    public static bool IsGratuitousArp(byte[] frame, IPAddress address)
    {
        var ip = address.GetAddressBytes();
        return frame.Length >= 42 && frame[12] == 0x08 && frame[13] == 0x06 && frame[21] == 1
            && frame.AsSpan(28, 4).SequenceEqual(ip) && frame.AsSpan(38, 4).SequenceEqual(ip);
    }

    /// <summary>IPv6, hop limit 255, ICMPv6 neighbour advertisement whose target is <paramref name="address"/>.</summary>
    public static bool IsNeighborAdvertisement(byte[] frame, IPAddress address) =>
        frame.Length >= 86 && frame[12] == 0x86 && frame[13] == 0xdd && frame[14 + 6] == 58 && frame[14 + 7] == 255
        && frame[54] == 136 && frame.AsSpan(62, 16).SequenceEqual(address.GetAddressBytes());

    public static byte[] SourceMac(byte[] frame) => frame[6..12];

    private void Run()
    {
        var buffer = new byte[2048];
        while (!_stop)
        {
            try
            {
                var length = _socket.Receive(buffer);
                var at = System.Diagnostics.Stopwatch.GetTimestamp();
                lock (_frames)
                {
                    _frames.Add(buffer[..length]);
                    _times.Add(at);
                    Monitor.PulseAll(_frames);
                }
            }
            catch (SocketException)
            {
                // receive timeout: check _stop again
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
    }
}
