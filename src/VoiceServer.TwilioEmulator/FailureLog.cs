using System.Collections.Concurrent;

namespace VoiceServer.TwilioEmulator;

/// <summary>
/// Failures a fake detects on its own threads (protocol violations, exceptions in background loops). They are
/// rethrown from DisposeAsync so that a check inside a fake fails the test that used it.
/// </summary>
internal sealed class FailureLog
{
    private readonly ConcurrentQueue<Exception> _failures = new();

    public bool IsEmpty => _failures.IsEmpty;

    public IReadOnlyList<string> Messages => [.. _failures.Select(f => f.Message)];

    public void Add(string message) => _failures.Enqueue(new InvalidOperationException(message));

    public void Add(string context, Exception exception) =>
        _failures.Enqueue(new InvalidOperationException($"{context}: {exception.GetType().Name}: {exception.Message}", exception));

    public void ThrowIfAny(string owner)
    {
        var failures = _failures.ToArray();
        if (failures.Length == 0)
        {
            return;
        }

        var list = string.Join(Environment.NewLine, failures.Select((f, i) => $"  {i + 1}. {f.Message}"));
        throw new AggregateException($"{owner} recorded {failures.Length} failure(s):{Environment.NewLine}{list}", failures);
    }
}
