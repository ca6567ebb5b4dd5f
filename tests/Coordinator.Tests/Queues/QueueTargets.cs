namespace Actors.Tests.Coordination.Queues;

/// <summary>A record of the test assembly: the app's own types travel through queues and pipes with no configuration.</summary>
public sealed record Reading(int Producer, int Sequence, string Text);

/// <summary>What child processes do with the queues and pipes they are given.</summary>
public static class QueueTargets
{
    public static void Produce(ProcessQueue<Reading> queue, int producer, int count)
    {
        for (int i = 0; i < count; i++)
        {
            queue.Put(new Reading(producer, i, $"p{producer}-{i}"));
        }
    }

    public static void Consume(JoinableProcessQueue<int> tasks, ProcessQueue<int> results)
    {
        while (true)
        {
            int item = tasks.Get();
            if (item < 0)
            {
                tasks.TaskDone();
                return;
            }
            results.Put(item * item);
            tasks.TaskDone();
        }
    }

    public static void PutBigThenHang(ProcessQueue<byte[]> queue, ProcessEvent started)
    {
        queue.Put(new byte[100]);
        started.Set();
        queue.Put(new byte[3 << 20]); // bigger than the ring's half: goes in parts, and is killed in the middle
    }

    public static void Echo(Connection connection)
    {
        while (true)
        {
            object? message;
            try
            {
                message = connection.Recv();
            }
            catch (EndOfStreamException)
            {
                return;
            }
            if (message is null)
            {
                connection.Close();
                return;
            }
            connection.Send(message);
        }
    }

    public static void SendBytesThenClose(Connection connection, int count, int size)
    {
        for (int i = 0; i < count; i++)
        {
            connection.SendBytes(new byte[size]);
        }
        connection.SendBytes([]);
        connection.Close();
    }

    public static void HoldForever(Connection connection, ProcessEvent holding)
    {
        holding.Set();
        Thread.Sleep(Timeout.Infinite);
    }
}
