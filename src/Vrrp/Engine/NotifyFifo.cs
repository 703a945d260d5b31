using System.Runtime.InteropServices;
using System.Text;
using Kad.Vrrp.Transport;

namespace Kad.Vrrp.Engine;

/// <summary>
/// keepalived's <c>notify_fifo</c> / <c>vrrp_notify_fifo</c>: a named pipe that receives one line per state change.
/// Created (mode 0600) when missing and then removed again on dispose, as keepalived does. Opened read-write and
/// non-blocking: opening never waits for a reader, and a write to a pipe nobody drains is dropped (and counted)
/// instead of stalling the notify queue. Lines are far below PIPE_BUF, so each is written whole or not at all.
/// </summary>
public sealed class NotifyFifo : IDisposable
{
    private readonly FileDescriptor _fd;
    private long _dropped;

    private NotifyFifo(string path, FileDescriptor fd, bool created)
    {
        Path = path;
        _fd = fd;
        Created = created;
    }

    public string Path { get; }

    /// <summary>kad made the FIFO (it did not exist), so it removes it on dispose.</summary>
    public bool Created { get; }

    /// <summary>Lines dropped because the pipe was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Opens <paramref name="path"/>, creating the FIFO if there is nothing there.</summary>
    /// <exception cref="VrrpSocketException">mkfifo or open failed (errno kept).</exception>
    public static NotifyFifo Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var created = false;
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            if (Interop.mkfifo(path, Convert.ToUInt32("600", 8)) == 0)
            {
                created = true;
            }
            else if (Marshal.GetLastPInvokeError() is var errno and not Interop.EEXIST)
            {
                throw new VrrpSocketException($"mkfifo {path}", errno);
            }
        }

        var fd = Interop.open(path, Interop.O_RDWR | Interop.O_NONBLOCK | Interop.O_APPEND | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (created)
            {
                File.Delete(path);
            }

            throw new VrrpSocketException($"open {path}", errno);
        }

        return new NotifyFifo(path, new FileDescriptor(fd), created);
    }

    /// <summary>Writes one line; false (and <see cref="Dropped"/> counts it) when the pipe is full or the write failed.</summary>
    public unsafe bool TryWrite(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var bytes = Encoding.UTF8.GetBytes(line);
        fixed (byte* data = bytes)
        {
            var written = Interop.write(_fd.Value, data, (nuint)bytes.Length);
            if (written == bytes.Length)
            {
                return true;
            }
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    public void Dispose()
    {
        _fd.Dispose();
        if (Created)
        {
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
                // already gone
            }
        }
    }
}

/// <summary>
/// The FIFOs every notification goes to (<c>notify_fifo</c> and <c>vrrp_notify_fifo</c>), shared by all units'
/// dispatchers and replaced as a whole when a reload changes them.
/// </summary>
public sealed class NotifyFifoSet : IDisposable
{
    private volatile IReadOnlyList<NotifyFifo> _fifos = [];

    public IReadOnlyList<NotifyFifo> Current => _fifos;

    /// <summary>Makes <paramref name="fifos"/> the targets; disposes the previous ones that are not among them.</summary>
    public void Replace(IReadOnlyList<NotifyFifo> fifos)
    {
        ArgumentNullException.ThrowIfNull(fifos);
        var previous = Interlocked.Exchange(ref _fifos, fifos);
        foreach (var old in previous.Where(o => !fifos.Contains(o)))
        {
            old.Dispose();
        }
    }

    /// <summary>Writes <paramref name="line"/> to every FIFO; returns the paths where it was dropped.</summary>
    public IReadOnlyList<string> Write(string line)
    {
        List<string>? dropped = null;
        foreach (var fifo in _fifos)
        {
            if (!fifo.TryWrite(line))
            {
                (dropped ??= []).Add(fifo.Path);
            }
        }

        return dropped ?? (IReadOnlyList<string>)[];
    }

    public void Dispose() => Replace([]);
}
