using System.Collections;

namespace Kad.Config.Syntax;

/// <summary>
/// The preprocessor's output: an append-only list of lines kept in fixed chunks rather than one array. A large
/// configuration makes about 100,000 lines; as one array (and its regrowth copies) that is several megabytes on the
/// large object heap for every load, and large-object allocations are what start full garbage collections.
/// Chunks stay below the large-object threshold and are never copied.
/// </summary>
internal sealed class LineList : IReadOnlyList<LogicalLine>
{
    /// <summary>Lines per chunk: 2,048 lines of 32 bytes is 64 KiB, under the 85,000-byte large-object threshold.</summary>
    internal const int ChunkSize = 2048;
    private const int ChunkShift = 11;

    private readonly List<LogicalLine[]> _chunks = [];

    public int Count { get; private set; }

    public LogicalLine this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"the list has {Count} lines");
            }

            return _chunks[index >> ChunkShift][index & (ChunkSize - 1)];
        }
    }

    public void Add(LogicalLine line)
    {
        var offset = Count & (ChunkSize - 1);
        if (offset == 0)
        {
            _chunks.Add(new LogicalLine[ChunkSize]);
        }

        _chunks[^1][offset] = line;
        Count++;
    }

    public IEnumerator<LogicalLine> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
