namespace Actors.Coordination.Workers;

/// <summary>
/// The coordinator's worker slots, in the order of <see cref="Coordinator.Workers"/>: the local ones from the start,
/// then each host's as it joins (slots are never removed; a lost host's are <see cref="WorkerState.Disconnected"/>).
/// Readers take a snapshot without locking; only the host directory actor adds, one at a time.
/// </summary>
internal sealed class WorkerList(IEnumerable<WorkerProcess> local)
{
    private volatile WorkerProcess[] _slots = [.. local];

    /// <summary>Raised after any change of a slot's info, with the slot's index.</summary>
    public event Action<int, WorkerInfo>? Changed;

    public WorkerProcess[] Snapshot => _slots;

    public WorkerProcess this[int index] => _slots[index];

    public int Count => _slots.Length;

    public WorkerProcess? Find(string name) => Array.Find(_slots, w => w.Name == name);

    /// <summary>Forwards each slot's changes to <see cref="Changed"/>; called once, when the list is in use.</summary>
    public void Watch()
    {
        WorkerProcess[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            int index = i;
            slots[i].Changed += info => Changed?.Invoke(index, info);
        }
    }

    public void Add(WorkerProcess slot)
    {
        int index = _slots.Length;
        slot.Changed += info => Changed?.Invoke(index, info);
        _slots = [.. _slots, slot];
        Changed?.Invoke(index, slot.Info);
    }
}
