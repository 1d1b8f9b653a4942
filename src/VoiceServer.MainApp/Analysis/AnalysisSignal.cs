using System.Threading.Channels;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// Wakes the worker when a record (and so perhaps an analysis) was stored, so a new analysis starts at once rather than
/// at the next poll. One pending signal is enough: the worker takes every due row before it sleeps again.
/// </summary>
internal sealed class AnalysisSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _channel.Writer.TryWrite(true);

    /// <summary>Waits for a signal or <paramref name="timeout"/> on <paramref name="timeProvider"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider timeProvider, Action onWaiting, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out _))
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, timeProvider, wait.Token);
        var signal = _channel.Reader.WaitToReadAsync(wait.Token).AsTask();
        // Said once the timer runs, so a test that moves virtual time on after this line cannot move it too early.
        onWaiting();
        await Task.WhenAny(delay, signal);
        await wait.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        _channel.Reader.TryRead(out _);
    }
}
