using System.Collections.Concurrent;
using VoiceServer.Legs;

namespace VoiceServer.Vonage.Tests;

/// <summary>What a leg reported, with a wait for enough caller audio.</summary>
internal sealed class RecordingCallerEvents : ICallerEvents
{
    private readonly Lock _gate = new();
    private readonly List<byte> _audio = [];
    private TaskCompletionSource? _audioWaiter;
    private int _audioWanted;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _markWaiters = new(StringComparer.Ordinal);

    public CallerStart? Start { get; private set; }

    public int ConnectedCount { get; private set; }

    public List<int> MediaFrameBytes { get; } = [];

    public ConcurrentQueue<string> Marks { get; } = new();

    public ConcurrentQueue<string> Digits { get; } = new();

    public ConcurrentQueue<string> Malformed { get; } = new();

    public byte[] Audio
    {
        get
        {
            lock (_gate)
            {
                return [.. _audio];
            }
        }
    }

    public Task WaitForAudioBytesAsync(int bytes, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_audio.Count >= bytes)
            {
                return Task.CompletedTask;
            }

            _audioWanted = bytes;
            _audioWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _audioWaiter.Task.WaitAsync(cancellationToken);
        }
    }

    public void OnConnected() => ConnectedCount++;

    public void OnStart(CallerStart start) => Start = start;

    public void OnMedia(ReadOnlySpan<byte> base64Audio, long timestampMs)
    {
        var decoded = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(base64Audio));
        lock (_gate)
        {
            MediaFrameBytes.Add(decoded.Length);
            _audio.AddRange(decoded);
            if (_audioWaiter is not null && _audio.Count >= _audioWanted)
            {
                _audioWaiter.TrySetResult();
            }
        }
    }

    /// <summary>Completes when the mark is reported (call before the mark can arrive).</summary>
    public Task WaitForMarkAsync(string name, CancellationToken cancellationToken) =>
        _markWaiters.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(cancellationToken);

    public void OnMark(ReadOnlySpan<byte> name)
    {
        var text = System.Text.Encoding.UTF8.GetString(name);
        Marks.Enqueue(text);
        if (_markWaiters.TryGetValue(text, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    public void OnDtmf(string digit) => Digits.Enqueue(digit);

    public void OnStop()
    {
    }

    public void OnMalformedMessage(string detail) => Malformed.Enqueue(detail);
}
