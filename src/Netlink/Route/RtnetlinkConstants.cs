namespace Kad.Netlink.Route;

/// <summary>rtnetlink constants from linux/rtnetlink.h, linux/if_addr.h, linux/if_link.h and linux/if.h.</summary>
public static class RtnetlinkConstants
{
    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;
    public const ushort RTM_GETLINK = 18;
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_GETADDR = 22;

    public const int IfAddrMsgLength = 8;   // sizeof(struct ifaddrmsg)
    public const int IfInfoMsgLength = 16;  // sizeof(struct ifinfomsg)

    // enum IFA_* (linux/if_addr.h)
    public const ushort IFA_ADDRESS = 1;
    public const ushort IFA_LOCAL = 2;
    public const ushort IFA_LABEL = 3;
    public const ushort IFA_BROADCAST = 4;
    public const ushort IFA_ANYCAST = 5;
    public const ushort IFA_CACHEINFO = 6;
    public const ushort IFA_FLAGS = 8;

    // enum IFLA_* (linux/if_link.h)
    public const ushort IFLA_ADDRESS = 1;
    public const ushort IFLA_BROADCAST = 2;
    public const ushort IFLA_IFNAME = 3;
    public const ushort IFLA_MTU = 4;
    public const ushort IFLA_LINK = 5;
    public const ushort IFLA_MASTER = 10;
    public const ushort IFLA_OPERSTATE = 16;
    public const ushort IFLA_LINKINFO = 18;
    public const ushort IFLA_CARRIER = 33;

    // enum IFLA_INFO_* (linux/if_link.h): attributes nested in IFLA_LINKINFO
    public const ushort IFLA_INFO_KIND = 1;
    public const ushort IFLA_INFO_DATA = 2;

    // enum IFLA_MACVLAN_* (linux/if_link.h): attributes nested in IFLA_INFO_DATA of kind "macvlan"
    public const ushort IFLA_MACVLAN_MODE = 1;

    // linux/if.h
    public const uint IFF_UP = 0x1;

    // enum rtnetlink_groups (linux/rtnetlink.h)
    public const int RTNLGRP_LINK = 1;
    public const int RTNLGRP_IPV4_IFADDR = 5;
    public const int RTNLGRP_IPV6_IFADDR = 9;

    // linux/socket.h
    public const byte AF_UNSPEC = 0;
    public const byte AF_INET = 2;
    public const byte AF_INET6 = 10;

    /// <summary>IFA_CACHEINFO lifetime meaning "forever" (INFINITY_LIFE_TIME, net/ipv6/addrconf.c).</summary>
    public const uint InfiniteLifetime = 0xFFFFFFFF;
}
