using System.Net.Sockets;
using Kad.Control;

namespace Kad.Cli.Tests;

/// <summary>
/// <c>dotnet-kad plan</c> in-process against a stand-in daemon on a unix socket: the request carries the file's full
/// path, the answer is printed in ipvsadm wording (or as JSON), and the exit status says usable / refused / unreachable.
/// </summary>
public sealed class PlanCommandTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("kad-plan-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task Plan_DaemonAnswersChanges_PrintsVrrpAndIpvsadmLinesAndExitsZero()
    {
        var file = Touch("next.conf");
        var plan = new PlanResult(file, "ab", true, [], [new VrrpChange(VrrpChangeKind.Restart, "instance VI_1", "VI_1", "eth0", 51, ["10.0.0.2/32"], ["10.0.0.1/32"], ["priority 100 -> 150"])],
            [
                new IpvsChange(IpvsChangeKind.DeleteServer, "tcp", "10.0.0.1:80", RealServer: "10.1.0.3:80"),
                new IpvsChange(IpvsChangeKind.EditServer, "tcp", "10.0.0.1:80", RealServer: "10.1.0.1:80", Forwarding: "-m", Weight: 5, Was: "-m -w 1"),
                new IpvsChange(IpvsChangeKind.AddService, "fwm", "7", Scheduler: "rr", PersistenceSeconds: 300),
            ], []);

        var (exit, output, _, request) = await RunAgainstAsync(new ControlResponse(1, true, Plan: plan), "plan", "-f", file);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero);
            Assert.That(request, Is.EqualTo(new ControlRequest(1, ControlCommand.Plan, file)));
            Assert.That(output, Does.Contain("1 VRRP change(s) and 3 IPVS operation(s)"));
            Assert.That(output, Does.Contain("  restart instance VI_1 (eth0 vrid 51): +10.0.0.2/32; -10.0.0.1/32; priority 100 -> 150\n"));
            Assert.That(output, Does.Contain("  -d -t 10.0.0.1:80 -r 10.1.0.3:80\n"));
            Assert.That(output, Does.Contain("  -e -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 5    # was -m -w 1\n"));
            Assert.That(output, Does.Contain("  -A -f 7 -s rr -p 300\n"));
        });
    }

    [Test]
    public async Task Plan_RelativePath_SentAsFullPath()
    {
        Touch("relative.conf");
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _directory;
        try
        {
            var (_, _, _, request) = await RunAgainstAsync(new ControlResponse(1, true, Plan: new PlanResult("x", "", true, [], [], [], [])), "plan", "-f", "relative.conf");

            Assert.That(request?.ConfigFile, Is.EqualTo(Path.Combine(_directory, "relative.conf")));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Test]
    public async Task Plan_NothingChanges_SaysSo()
    {
        var file = Touch("same.conf");

        var (exit, output, _, _) = await RunAgainstAsync(new ControlResponse(1, true, Plan: new PlanResult(file, "", true, [], [], [], [])), "plan", "-f", file);

        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.Contain($"a reload to {file} would change nothing"));
    }

    [Test]
    public async Task Plan_FileWithErrors_PrintsFindingsAndExitsFive()
    {
        var file = Touch("bad.conf");
        var plan = new PlanResult(file, "", false, [$"{file}:3:5: error: unknown keyword 'bogus' [unknown-keyword]"], [], [], []);

        var (exit, _, error, _) = await RunAgainstAsync(new ControlResponse(1, true, Plan: plan), "plan", "-f", file);

        Assert.That(exit, Is.EqualTo(5));
        Assert.That(error, Does.Contain("unknown keyword 'bogus'").And.Contain("would be refused"));
    }

    [Test]
    public async Task Plan_Json_PrintsThePlanAsCamelCaseJson()
    {
        var file = Touch("next.conf");
        var plan = new PlanResult(file, "ab", true, [], [], [new IpvsChange(IpvsChangeKind.AddServer, "tcp", "10.0.0.1:80", RealServer: "10.1.0.1:80", Forwarding: "-g", Weight: 1)], []);

        var (exit, output, _, _) = await RunAgainstAsync(new ControlResponse(1, true, Plan: plan), "plan", "-f", file, "--json");

        Assert.That(exit, Is.Zero);
        Assert.That(output, Does.Contain("\"kind\": \"AddServer\"").And.Contain("\"realServer\": \"10.1.0.1:80\""));
    }

    [Test]
    public void Plan_NoDaemon_ExitsThree()
    {
        var file = Touch("next.conf");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = CliCommandLine.Build(output, error).Parse(["plan", "-f", file, "--socket", Path.Combine(_directory, "absent.sock")]).Invoke();

        Assert.That(exit, Is.EqualTo(3));
        Assert.That(error.ToString(), Does.Contain("cannot reach kad"));
    }

    private string Touch(string name)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, "global_defs {\n}\n");
        return path;
    }

    /// <summary>Runs the command with a one-shot daemon stand-in answering <paramref name="answer"/>; returns what it was asked.</summary>
    private async Task<(int Exit, string Output, string Error, ControlRequest? Request)> RunAgainstAsync(ControlResponse answer, params string[] args)
    {
        var path = Path.Combine(_directory, "kad.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptAsync();
            await using var stream = new NetworkStream(client);
            var request = await ControlFraming.ReadAsync(stream, ControlJsonContext.Default.ControlRequest, CancellationToken.None);
            await ControlFraming.WriteAsync(stream, answer, ControlJsonContext.Default.ControlResponse, CancellationToken.None);
            return request;
        });
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Task.Run(() => CliCommandLine.Build(output, error).Parse([.. args, "--socket", path]).Invoke());
        var request = await serving.WaitAsync(TimeSpan.FromSeconds(30));
        File.Delete(path);
        return (exit, output.ToString().ReplaceLineEndings("\n"), error.ToString(), request);
    }
}
