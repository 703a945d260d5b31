using System.Net;
using Kad.Netlink.Protocol;

namespace Kad.Netlink.Ipvs;

/// <summary>
/// One change to the IPVS table, usable alone or in a batch. A failed operation is the
/// <see cref="NetlinkException.Subject"/> of its error, so the caller knows exactly what the kernel refused.
/// </summary>
public abstract record IpvsOperation
{
    private protected IpvsOperation()
    {
    }

    /// <summary>The IPVS command name, e.g. "IPVS NEW_DEST".</summary>
    public abstract string Name { get; }

    internal abstract void Encode(NetlinkWriter writer, ushort familyId, uint sequence);

    public sealed record AddService(IpvsService Service) : IpvsOperation
    {
        public override string Name => "IPVS NEW_SERVICE";

        public override string ToString() => $"service {Service.Key}";

        internal override void Encode(NetlinkWriter writer, ushort familyId, uint sequence) => IpvsCodec.EncodeNewService(writer, familyId, sequence, Service);
    }

    public sealed record UpdateService(IpvsService Service) : IpvsOperation
    {
        public override string Name => "IPVS SET_SERVICE";

        public override string ToString() => $"service {Service.Key}";

        internal override void Encode(NetlinkWriter writer, ushort familyId, uint sequence) => IpvsCodec.EncodeSetService(writer, familyId, sequence, Service);
    }

    public sealed record DeleteService(IpvsServiceKey Key) : IpvsOperation
    {
        public override string Name => "IPVS DEL_SERVICE";

        public override string ToString() => $"service {Key}";

        internal override void Encode(NetlinkWriter writer, ushort familyId, uint sequence) => IpvsCodec.EncodeDeleteService(writer, familyId, sequence, Key);
    }

    public sealed record AddDestination(IpvsServiceKey Service, IpvsDestination Destination) : IpvsOperation
    {
        public override string Name => "IPVS NEW_DEST";

        public override string ToString() => $"service {Service} destination {Destination}";

        internal override void Encode(NetlinkWriter writer, ushort familyId, uint sequence) => IpvsCodec.EncodeNewDestination(writer, familyId, sequence, Service, Destination);
    }

    public sealed record UpdateDestination(IpvsServiceKey Service, IpvsDestination Destination) : IpvsOperation
    {
        public override string Name => "IPVS SET_DEST";

        public override string ToString() => $"service {Service} destination {Destination}";

        internal override void Encode(NetlinkWriter writer, ushort familyId, uint sequence) => IpvsCodec.EncodeSetDestination(writer, familyId, sequence, Service, Destination);
    }

    public sealed record DeleteDestination(IpvsServiceKey Service, IPAddress Address, ushort Port) : IpvsOperation
    {
        public override string Name => "IPVS DEL_DEST";

        public override string ToString() => $"service {Service} destination {IpvsText.Endpoint(Address, Port)}";

        internal override void Encode(NetlinkWriter writer, ushort familyId, uint sequence) => IpvsCodec.EncodeDeleteDestination(writer, familyId, sequence, Service, Address, Port);
    }
}

/// <summary>One operation of a batch that failed, with the typed error the kernel gave for it.</summary>
public sealed record IpvsBatchFailure(int Index, IpvsOperation Operation, NetlinkException Error);

/// <summary>The outcome of a batch: how many operations succeeded, and each failure against its operation.</summary>
public sealed record IpvsBatchResult(int Succeeded, IReadOnlyList<IpvsBatchFailure> Failures, long Datagrams)
{
    public bool AllSucceeded => Failures.Count == 0;
}
