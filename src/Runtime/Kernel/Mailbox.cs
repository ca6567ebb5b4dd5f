using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Actors.Runtime.Kernel;

/// <summary>
/// An actor's user-message queue. Unbounded mailboxes are a plain <see cref="ConcurrentQueue{T}"/>
/// (the cell never awaits a read, so a channel's reader machinery would be pure overhead on the
/// hottest path); bounded ones are a <see cref="Channel{T}"/>, whose <c>WriteAsync</c> is the
/// backpressure for senders that await. A <see cref="Terminated"/> that finds a bounded mailbox full
/// goes to a separate queue read first, so it is never lost.
/// </summary>
internal sealed class Mailbox
{
    private readonly ConcurrentQueue<Envelope>? _unbounded;
    private readonly Channel<Envelope>? _bounded;
    private readonly ConcurrentQueue<Envelope> _priority = new();

    public Mailbox(MailboxOptions options)
    {
        Throughput = options.Throughput;
        Capacity = options.Capacity;
        if (options.Capacity is { } capacity)
        {
            _bounded = Channel.CreateBounded<Envelope>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }
        else
        {
            _unbounded = new ConcurrentQueue<Envelope>();
        }
    }

    public int Throughput { get; }

    public int? Capacity { get; }

    public bool IsEmpty => _priority.IsEmpty && (_unbounded?.IsEmpty ?? _bounded!.Reader.Count == 0);

    public bool TryEnqueue(in Envelope envelope)
    {
        if (_unbounded is not null)
        {
            _unbounded.Enqueue(envelope);
            return true;
        }
        return _bounded!.Writer.TryWrite(envelope);
    }

    public ValueTask EnqueueAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        if (_unbounded is not null)
        {
            _unbounded.Enqueue(envelope);
            return default;
        }
        return _bounded!.Writer.WriteAsync(envelope, cancellationToken);
    }

    public void EnqueuePriority(in Envelope envelope) => _priority.Enqueue(envelope);

    public bool TryDequeue(out Envelope envelope) =>
        _priority.TryDequeue(out envelope)
        || (_unbounded?.TryDequeue(out envelope) ?? _bounded!.Reader.TryRead(out envelope));
}
