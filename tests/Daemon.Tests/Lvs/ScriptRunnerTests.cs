using Kad.Config.Model;
using Kad.Daemon.Lvs;
using Kad.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Daemon.Tests.Lvs;

public sealed class ScriptRunnerTests
{
    [Test]
    public void StartInfo_NoUser_RunsArgvDirectly()
    {
        var start = ProcessScriptRunner.StartInfo(Script(null, null, "/bin/notify", "UP", "10.0.1.1"));

        Assert.Multiple(() =>
        {
            Assert.That(start.FileName, Is.EqualTo("/bin/notify"));
            Assert.That(start.ArgumentList, Is.EqualTo(new[] { "UP", "10.0.1.1" }));
            Assert.That(start.UserName, Is.Empty);
        });
    }

    [Test]
    public void StartInfo_User_RunsAsThatUser()
    {
        var start = ProcessScriptRunner.StartInfo(Script("nobody", null, "/bin/notify"));

        Assert.That((start.FileName, start.UserName), Is.EqualTo(("/bin/notify", "nobody")));
    }

    [Test]
    public void StartInfo_UserAndGroup_ThroughSetpriv()
    {
        var start = ProcessScriptRunner.StartInfo(Script("nobody", "nogroup", "/bin/notify", "UP"));

        Assert.Multiple(() =>
        {
            Assert.That(start.FileName, Is.EqualTo("/usr/bin/setpriv"));
            Assert.That(start.ArgumentList, Is.EqualTo(new[] { "--reuid=nobody", "--regid=nogroup", "--init-groups", "--", "/bin/notify", "UP" }));
        });
    }

    [Test]
    public void Run_ScriptWithUser_RunsAsThatUser()
    {
        LabPolicy.RequireRoot();
        // /tmp is world-writable, so the script's user can create its file there.
        var output = Path.Combine("/tmp", $"kad-script-user-{Guid.NewGuid():N}");
        try
        {
            var runner = new ProcessScriptRunner(NullLogger<ProcessScriptRunner>.Instance);

            runner.Run(Script("nobody", null, "/bin/sh", "-c", $"id -u > {output}.part && mv {output}.part {output}"), "test");

            var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!File.Exists(output) && DateTime.UtcNow < until)
            {
                Thread.Sleep(20);
            }

            Assert.That(File.ReadAllText(output).Trim(), Is.EqualTo("65534"));
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static ScriptCommand Script(string? user, string? group, params string[] argv) =>
        new(string.Join(' ', argv), [.. argv], user, group);
}
