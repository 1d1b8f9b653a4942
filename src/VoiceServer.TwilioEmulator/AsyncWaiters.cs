namespace VoiceServer.TwilioEmulator;

/// <summary>
/// Awaitable conditions over state guarded by the owner's lock. The owner calls <see cref="Notify"/> after every
/// change; a wait whose condition already holds completes at once, so tests never race the receive loop.
/// </summary>
internal sealed class AsyncWaiters
{
    private readonly object _gate;
    private readonly List<Waiter> _waiters = [];
    private string? _closedReason;

    public AsyncWaiters(object gate)
    {
        _gate = gate;
    }

    public Task<T> WaitAsync<T>(Func<(bool Done, T Value)> probe, string description, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var waiter = new Waiter<T>(probe, description);
        lock (_gate)
        {
            if (waiter.TryProbe())
            {
                return waiter.Error is null ? Task.FromResult(waiter.Value!) : Task.FromException<T>(waiter.Error);
            }

            if (_closedReason is not null)
            {
                return Task.FromException<T>(NeverHappened(description, _closedReason));
            }

            _waiters.Add(waiter);
        }

        waiter.Registration = cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }

            waiter.Cancel(cancellationToken);
        });
        return waiter.Task;
    }

    /// <summary>Re-evaluates every pending condition; call after each state change.</summary>
    public void Notify()
    {
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (waiter.TryProbe())
                {
                    _waiters.RemoveAt(i);
                    // Continuations run asynchronously, so completing under the lock cannot re-enter it.
                    waiter.Complete();
                }
            }
        }
    }

    /// <summary>
    /// No further change will happen (the connection ended): waits that cannot be satisfied any more fail with a
    /// clear message instead of hanging until the test's timeout.
    /// </summary>
    public void Close(string reason)
    {
        lock (_gate)
        {
            _closedReason ??= reason;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                _waiters.RemoveAt(i);
                if (waiter.TryProbe())
                {
                    waiter.Complete();
                }
                else
                {
                    waiter.Fail(NeverHappened(waiter.Description, reason));
                }
            }
        }
    }

    private static InvalidOperationException NeverHappened(string description, string reason) =>
        new($"Stopped waiting for {description}: {reason}.");

    private abstract class Waiter
    {
        protected Waiter(string description)
        {
            Description = description;
        }

        public string Description { get; }

        public CancellationTokenRegistration Registration { get; set; }

        public abstract bool TryProbe();

        public abstract void Complete();

        public abstract void Fail(Exception exception);

        public abstract void Cancel(CancellationToken cancellationToken);
    }

    private sealed class Waiter<T> : Waiter
    {
        private readonly Func<(bool Done, T Value)> _probe;
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Waiter(Func<(bool Done, T Value)> probe, string description)
            : base(description)
        {
            _probe = probe;
        }

        public T? Value { get; private set; }

        public Exception? Error { get; private set; }

        public Task<T> Task => _completion.Task;

        public override bool TryProbe()
        {
            try
            {
                var (done, value) = _probe();
                if (done)
                {
                    Value = value;
                }

                return done;
            }
            catch (Exception ex)
            {
                // A throwing predicate fails its own wait, never the receive loop that evaluated it.
                Error = ex;
                return true;
            }
        }

        public override void Complete()
        {
            // Unregister, not Dispose: Dispose would wait for a running callback that needs the lock we hold.
            Registration.Unregister();
            if (Error is not null)
            {
                _completion.TrySetException(Error);
            }
            else
            {
                _completion.TrySetResult(Value!);
            }
        }

        public override void Fail(Exception exception)
        {
            Registration.Unregister();
            _completion.TrySetException(exception);
        }

        public override void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
    }
}
