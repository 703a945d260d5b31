namespace Kad.Vrrp.Transport;

/// <summary>
/// An eventfd the interface thread polls beside its sockets, so another thread can wake it (a command was queued)
/// without a short poll timeout that would cost idle CPU.
/// </summary>
internal sealed unsafe class Wakeup : IDisposable
{
    private readonly FileDescriptor _fd = new(FileDescriptor.Check(Interop.eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK), "eventfd"));

    public int Fd => _fd.Value;

    /// <summary>Wakes the poller; after disposal does nothing (never writes to a closed, possibly reused, descriptor).</summary>
    public void Signal()
    {
        var added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            ulong one = 1;
            Interop.write(_fd.Value, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // the loop has exited; nothing to wake
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }
    }

    /// <summary>Resets the counter after a wake-up.</summary>
    public void Drain()
    {
        ulong value;
        Interop.read(_fd.Value, &value, sizeof(ulong));
    }

    public void Dispose() => _fd.Dispose();
}
