using Kad.Netlink.Generic;
using Kad.Netlink.Interop;
using Kad.Netlink.Protocol;
using Kad.Netlink.Transport;

namespace Kad.Netlink.Ipvs;

/// <summary>
/// The IPVS table of the caller's network namespace over generic netlink. Thread-safe: requests are serialised on
/// one socket. Kernel refusals surface as <see cref="NetlinkException"/> carrying the errno name and the operation.
/// </summary>
public sealed class IpvsClient : IDisposable
{
    private const int DumpAttempts = 5;
    private readonly NetlinkConnection _connection;
    private readonly Lock _gate = new();

    /// <summary>Uses <paramref name="transport"/>; resolves the "IPVS" family unless <paramref name="familyId"/> is given.</summary>
    public IpvsClient(INetlinkTransport transport, ushort? familyId = null)
    {
        _connection = new NetlinkConnection(transport);
        FamilyId = familyId ?? GenericNetlinkFamily.Resolve(_connection, IpvsConstants.IPVS_GENL_NAME).Id;
    }

    /// <summary>The nlmsg_type the controller assigned to IPVS.</summary>
    public ushort FamilyId { get; }

    /// <summary>Datagrams sent so far (shows how well batches pack).</summary>
    public long DatagramsSent => _connection.DatagramsSent;

