using System.Buffers;

namespace Actors.Runtime.SharedMemory;

/// <summary>A <see cref="Memory{T}"/> over a mapped segment (for async code and APIs that take Memory); it keeps the mapping alive.</summary>
internal sealed unsafe class SegmentMemory(Segment segment) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new((void*)segment.Address, checked((int)segment.Size));

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)segment.Address + elementIndex, pinnable: this);

    public override void Unpin()
    {
        // mapped memory never moves
    }

    protected override void Dispose(bool disposing)
    {
        // the segment's owner closes it
    }
}
