namespace Kad.Testing;

/// <summary>Locations in the checkout, found from the test assembly by walking up to the solution file.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string KernelLabScript => Path.Combine(Root, "tests", "lab", "kernel-lab");

    public static string PublishDir => Path.Combine(Root, "artifacts", "publish");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Keepalived.Net.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Keepalived.Net.sln not found above " + AppContext.BaseDirectory);
    }
}
