
namespace Kad.Config.Model;

/// <summary>
/// A program keepalived runs (notify scripts, vrrp_script, misc_path, quorum_up...): the configured text, the argv
/// keepalived derives from it (quotes and escapes resolved, no shell), and the optional user/group to run it as.
/// </summary>
public sealed record ScriptCommand(string Command, EquatableArray<string> Arguments, string? User, string? Group) : ConfigElement;

/// <summary>A name that refers to something defined elsewhere (a sync group member, a track_script...).</summary>
public sealed record NameReference(string Name) : ConfigElement;
