namespace Kad.Netlink.Generic;

/// <summary>Controller constants from linux/genetlink.h.</summary>
public static class GenericNetlinkConstants
{
    public const int HeaderLength = 4;      // sizeof(struct genlmsghdr)
    public const ushort GENL_ID_CTRL = 0x10;

    public const byte CTRL_CMD_NEWFAMILY = 1;
    public const byte CTRL_CMD_GETFAMILY = 3;
    public const byte CTRL_VERSION = 1;

    public const ushort CTRL_ATTR_FAMILY_ID = 1;
    public const ushort CTRL_ATTR_FAMILY_NAME = 2;
    public const ushort CTRL_ATTR_VERSION = 3;
    public const ushort CTRL_ATTR_HDRSIZE = 4;
    public const ushort CTRL_ATTR_MAXATTR = 5;
    public const ushort CTRL_ATTR_OPS = 6;
    public const ushort CTRL_ATTR_MCAST_GROUPS = 7;

    public const ushort CTRL_ATTR_MCAST_GRP_NAME = 1;
    public const ushort CTRL_ATTR_MCAST_GRP_ID = 2;
}
