using System.Net;

namespace Kad.Checkers;

/// <summary>
/// Identifies a real server inside one virtual server: the same address and port behind two virtual servers are two
/// real servers with their own checkers. <paramref name="VirtualServer"/> is whatever name the caller gives the
/// virtual server (e.g. "10.0.0.1:80/TCP" or "fwmark 7").
/// </summary>
public sealed record RealServerKey(string VirtualServer, IPAddress Address, int Port)
{
    public override string ToString() => $"{VirtualServer} -> {new IPEndPoint(Address, Port)}";
}

/// <summary>A real server to watch: its configured weight and the checkers that together decide its health.</summary>
public sealed record RealServerChecks(RealServerKey Server, int Weight, IReadOnlyList<CheckerOptions> Checkers);
