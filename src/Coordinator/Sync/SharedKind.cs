namespace Actors.Coordination.Sync;

/// <summary>The kind number each cross-process object writes in its block's header, so a handle to one kind is never attached as another.</summary>
internal static class SharedKind
{
    public const int Lock = 1;
    public const int RLock = 2;
    public const int Semaphore = 3;
    public const int Event = 4;
    public const int Condition = 5;
    public const int Barrier = 6;
    public const int Value = 7;
    public const int Array = 8;
    public const int Queue = 9;
    public const int Pipe = 10;
}
