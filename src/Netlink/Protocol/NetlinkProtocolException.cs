namespace Kad.Netlink.Protocol;

/// <summary>Bytes that are not a valid netlink message or attribute: the only exception the readers throw.</summary>
public sealed class NetlinkProtocolException : Exception
{
    public NetlinkProtocolException()
        : base("malformed netlink data")
    {
    }

    public NetlinkProtocolException(string message)
        : base(message)
    {
    }

    public NetlinkProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
