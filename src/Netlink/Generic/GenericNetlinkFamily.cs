using Kad.Netlink.Protocol;
using Kad.Netlink.Transport;

namespace Kad.Netlink.Generic;

/// <summary>A generic-netlink family as the controller describes it; <see cref="Id"/> is the nlmsg_type to use.</summary>
public sealed record GenericNetlinkFamily(
    ushort Id,
    string Name,
    uint Version,
    uint HeaderSize,
    uint MaxAttribute,
    IReadOnlyDictionary<string, uint> MulticastGroups)
{
    /// <summary>CTRL_CMD_GETFAMILY by name, with NLM_F_ACK.</summary>
    public static void EncodeGetFamily(NetlinkWriter writer, uint sequence, string name)
    {
        writer.BeginMessage(GenericNetlinkConstants.GENL_ID_CTRL, NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK, sequence);
        writer.WriteGenericHeader(GenericNetlinkConstants.CTRL_CMD_GETFAMILY, GenericNetlinkConstants.CTRL_VERSION);
        writer.WriteString(GenericNetlinkConstants.CTRL_ATTR_FAMILY_NAME, name);
        writer.EndMessage();
    }

    /// <summary>Decodes a CTRL_CMD_NEWFAMILY reply.</summary>
    public static GenericNetlinkFamily Decode(in NetlinkMessage message)
    {
        ushort? id = null;
        string name = "";
        uint version = 0, headerSize = 0, maxAttribute = 0;
        var groups = new Dictionary<string, uint>();
        var attributes = message.Attributes(GenericNetlinkConstants.HeaderLength);
        while (attributes.TryRead(out var attribute))
        {
            switch (attribute.Type)
            {
                case GenericNetlinkConstants.CTRL_ATTR_FAMILY_ID:
                    id = attribute.GetU16();
                    break;
                case GenericNetlinkConstants.CTRL_ATTR_FAMILY_NAME:
                    name = attribute.GetString();
                    break;
                case GenericNetlinkConstants.CTRL_ATTR_VERSION:
                    version = attribute.GetU32();
                    break;
                case GenericNetlinkConstants.CTRL_ATTR_HDRSIZE:
                    headerSize = attribute.GetU32();
                    break;
                case GenericNetlinkConstants.CTRL_ATTR_MAXATTR:
                    maxAttribute = attribute.GetU32();
                    break;
                case GenericNetlinkConstants.CTRL_ATTR_MCAST_GROUPS:
                    var entries = attribute.Nested();
                    while (entries.TryRead(out var entry))
                    {
                        string? groupName = null;
                        uint? groupId = null;
                        var fields = entry.Nested();
                        while (fields.TryRead(out var field))
                        {
                            if (field.Type == GenericNetlinkConstants.CTRL_ATTR_MCAST_GRP_NAME)
                            {
                                groupName = field.GetString();
                            }
                            else if (field.Type == GenericNetlinkConstants.CTRL_ATTR_MCAST_GRP_ID)
                            {
                                groupId = field.GetU32();
                            }
                        }

                        if (groupName is not null && groupId is not null)
                        {
                            groups[groupName] = groupId.Value;
                        }
                    }

                    break;
                default:
                    break;
            }
        }

        return id is null
            ? throw new NetlinkProtocolException("CTRL_CMD_NEWFAMILY reply without CTRL_ATTR_FAMILY_ID")
            : new GenericNetlinkFamily(id.Value, name, version, headerSize, maxAttribute, groups);
    }

    /// <summary>Asks the controller for the family called <paramref name="name"/>; ENOENT when it is not registered.</summary>
    public static GenericNetlinkFamily Resolve(NetlinkConnection connection, string name)
    {
        GenericNetlinkFamily? family = null;
        connection.Execute(
            (writer, sequence) => EncodeGetFamily(writer, sequence, name),
            "CTRL_CMD_GETFAMILY",
            name,
            (in NetlinkMessage message) =>
            {
                if (message.Type == GenericNetlinkConstants.GENL_ID_CTRL)
                {
                    family = Decode(message);
                }
            });
        return family ?? throw new NetlinkProtocolException($"controller acknowledged GETFAMILY {name} without describing it");
    }
}
