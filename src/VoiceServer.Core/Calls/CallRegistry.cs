using System.Diagnostics.CodeAnalysis;

namespace VoiceServer.Calls;

/// <summary>
/// The calls alive in this process, counted by slot: what the capacity limit checks, what a drain waits on and
/// what leak tests count. A slot is taken before the upgrade and released when the call is fully torn down.
/// </summary>
public sealed class CallRegistry
{
    private readonly Lock _gate = new();
    private int _active;
    private TaskCompletionSource? _emptied;

    public int ActiveCount
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <summary>Takes a slot unless <paramref name="maxCalls"/> are already alive (checked and taken atomically).</summary>
    public bool TryEnter(int maxCalls, [NotNullWhen(true)] out IDisposable? slot)
    {
        lock (_gate)
        {
            if (_active >= maxCalls)
            {
                slot = null;
                return false;
            }

            _active++;
        }

        slot = new Slot(this);
        return true;
    }

    /// <summary>Completes when no call is alive (at once if none is).</summary>
    public Task WaitUntilEmptyAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_active == 0)
            {
                return Task.CompletedTask;
            }

            _emptied ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _emptied.Task.WaitAsync(cancellationToken);
        }
    }

    private void Leave()
    {
        TaskCompletionSource? emptied = null;
        lock (_gate)
        {
            if (--_active == 0)
            {
                emptied = _emptied;
                _emptied = null;
            }
        }

        emptied?.TrySetResult();
    }

    private sealed class Slot(CallRegistry registry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                registry.Leave();
            }
        }
    }
}
