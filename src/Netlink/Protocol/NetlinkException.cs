namespace Kad.Netlink.Protocol;

/// <summary>
/// A request the kernel refused (NLMSG_ERROR with a negative errno) or a socket call that failed. Carries the raw
/// errno, its name, the operation and the object the request concerned, and the kernel's extended-ack text if sent.
/// </summary>
public class NetlinkException : Exception
{
    public NetlinkException(int errno, string operation, object? subject = null, string? kernelMessage = null, int? errorOffset = null)
        : base(Format(errno, operation, subject, kernelMessage))
    {
        Errno = errno;
        Operation = operation;
        Subject = subject;
        KernelMessage = kernelMessage;
        ErrorOffset = errorOffset;
    }

    public NetlinkException()
        : this(0, "netlink")
    {
    }

    public NetlinkException(string message)
        : base(message)
    {
        Operation = "netlink";
    }

    public NetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "netlink";
    }

    /// <summary>Positive errno value (17 for EEXIST).</summary>
    public int Errno { get; }

    /// <summary>Symbolic errno name, e.g. "EEXIST".</summary>
    public string ErrnoName => Protocol.Errno.Name(Errno);

    /// <summary>What was attempted, e.g. "IPVS NEW_SERVICE" or "RTM_NEWADDR".</summary>
    public string Operation { get; }

    /// <summary>The object the request concerned (a service key, a destination, an address), when there was one.</summary>
    public object? Subject { get; }

    /// <summary>Text from the kernel's extended acknowledgement (NLMSGERR_ATTR_MSG), when it sent one.</summary>
    public string? KernelMessage { get; }

    /// <summary>Byte offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS), when sent.</summary>
    public int? ErrorOffset { get; }

    public bool IsTransient => Protocol.Errno.IsTransient(Errno);

    private static string Format(int errno, string operation, object? subject, string? kernelMessage)
    {
        var text = $"{operation}{(subject is null ? "" : " " + subject)}: {Protocol.Errno.Name(errno)} ({Protocol.Errno.Describe(errno)})";
        return kernelMessage is null ? text : $"{text}: {kernelMessage}";
    }
}