    /// <summary>
    /// Opens a generic-netlink socket sized for large batches and resolves the IPVS family. Needs CAP_NET_ADMIN;
    /// ENOENT means the ip_vs module is not loaded (older kernels do not autoload it from the family name).
    /// </summary>
    public static IpvsClient Open()
    {
        var socket = NetlinkSocket.Open(SocketConstants.NETLINK_GENERIC);
        try
        {
            // ACKs of one batch datagram queue up before we read them: give them room (needs CAP_NET_ADMIN to
            // exceed rmem_max, which IPVS requires anyway).
            var receiveBuffer = socket.SetReceiveBuffer(8 * 1024 * 1024);
            var sendBuffer = socket.SetSendBuffer(1024 * 1024);
            var client = new IpvsClient(socket);
            client._connection.MaxBatchBytes = Math.Clamp(sendBuffer / 2, 16 * 1024, 256 * 1024);
            client._connection.MaxBatchMessages = Math.Clamp(receiveBuffer / 2048, 64, 4096);
            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IpvsInfo GetInfo()
    {
        IpvsInfo? info = null;
        lock (_gate)
        {
            _connection.Execute(
                (w, s) => IpvsCodec.EncodeGetInfo(w, FamilyId, s),
                "IPVS GET_INFO",
                null,
                (in NetlinkMessage m) => info = IpvsCodec.DecodeInfo(m));
        }

        return info ?? throw new NetlinkProtocolException("GET_INFO acknowledged without an info message");
    }

    public void AddService(IpvsService service) => Execute(new IpvsOperation.AddService(service));

    public void UpdateService(IpvsService service) => Execute(new IpvsOperation.UpdateService(service));

    public void DeleteService(IpvsServiceKey key) => Execute(new IpvsOperation.DeleteService(key));

    public void AddDestination(IpvsServiceKey service, IpvsDestination destination) => Execute(new IpvsOperation.AddDestination(service, destination));

    public void UpdateDestination(IpvsServiceKey service, IpvsDestination destination) => Execute(new IpvsOperation.UpdateDestination(service, destination));

    public void DeleteDestination(IpvsServiceKey service, IpvsDestination destination) =>
        Execute(new IpvsOperation.DeleteDestination(service, destination.Address, destination.Port));

    /// <summary>Runs one operation and waits for its ACK.</summary>
    public void Execute(IpvsOperation operation)
    {
        lock (_gate)
        {
            _connection.Execute((w, s) => operation.Encode(w, FamilyId, s), operation.Name, operation);
        }
    }

    /// <summary>
    /// Sends all <paramref name="operations"/> packed into as few datagrams as the socket buffers allow; the kernel
    /// carries on past failures, and each failure is reported against its operation. Order is preserved.
    /// </summary>
    public IpvsBatchResult ApplyBatch(IReadOnlyList<IpvsOperation> operations)
    {
        lock (_gate)
        {
            var before = _connection.DatagramsSent;
            var source = new OperationSource(operations, FamilyId);
            var failures = _connection.ExecuteBatch(source);
            var mapped = failures.Select(f => new IpvsBatchFailure(f.Index, operations[f.Index], f.Error)).ToList();
            return new IpvsBatchResult(operations.Count - mapped.Count, mapped, _connection.DatagramsSent - before);
        }
    }

    /// <summary>One service by key; null when it does not exist (ESRCH).</summary>
    public IpvsServiceStatus? GetService(IpvsServiceKey key)
    {
        IpvsServiceStatus? found = null;
        try
        {
            lock (_gate)
            {
                _connection.Execute(
                    (w, s) => IpvsCodec.EncodeGetService(w, FamilyId, s, key),
                    "IPVS GET_SERVICE",
                    key,
                    (in NetlinkMessage m) => found = IpvsCodec.DecodeService(m));
            }
        }
        catch (NetlinkException e) when (e.Errno == Errno.ESRCH)
        {
            return null;
        }

        return found;
    }

    /// <summary>Every service (address-based first, then firewall marks), with counters.</summary>
    public IReadOnlyList<IpvsServiceStatus> GetServices()
    {
        var services = new List<IpvsServiceStatus>();
        DumpConsistently(
            (w, s) => IpvsCodec.EncodeDumpServices(w, FamilyId, s),
            "IPVS GET_SERVICE dump",
            null,
            services.Clear,
            (in NetlinkMessage m) => services.Add(IpvsCodec.DecodeService(m)));
        return services;
    }

    /// <summary>The destinations of one service; empty when the service does not exist (the kernel's behaviour).</summary>
    public IReadOnlyList<IpvsDestinationStatus> GetDestinations(IpvsServiceKey service)
    {
        var destinations = new List<IpvsDestinationStatus>();
        var family = service.Family;
        DumpConsistently(
            (w, s) => IpvsCodec.EncodeDumpDestinations(w, FamilyId, s, service),
            "IPVS GET_DEST dump",
            service,
            destinations.Clear,
            (in NetlinkMessage m) => destinations.Add(IpvsCodec.DecodeDestination(m, family)));
        return destinations;
    }

    /// <summary>The whole table: every service with its destinations.</summary>
    public IReadOnlyList<(IpvsServiceStatus Service, IReadOnlyList<IpvsDestinationStatus> Destinations)> GetTable() =>
        GetServices().Select(s => (s, GetDestinations(s.Service.Key))).ToList();

    /// <summary>Removes every service and destination of this namespace.</summary>
    public void Flush() => Simple((w, s) => IpvsCodec.EncodeFlush(w, FamilyId, s), "IPVS FLUSH", null);

    /// <summary>Zeroes the counters of one service, or of all services when <paramref name="service"/> is null.</summary>
    public void ZeroCounters(IpvsServiceKey? service = null) =>
        Simple((w, s) => IpvsCodec.EncodeZero(w, FamilyId, s, service), "IPVS ZERO", service);

    public IpvsTimeouts GetTimeouts()
    {
        IpvsTimeouts? timeouts = null;
        lock (_gate)
        {
            _connection.Execute(
                (w, s) => IpvsCodec.EncodeGetTimeouts(w, FamilyId, s),
                "IPVS GET_CONFIG",
                null,
                (in NetlinkMessage m) => timeouts = IpvsCodec.DecodeTimeouts(m));
        }

        return timeouts ?? throw new NetlinkProtocolException("GET_CONFIG acknowledged without a config message");
    }

    /// <summary>Sets the timeouts; a zero value leaves that timeout unchanged.</summary>
    public void SetTimeouts(IpvsTimeouts timeouts) =>
        Simple((w, s) => IpvsCodec.EncodeSetTimeouts(w, FamilyId, s, timeouts), "IPVS SET_CONFIG", timeouts);

    public void StartSyncDaemon(IpvsSyncDaemon daemon) =>
        Simple((w, s) => IpvsCodec.EncodeNewDaemon(w, FamilyId, s, daemon), "IPVS NEW_DAEMON", daemon);

    public void StopSyncDaemon(IpvsSyncState state) =>
        Simple((w, s) => IpvsCodec.EncodeDeleteDaemon(w, FamilyId, s, state), "IPVS DEL_DAEMON", $"{state} sync daemon");

    public IReadOnlyList<IpvsSyncDaemon> GetSyncDaemons()
    {
        var daemons = new List<IpvsSyncDaemon>();
        DumpConsistently(
            (w, s) => IpvsCodec.EncodeDumpDaemons(w, FamilyId, s),
            "IPVS GET_DAEMON dump",
            null,
            daemons.Clear,
            (in NetlinkMessage m) => daemons.Add(IpvsCodec.DecodeDaemon(m)));
        return daemons;
    }

    public void Dispose() => _connection.Dispose();

    private void Simple(NetlinkRequestEncoder encode, string operation, object? subject)
    {
        lock (_gate)
        {
            _connection.Execute(encode, operation, subject);
        }
    }

    private void DumpConsistently(NetlinkRequestEncoder encode, string operation, object? subject, Action reset, NetlinkMessageHandler onMessage)
    {
        lock (_gate)
        {
            for (var attempt = 1; ; attempt++)
            {
                reset();
                if (_connection.Dump(encode, operation, subject, onMessage) || attempt == DumpAttempts)
                {
                    return;
                }
            }
        }
    }

    private sealed class OperationSource(IReadOnlyList<IpvsOperation> operations, ushort familyId) : INetlinkBatchSource
    {
        public int Count => operations.Count;

        public void Encode(int index, NetlinkWriter writer, uint sequence) => operations[index].Encode(writer, familyId, sequence);

        public (string Operation, object? Subject) Describe(int index) => (operations[index].Name, operations[index]);
    }
}

