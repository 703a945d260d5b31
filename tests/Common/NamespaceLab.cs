using System.Diagnostics;

namespace Kad.Testing;

/// <summary>
/// Network namespaces for one test: uniquely named namespaces, a bridge joining them through veth pairs, addresses,
/// commands and long-running processes inside a namespace. <see cref="Dispose"/> removes everything it created, by
/// name and pid, even after a failure; it is safe to call twice.
/// </summary>
public sealed class NamespaceLab : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);
    private readonly List<string> _namespaces = [];
    private readonly List<string> _hostLinks = [];
    private readonly List<Process> _processes = [];
    private string? _bridgeNamespace;

    /// <summary>Short random suffix shared by every name this lab creates (interface names are limited to 15 bytes).</summary>
    public string Suffix { get; } = Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 3)).ToLowerInvariant();

    /// <summary>Stops the test (fail under CI, ignore elsewhere) unless namespaces can be made here.</summary>
    public static void RequireAvailable()
    {
        LabPolicy.RequireRoot();
        LabPolicy.RequireTool("ip");
    }

    /// <summary>Creates a namespace named <c>kad-ROLE-SUFFIX</c> with loopback up and returns its name.</summary>
    public string AddNamespace(string role)
    {
        var name = $"kad-{role}-{Suffix}";
        Ip("netns", "add", name);
        _namespaces.Add(name);
        Ip("-n", name, "link", "set", "lo", "up");
        return name;
    }

    /// <summary>
    /// Creates the lab's bridge inside its own namespace (so nothing touches the host's interfaces) and returns the
    /// namespace name; members join it with <see cref="Connect"/>.
    /// </summary>
    public string AddBridge()
    {
        if (_bridgeNamespace is not null)
        {
            return _bridgeNamespace;
        }

        _bridgeNamespace = AddNamespace("br");
        Ip("-n", _bridgeNamespace, "link", "add", "br0", "type", "bridge");
        // Forward immediately: no STP listening delay, so a test's first packets are not lost.
        Ip("-n", _bridgeNamespace, "link", "set", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0");
        Ip("-n", _bridgeNamespace, "link", "set", "br0", "up");
        return _bridgeNamespace;
    }

    /// <summary>
    /// Joins <paramref name="ns"/> to the bridge with a veth pair; the namespace side is called
    /// <paramref name="interfaceName"/>, is up and carries the given addresses (CIDR notation).
    /// </summary>
    public void Connect(string ns, string interfaceName, params string[] addresses)
    {
        var bridge = AddBridge();
        var port = $"p{_hostLinks.Count}-{Suffix}";
        var temporary = $"t{_hostLinks.Count}-{Suffix}";
        // Create both ends in the host namespace with unique names, then move and rename them.
        Ip("link", "add", port, "type", "veth", "peer", "name", temporary);
        _hostLinks.Add(port);
        Ip("link", "set", port, "netns", bridge);
        Ip("link", "set", temporary, "netns", ns);
        Ip("-n", ns, "link", "set", temporary, "name", interfaceName);
        Ip("-n", bridge, "link", "set", port, "master", "br0", "up");
        foreach (var address in addresses)
        {
            // IPv6: skip duplicate address detection, or the address stays tentative (unusable) for a second or more.
            string[] extra = address.Contains(':', StringComparison.Ordinal) ? ["nodad"] : [];
            Ip(["-n", ns, "addr", "add", address, "dev", interfaceName, .. extra]);
        }

        Ip("-n", ns, "link", "set", interfaceName, "up");
    }

    /// <summary>Runs a command inside a namespace to completion.</summary>
    public ProcessResult Exec(string ns, string fileName, params string[] arguments) =>
        ProcessRunner.Run("ip", ["netns", "exec", ns, fileName, .. arguments], CommandTimeout);

    /// <summary>Runs a command inside a namespace and throws with its output when it fails.</summary>
    public ProcessResult ExecChecked(string ns, string fileName, params string[] arguments)
    {
        var result = Exec(ns, fileName, arguments);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"in {ns}: {fileName} {string.Join(' ', arguments)}: {result}");
        }

        return result;
    }

    /// <summary>
    /// Starts a long-running process inside a namespace; its output is collected into the returned handle. The lab
    /// kills it (by pid, with its children) on dispose.
    /// </summary>
    public LabProcess Start(string ns, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["netns", "exec", ns, fileName, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName} in {ns}");
        _processes.Add(process);
        return new LabProcess(process);
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            process.Dispose();
        }

        _processes.Clear();
        // Deleting a namespace destroys the veth ends inside it, and with them their peers.
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            ProcessRunner.Run("ip", ["netns", "del", ns], CommandTimeout);
        }

        foreach (var link in _hostLinks)
        {
            // Only present if a failure left a veth end in the host namespace.
            ProcessRunner.Run("ip", ["link", "del", link], CommandTimeout);
        }

        _namespaces.Clear();
        _hostLinks.Clear();
        _bridgeNamespace = null;
    }

    private static void Ip(params string[] arguments) => ProcessRunner.RunChecked("ip", arguments, CommandTimeout);
}

/// <summary>A process started inside a namespace; output lines are collected as they arrive.</summary>
public sealed class LabProcess
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    internal LabProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Pid of the `ip netns exec` process, which execs the command, so this is the command's pid.</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Waits until a line containing <paramref name="text"/> has been printed, or the timeout passes.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            lock (_lines)
            {
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return true;
                }
            }

            Thread.Sleep(20);
        }

        return false;
    }

    /// <summary>Sends a signal by pid (e.g. 9 for SIGKILL, 15 for SIGTERM).</summary>
    public void Signal(int signal) => ProcessRunner.Run("kill", [$"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
