namespace Kad.Checkers.Tests.Support;

/// <summary>
/// Inputs for "never throws on garbage" checks: random byte strings of random lengths, plus a valid message with
/// random bytes flipped and random truncations. Seeded, so a failure reproduces.
/// </summary>
internal static class Garbage
{
    public const int CaseCount = 3000;

    public static IEnumerable<byte[]> Cases(byte[] valid, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < CaseCount; i++)
        {
            switch (i % 3)
            {
                case 0:
                    var bytes = new byte[random.Next(0, 600)];
                    random.NextBytes(bytes);
                    yield return bytes;
                    break;
                case 1:
                    var mutated = (byte[])valid.Clone();
                    for (var flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                    }

                    yield return mutated;
                    break;
                default:
                    yield return valid[..random.Next(0, valid.Length)];
                    break;
            }
        }
    }
}
