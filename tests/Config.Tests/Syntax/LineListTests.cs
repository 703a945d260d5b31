using System.Buffers;
using System.Text;
using Kad.Config.Syntax;

namespace Kad.Config.Tests.Syntax;

/// <summary>The preprocessor's chunked output list, and the pooled way the real file system lends a file's text.</summary>
public class LineListTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(LineList.ChunkSize - 1)]
    [TestCase(LineList.ChunkSize)]
    [TestCase(LineList.ChunkSize + 1)]
    [TestCase((3 * LineList.ChunkSize) + 17)]
    public void Add_AcrossChunkBoundaries_KeepsEveryLineInOrder(int count)
    {
        var lines = new LineList();
        for (var i = 0; i < count; i++)
        {
            lines.Add(new LogicalLine($"line {i}", new SourceLocation("f", i + 1, 1)) { IsExpanded = i % 3 == 0 });
        }

        Assert.That(lines, Has.Count.EqualTo(count));
        Assert.That(lines.Select(l => l.Location.Line), Is.EqualTo(Enumerable.Range(1, count)));
        for (var i = 0; i < count; i++)
        {
            Assert.That(lines[i], Is.EqualTo(new LogicalLine($"line {i}", new SourceLocation("f", i + 1, 1)) { IsExpanded = i % 3 == 0 }));
        }
    }

    [TestCase(-1)]
    [TestCase(5)]
    public void Indexer_OutsideTheLines_Throws(int index)
    {
        var lines = new LineList();
        for (var i = 0; i < 5; i++)
        {
            lines.Add(new LogicalLine("x", SourceLocation.None));
        }

        Assert.That(() => lines[index], Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void ChunkSize_KeepsEachChunkOffTheLargeObjectHeap()
    {
        var chunk = new LogicalLine[LineList.ChunkSize];

        Assert.That(GC.GetGeneration(chunk), Is.Zero, "a chunk of 85,000 bytes or more would start on the large object heap (generation 2)");
    }

    [TestCase("", TestName = "RentText_EmptyFile_IsEmpty")]
    [TestCase("global_defs {\n  router_id é\n}\n", TestName = "RentText_Utf8_DecodesLikeReadAllText")]
    [TestCase("\uFEFFglobal_defs {\n}\n", TestName = "RentText_ByteOrderMark_IsDropped")]
    public void RentText_AnyFile_SameTextAsReadAllText(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kad-linelist-{Guid.NewGuid():N}.conf");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        try
        {
            var fs = PhysicalConfigFileSystem.Instance;
            var rented = ((IPooledTextReader)fs).RentText(path, out var length);
            var text = new string(rented, 0, length);
            ArrayPool<char>.Shared.Return(rented);

            Assert.That(text, Is.EqualTo(fs.ReadAllText(path)));
            Assert.That(text, Is.EqualTo(content.TrimStart('\uFEFF')));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
