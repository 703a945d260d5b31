using System.Runtime.InteropServices;

namespace Kad.Vrrp.Transport;

/// <summary>An owned file descriptor from a raw libc call, closed exactly once.</summary>
internal sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    public int Value => (int)handle;

    protected override bool ReleaseHandle() => Interop.close((int)handle) == 0;

    /// <summary>Throws a <see cref="VrrpSocketException"/> naming <paramref name="what"/> when <paramref name="result"/> is negative.</summary>
    public static int Check(int result, string what)
    {
        if (result < 0)
        {
            throw new VrrpSocketException(what, Marshal.GetLastPInvokeError());
        }

        return result;
    }
}

/// <summary>A socket-level failure with the errno kept, and the operation it concerned.</summary>
public sealed class VrrpSocketException : Exception
{
    public VrrpSocketException(string operation, int errno)
        : base($"{operation}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Operation = operation;
        Errno = errno;
    }

    public VrrpSocketException()
    {
        Operation = "";
    }

    public VrrpSocketException(string message)
        : base(message)
    {
        Operation = "";
    }

    public VrrpSocketException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "";
    }

    public string Operation { get; }

    public int Errno { get; }
}
