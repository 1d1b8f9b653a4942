using System.Collections.Concurrent;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>Captures every log line of the server under test, at every level, so tests can wait on and inspect them.</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    private readonly ConcurrentQueue<CapturedLogEntry> _entries = new();
    private readonly List<(Func<CapturedLogEntry, bool> Match, TaskCompletionSource<CapturedLogEntry> Done)> _waiters = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<CapturedLogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>Waits for an entry (already captured or future) that matches.</summary>
    public Task<CapturedLogEntry> WaitForAsync(Func<CapturedLogEntry, bool> match, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var existing = _entries.FirstOrDefault(match);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var done = new TaskCompletionSource<CapturedLogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The entries of the call ends, in order.</summary>
    public IReadOnlyList<CapturedLogEntry> CallEnds => [.. _entries.Where(e => e.EventName == "CallEnded")];

    private void Add(CapturedLogEntry entry)
    {
        List<TaskCompletionSource<CapturedLogEntry>> matched = [];
        lock (_gate)
        {
            _entries.Enqueue(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    matched.Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var done in matched)
        {
            done.TrySetResult(entry);
        }
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull =>
            owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var stateText = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}"))
                : state?.ToString() ?? string.Empty;
            var scopes = new System.Text.StringBuilder();
            owner._scopes.ForEachScope(
                static (scope, builder) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                    {
                        foreach (var (key, value) in values)
                        {
                            builder.Append(key).Append('=').Append(value).Append(';');
                        }
                    }
                },
                scopes);
            owner.Add(new CapturedLogEntry(category, logLevel, eventId.Name ?? string.Empty, formatter(state, exception), exception?.ToString(), stateText)
            {
                Scopes = scopes.ToString(),
            });
        }
    }
}
