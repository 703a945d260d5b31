using Kad.Config;
using Kad.Daemon.Vrrp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kad.Daemon.Tests.Vrrp;

/// <summary>
/// notify_fifo / vrrp_notify_fifo and their *_fifo_script readers as the daemon sets them up: the FIFO is created,
/// the reader is started with the FIFO's path appended (as keepalived does), and both go away at stop. What a
/// notification writes into the FIFO is covered by the dispatcher's own tests (SyncGroupTests).
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class NotifyFifoWiringTests
{
    [Test]
    public async Task Start_NotifyFifoWithScript_CreatesFifoStartsReaderAndCleansUpAtStop()
    {
        var dir = Directory.CreateTempSubdirectory("kad-fifo-");
        try
        {
            var fifo = Path.Combine(dir.FullName, "notify.fifo");
            var seen = Path.Combine(dir.FullName, "reader-saw");
            var reader = Path.Combine(dir.FullName, "reader.sh");
            File.WriteAllText(reader, $"#!/bin/sh\necho \"$@\" > {seen}.tmp && mv {seen}.tmp {seen}\nexec sleep 600\n");
            File.SetUnixFileMode(reader, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var loaded = KeepalivedConfigLoader.LoadText($$"""
                global_defs {
                    vrrp_notify_fifo {{fifo}}
                    vrrp_notify_fifo_script "{{reader}} --from-kad"
                }
                """);
            Assert.That(loaded.Errors, Is.Empty);
            using var half = new VrrpHalf(NullLoggerFactory.Instance, TimeProvider.System);

            await half.StartAsync(loaded.Config, CancellationToken.None);
            var fifoCreated = (File.GetAttributes(fifo) & FileAttributes.Directory) == 0 && File.Exists(fifo);
            var readerStarted = SpinWait.SpinUntil(() => File.Exists(seen), TimeSpan.FromSeconds(20));
            await half.StopAsync(CancellationToken.None);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(fifoCreated, Is.True);
                Assert.That(readerStarted, Is.True, "the reader script ran");
                Assert.That(File.ReadAllText(seen).Trim(), Is.EqualTo($"--from-kad {fifo}"));
                Assert.That(File.Exists(fifo), Is.False, "the FIFO kad created is removed at stop");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void Config_FifoOwnerWords_AcceptedWithAWarning()
    {
        var loaded = KeepalivedConfigLoader.LoadText("global_defs {\n notify_fifo /run/kad.fifo keepalived_script\n}\n");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(loaded.Errors, Is.Empty);
            Assert.That(loaded.Config.Global.NotifyFifo, Is.EqualTo("/run/kad.fifo"));
            Assert.That(loaded.Diagnostics.Select(d => d.Message), Has.One.Contains("owner is not applied"));
        }
    }
}
