using System.Reflection;

namespace Kad.Control;

/// <summary>Version text shared by <c>kad --version</c>, <c>dotnet-kad --version</c> and the status protocol.</summary>
public static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static string VersionLine(string program) => $"{program} {Version} (Keepalived.Net, .NET {Environment.Version})";
}
