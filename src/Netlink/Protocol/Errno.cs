namespace Kad.Netlink.Protocol;

/// <summary>Linux errno values (asm-generic/errno-base.h, asm-generic/errno.h) and their symbolic names.</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int E2BIG = 7;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ENOSPC = 28;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
    public const int EPROTO = 71;
    public const int EBADMSG = 74;
    public const int EOVERFLOW = 75;
    public const int EMSGSIZE = 90;
    public const int EPROTONOSUPPORT = 93;
    public const int ENOPROTOOPT = 92;
    public const int EOPNOTSUPP = 95;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETDOWN = 100;
    public const int ENOBUFS = 105;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;

    private static readonly Dictionary<int, (string Name, string Text)> Known = new()
    {
        [EPERM] = ("EPERM", "Operation not permitted"),
        [ENOENT] = ("ENOENT", "No such file or directory"),
        [ESRCH] = ("ESRCH", "No such process"),
        [EINTR] = ("EINTR", "Interrupted system call"),
        [EIO] = ("EIO", "I/O error"),
        [ENXIO] = ("ENXIO", "No such device or address"),
        [E2BIG] = ("E2BIG", "Argument list too long"),
        [EBADF] = ("EBADF", "Bad file descriptor"),
        [EAGAIN] = ("EAGAIN", "Resource temporarily unavailable"),
        [ENOMEM] = ("ENOMEM", "Cannot allocate memory"),
        [EACCES] = ("EACCES", "Permission denied"),
        [EFAULT] = ("EFAULT", "Bad address"),
        [EBUSY] = ("EBUSY", "Device or resource busy"),
        [EEXIST] = ("EEXIST", "File exists"),
        [ENODEV] = ("ENODEV", "No such device"),
        [EINVAL] = ("EINVAL", "Invalid argument"),
        [ENFILE] = ("ENFILE", "Too many open files in system"),
        [EMFILE] = ("EMFILE", "Too many open files"),
        [ENOSPC] = ("ENOSPC", "No space left on device"),
        [ERANGE] = ("ERANGE", "Numerical result out of range"),
        [ENOSYS] = ("ENOSYS", "Function not implemented"),
        [ENODATA] = ("ENODATA", "No data available"),
        [EPROTO] = ("EPROTO", "Protocol error"),
        [EBADMSG] = ("EBADMSG", "Bad message"),
        [EOVERFLOW] = ("EOVERFLOW", "Value too large for defined data type"),
        [EMSGSIZE] = ("EMSGSIZE", "Message too long"),
        [ENOPROTOOPT] = ("ENOPROTOOPT", "Protocol not available"),
        [EPROTONOSUPPORT] = ("EPROTONOSUPPORT", "Protocol not supported"),
        [EOPNOTSUPP] = ("EOPNOTSUPP", "Operation not supported"),
        [EAFNOSUPPORT] = ("EAFNOSUPPORT", "Address family not supported by protocol"),
        [EADDRINUSE] = ("EADDRINUSE", "Address already in use"),
        [EADDRNOTAVAIL] = ("EADDRNOTAVAIL", "Cannot assign requested address"),
        [ENETDOWN] = ("ENETDOWN", "Network is down"),
        [ENOBUFS] = ("ENOBUFS", "No buffer space available"),
        [ETIMEDOUT] = ("ETIMEDOUT", "Connection timed out"),
        [ECONNREFUSED] = ("ECONNREFUSED", "Connection refused"),
    };

    /// <summary>The symbolic name ("EEXIST"), or "E&lt;n&gt;" for a number this table does not know.</summary>
    public static string Name(int errno) => Known.TryGetValue(errno, out var entry) ? entry.Name : $"E{errno}";

    /// <summary>The strerror-style description.</summary>
    public static string Describe(int errno) => Known.TryGetValue(errno, out var entry) ? entry.Text : $"errno {errno}";

    /// <summary>Errors that can go away by themselves, so retrying the same request makes sense.</summary>
    public static bool IsTransient(int errno) =>
        errno is EAGAIN or EINTR or ENOMEM or ENOBUFS or EBUSY or ETIMEDOUT or ENOPROTOOPT;
}
