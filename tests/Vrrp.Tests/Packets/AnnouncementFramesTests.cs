using System.Net;
using Kad.Vrrp.Packets;

namespace Kad.Vrrp.Tests.Packets;

public class AnnouncementFramesTests
{
    [Test]
    public void WriteGratuitousArp_VmacVrid51_MatchesKeepalivedFrame()
    {
        var frame = new byte[64];

        var length = AnnouncementFrames.WriteGratuitousArp(frame, Hex.Parse("00 00 5e 00 01 33"), [192, 168, 1, 100]);

        Assert.That(Hex.Format(frame.AsSpan(0, length)), Is.EqualTo(
            "ff ff ff ff ff ff 00 00 5e 00 01 33 08 06 00 01 08 00 06 04 00 01 00 00 5e 00 01 33 c0 a8 01 64 ff ff ff ff ff ff c0 a8 01 64"));
    }

    [Test]
    public void WriteUnsolicitedNeighborAdvertisement_RouterOverride_MatchesReferenceFrame()
    {
        var frame = new byte[100];
        var vip = IPAddress.Parse("2001:db8::100").GetAddressBytes();

        var length = AnnouncementFrames.WriteUnsolicitedNeighborAdvertisement(frame, Hex.Parse("00 00 5e 00 02 33"), vip, vip,
            AnnouncementFrames.NaFlagRouter | AnnouncementFrames.NaFlagOverride);

        var expected = "33 33 00 00 00 01 00 00 5e 00 02 33 86 dd 60 00 00 00 00 20 3a ff "
            + Hex.Format(vip) + " ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01 88 00 18 fa a0 00 00 00 "
            + Hex.Format(vip) + " 02 01 00 00 5e 00 02 33";
        Assert.That(Hex.Format(frame.AsSpan(0, length)), Is.EqualTo(expected));
    }

    [Test]
    public void WriteUnsolicitedNeighborAdvertisement_KeepalivedLinkLocal_HasKeepalivedChecksum()
    {
        var frame = new byte[100];
        var vip = IPAddress.Parse("fe80::5:33").GetAddressBytes();

        AnnouncementFrames.WriteUnsolicitedNeighborAdvertisement(frame, Hex.Parse("7e 47 be b7 d8 6f"), vip, vip, AnnouncementFrames.NaFlagOverride);

        Assert.That(Hex.Format(frame.AsSpan(54 + 2, 2)), Is.EqualTo("43 bf"));
    }
}
