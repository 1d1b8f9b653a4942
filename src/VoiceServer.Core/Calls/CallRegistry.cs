namespace VoiceServer.Calls;

/// <summary>The calls alive in this process: what a drain waits on and what leak tests count.</summary>
public sealed class CallRegistry
{
    private readonly Lock _gate = new();
    private readonly HashSet<CallSession> _calls = [];

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

    private void Unregister(CallSession session)
    {
        lock (_gate)
        {
            _calls.Remove(session);
        }
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
