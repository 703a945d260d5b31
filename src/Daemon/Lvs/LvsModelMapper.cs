using Kad.Config.Model;

namespace Kad.Daemon.Lvs;

/// <summary>
/// <see cref="LvsConfigMapper.Map"/> for one configuration after another (the start, then each reload). A
/// virtual_server entry equal to the one at its place in the last configuration — usually the very same object, as
/// an incremental load keeps the entries it did not read again — or the very same object elsewhere in it, keeps its
/// resolved <see cref="ManagedVirtualServer"/> (the same object too) and warnings, as long as the groups and global
/// settings the mapping reads are equal. A one-block reload then resolves one block, and what follows (the planner's
/// model switch, the checkers) finds the unchanged servers unchanged by reference. Not thread-safe.
/// </summary>
public sealed class LvsModelMapper(TimeSpan? drainTimeout = null)
{
    private Entry[] _entries = [];
    private GlobalDefinitions? _global;
    private EquatableArray<VirtualServerGroup> _groups;

    /// <summary>How many entries the last <see cref="Map"/> resolved (the rest were kept), for the log.</summary>
    public int LastMapped { get; private set; }

    public LvsModel Map(KeepalivedConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var reuse = _global is not null && _global == config.Global && _groups == config.VirtualServerGroups;
        var previous = reuse ? _entries : [];
        Dictionary<VirtualServer, Entry>? byReference = null;
        Dictionary<string, VirtualServerGroup>? groups = null;
        var count = config.VirtualServers.Length;
        var entries = new Entry[count];
        var servers = new List<ManagedVirtualServer>(count);
        var warnings = new List<string>();
        var mapped = 0;
        for (var i = 0; i < count; i++)
        {
            var vs = config.VirtualServers[i];
            Entry entry;
            if (i < previous.Length && previous[i].Source.Equals(vs))
            {
                entry = previous[i] with { Source = vs };
            }
            else if (previous.Length > 0 && (byReference ??= ByReference(previous)).TryGetValue(vs, out var moved))
            {
                entry = moved;
            }
            else
            {
                groups ??= config.VirtualServerGroups.DistinctBy(g => g.Name, StringComparer.Ordinal).ToDictionary(g => g.Name, StringComparer.Ordinal);
                var (server, found) = LvsConfigMapper.MapEntry(vs, config, groups, drainTimeout);
                entry = new Entry(vs, server, found);
                mapped++;
            }

            entries[i] = entry;
            if (entry.Server is not null)
            {
                servers.Add(entry.Server);
            }

            warnings.AddRange(entry.Warnings);
        }

        _entries = entries;
        _global = config.Global;
        _groups = config.VirtualServerGroups;
        LastMapped = mapped;
        return LvsConfigMapper.Model(config, servers, warnings);
    }

    private static Dictionary<VirtualServer, Entry> ByReference(Entry[] entries)
    {
        var byReference = new Dictionary<VirtualServer, Entry>(entries.Length, ReferenceEqualityComparer.Instance);
        foreach (var entry in entries)
        {
            byReference.TryAdd(entry.Source, entry);
        }

        return byReference;
    }

    /// <summary>A configuration entry and what it resolved to.</summary>
    private readonly record struct Entry(VirtualServer Source, ManagedVirtualServer? Server, string[] Warnings);
}
