using System.Globalization;

namespace Kad.Checkers.Probes;

/// <summary>Process ancestry read from /proc (proc(5): the fourth field of /proc/PID/stat is the parent's pid).</summary>
internal static class ProcessTree
{
    public static IReadOnlyList<int> SelfAndDescendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || ParentOf(pid) is not { } parent)
            {
                continue;
            }

            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(pid);
        }

        var result = new List<int> { root };
        for (var i = 0; i < result.Count; i++)
        {
            if (children.TryGetValue(result[i], out var list))
            {
                result.AddRange(list.Where(child => !result.Contains(child)));
            }
        }

        return result;
    }

    /// <summary>Alive and not a zombie.</summary>
    public static bool IsAlive(int pid) => State(pid) is { } state && state != 'Z' && state != 'X';

    private static int? ParentOf(int pid)
    {
        var fields = StatFieldsAfterName(pid);
        return fields is { Length: > 1 } && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;
    }

    private static char? State(int pid) => StatFieldsAfterName(pid) is { Length: > 0 } fields && fields[0].Length == 1 ? fields[0][0] : null;

    /// <summary>The fields after "(comm)", which may itself contain blanks and parentheses.</summary>
    private static string[]? StatFieldsAfterName(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close < 0 ? null : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return null; // gone meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
