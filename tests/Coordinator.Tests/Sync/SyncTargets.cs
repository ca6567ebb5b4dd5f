namespace Actors.Tests.Coordination.Sync;

/// <summary>What child processes do with the shared objects they are given.</summary>
public static class SyncTargets
{
    public static void IncrementUnderLock(SharedValue<int> counter, int times)
    {
        for (int i = 0; i < times; i++)
        {
            using (counter.GetLock().EnterScope())
            {
                counter.Value++;
            }
        }
    }

    public static void HoldAndSignal(ProcessLock held, ProcessEvent acquired)
    {
        held.Acquire();
        acquired.Set();
        Thread.Sleep(Timeout.Infinite);
    }

    public static void HoldAndExit(ProcessRLock held)
    {
        held.Acquire();
        held.Acquire();
        Environment.Exit(3);
    }

    public static void WaitForEvent(ProcessEvent go, ProcessEvent done)
    {
        if (go.Wait(TimeSpan.FromSeconds(30)))
        {
            done.Set();
        }
    }

    public static void ReleaseSemaphore(ProcessSemaphore semaphore) => semaphore.Release();

    public static int WaitAtBarrier(ProcessBarrier barrier, SharedArray<int> arrivals)
    {
        int index = barrier.Wait(TimeSpan.FromSeconds(30));
        arrivals[index] = Environment.ProcessId;
        return index;
    }

    public static void WaitOnCondition(ProcessCondition condition, SharedValue<int> woken, ProcessSemaphore waiting)
    {
        using (condition.EnterScope())
        {
            waiting.Release();
            if (condition.Wait(TimeSpan.FromSeconds(30)))
            {
                woken.Add(1);
            }
        }
    }

    public static void WriteShared(SharedMemory block, byte value)
    {
        block.AsSpan().Fill(value);
        block.Close();
    }

    public static void EditList(ShareableList list)
    {
        list[0] = (long)list[0]! * 10;
        list[1] = "howdy";
        list[3] = null;
        list.Dispose();
    }

    public static void FillArray(SharedArray<double> array)
    {
        Span<double> values = array.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i * 1.5;
        }
    }
}
