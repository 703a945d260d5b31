using Kad.Testing;

namespace Kad.Lab.Tests;

/// <summary>Smoke tests of the QEMU kernel lab itself: the guest has real IPVS, runs kad, and reports exit statuses.</summary>
[TestFixture]
[Category(LabPolicy.Kernel)]
public class KernelLabTests
{
    [SetUp]
    public void RequireLab() => KernelLab.RequireAvailable();

    [Test]
    public void Run_IpvsadmAddsServiceAndKadRuns_GuestShowsBoth()
    {
        var result = KernelLab.Shell(
            "ipvsadm -A -t 10.1.1.1:80 -s rr && ipvsadm -a -t 10.1.1.1:80 -r 10.2.2.2:8080 -m -w 3 && ipvsadm -a -t 10.1.1.1:80 -r 10.2.2.3:8080 -g " +
            "&& ipvsadm -Ln && kad --version && dotnet-kad --version");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.StandardOutput, Does.Match(@"TCP\s+10\.1\.1\.1:80 rr"));
            Assert.That(result.StandardOutput, Does.Match(@"->\s+10\.2\.2\.2:8080\s+Masq\s+3"));
            // A real kernel fact: direct routing cannot translate ports, so the destination takes the service's port.
            Assert.That(result.StandardOutput, Does.Match(@"->\s+10\.2\.2\.3:80\s+Route\s+1"));
            Assert.That(result.StandardOutput, Does.Contain("kad 0.1.0"));
            Assert.That(result.StandardOutput, Does.Contain("dotnet-kad 0.1.0"));
        });
    }

    [Test]
    public void Run_ScriptFileWithArgumentsAndFiles_ExitStatusAndOutputComeBack()
    {
        var dir = Directory.CreateTempSubdirectory("kernel-lab-test");
        try
        {
            var data = Path.Combine(dir.FullName, "data.txt");
            File.WriteAllText(data, "payload-from-host\n");
            var script = Path.Combine(dir.FullName, "script.sh");
            File.WriteAllText(script, "#!/bin/sh\ncat /lab/files/data.txt\necho \"arg1=[$1] arg2=[$2]\"\nexit 3\n");

            var result = KernelLab.Run(script, ["it's one", "two"], [new KernelLabFile(data, "/lab/files/data.txt")]);

            Assert.Multiple(() =>
            {
                Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
                Assert.That(result.StandardOutput, Does.Contain("payload-from-host"));
                Assert.That(result.StandardOutput, Does.Contain("arg1=[it's one] arg2=[two]"));
            });
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
