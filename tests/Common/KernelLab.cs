namespace Kad.Testing;

/// <summary>A file copied into the kernel-lab guest: host path → guest path.</summary>
public sealed record KernelLabFile(string HostPath, string GuestPath);

/// <summary>
/// NUnit's view of tests/lab/kernel-lab: boots the QEMU guest, runs a script there and returns its output and exit
/// status. A boot costs seconds, so fixtures run a batch per boot.
/// </summary>
public static class KernelLab
{
    /// <summary>Exit statuses kernel-lab itself uses when the guest never reported one.</summary>
    public const int TimedOut = 124;
    public const int BootFailed = 125;

    /// <summary>Stops the test unless the lab can run here (root, qemu, the published executables).</summary>
    public static void RequireAvailable()
    {
        LabPolicy.RequireRoot();
        LabPolicy.RequireTool("qemu-system-x86_64");
        LabPolicy.Require(File.Exists(RepoPaths.KernelLabScript), "tests/lab/kernel-lab is missing");
        LabPolicy.Require(
            File.Exists(Path.Combine(RepoPaths.PublishDir, "kad")) && File.Exists(Path.Combine(RepoPaths.PublishDir, "dotnet-kad")),
            "artifacts/publish/kad and dotnet-kad are missing (run make publish)");
    }

    public static ProcessResult Run(string script, IEnumerable<string>? arguments = null, IEnumerable<KernelLabFile>? files = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        var args = new List<string> { "--timeout", ((int)limit.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var file in files ?? [])
        {
            args.Add("--file");
            args.Add($"{file.HostPath}:{file.GuestPath}");
        }

        args.Add("--");
        args.Add(script);
        args.AddRange(arguments ?? []);
        // The script enforces the guest timeout; ours is a backstop that also covers building the initramfs.
        return ProcessRunner.Run(RepoPaths.KernelLabScript, args, limit + TimeSpan.FromMinutes(3));
    }

    /// <summary>Runs a shell command line in the guest (<c>sh -c</c>).</summary>
    public static ProcessResult Shell(string commandLine, IEnumerable<KernelLabFile>? files = null, TimeSpan? timeout = null) =>
        Run("sh", ["-c", commandLine], files, timeout);
}
