namespace Actors.Runtime.Serialization;

/// <summary>
/// An encode or decode failure on its way up the object graph; each level it passes adds its member
/// name, so the public exception can say <c>Order.Lines[3].Customer: ...</c>. Never leaves the serializer.
/// </summary>
internal sealed class PathException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    private readonly List<string> _segments = [];

    public string Path => string.Concat(Enumerable.Reverse(_segments));

    public static PathException At(Exception exception, string segment)
    {
        PathException path = exception as PathException ?? new PathException(exception.Message, exception);
        path._segments.Add(segment);
        return path;
    }
}
