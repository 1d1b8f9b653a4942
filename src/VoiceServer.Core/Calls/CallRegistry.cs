namespace VoiceServer.Calls;

/// <summary>The calls alive in this process: what a drain waits on and what leak tests count.</summary>
public sealed class CallRegistry
{
    private readonly Lock _gate = new();
    private readonly HashSet<CallSession> _calls = [];
    private TaskCompletionSource? _emptied;

    public int ActiveCount
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count;
            }
        }
    }

    public IDisposable Register(CallSession session)
    {
        lock (_gate)
        {
            _calls.Add(session);
        }

        return new Registration(this, session);
    }

    /// <summary>Completes when no call is alive (at once if none is).</summary>
    public Task WaitUntilEmptyAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_calls.Count == 0)
            {
                return Task.CompletedTask;
            }

            _emptied ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _emptied.Task.WaitAsync(cancellationToken);
        }
    }

    private void Unregister(CallSession session)
    {
        TaskCompletionSource? emptied = null;
        lock (_gate)
        {
            if (_calls.Remove(session) && _calls.Count == 0)
            {
                emptied = _emptied;
                _emptied = null;
            }
        }

        emptied?.TrySetResult();
    }

    private sealed class Registration(CallRegistry registry, CallSession session) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                registry.Unregister(session);
            }
        }
    }
}
