// Guest, CaseFailedException: tests/Lab.Shared/Guest.cs (linked into both kernel-lab drivers).
namespace Kad.Netlink.LabDriver;

/// <summary>The netlink driver's own guest helpers: ipvsadm and ip with space-separated arguments, text comparison.</summary>
internal static partial class Guest
{
    /// <summary>ipvsadm with space-separated arguments (none of ours contain spaces).</summary>
    public static string Ipvsadm(string arguments) => Must("/usr/sbin/ipvsadm", Split(arguments));

    public static (int ExitCode, string Output) TryIpvsadm(string arguments) => Run("/usr/sbin/ipvsadm", Split(arguments));

    public static string Ip(string arguments) => Must("/sbin/ip", Split(arguments));

    /// <summary>Two tool outputs must match line for line; the first difference is reported.</summary>
    public static void SameText(string ours, string reference, string what)
    {
        var a = ours.Split('\n');
        var b = reference.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var left = i < a.Length ? a[i].TrimEnd() : "<none>";
            var right = i < b.Length ? b[i].TrimEnd() : "<none>";
            if (left != right)
            {
                throw new CaseFailedException($"{what} line {i + 1}: ours '{left}' vs ipvsadm's '{right}'");
            }
        }
    }

    private static string[] Split(string arguments) => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
