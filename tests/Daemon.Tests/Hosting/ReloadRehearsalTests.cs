using Kad.Config;
using Kad.Daemon.Hosting;

namespace Kad.Daemon.Tests.Hosting;

[TestFixture]
public class ReloadRehearsalTests
{
    /// <summary>The rehearsal is worth running only if it goes down the path a one-line reload takes.</summary>
    [Test]
    public void Run_OneLineEdit_TakesTheIncrementalLoadAndTheInPlaceSwitch()
    {
        var (incremental, switchedInPlace, operations) = ReloadRehearsal.Run(new ConfigLoadOptions());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(incremental, Is.True, "the second text was read incrementally");
            Assert.That(switchedInPlace, Is.True, "the planner switched in place");
            Assert.That(operations.Select(o => o.Name), Is.EqualTo(new[] { "IPVS SET_DEST" }), "the reconciler's reload pass edited the one destination");
        }
    }
}
