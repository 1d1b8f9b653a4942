using System.Diagnostics;

namespace VoiceServer.Simulator;

/// <summary>Paces 20 ms frames in real time; frame due times come from one start instant, so pacing never drifts.</summary>
internal sealed class FramePacer
{
    private static readonly TimeSpan s_frameDuration = TimeSpan.FromMilliseconds(20);

    // Frames go out slightly ahead of their due time so a late timer never starves the server's buffer.
    private static readonly TimeSpan s_pacingLead = TimeSpan.FromMilliseconds(60);

    private long _start = Stopwatch.GetTimestamp();
    private long _frame;

    public void Restart()
    {
        _start = Stopwatch.GetTimestamp();
        _frame = 0;
    }

    public async Task WaitForNextFrameAsync(CancellationToken cancellationToken)
    {
        var due = (s_frameDuration * _frame) - s_pacingLead;
        _frame++;
        var wait = due - Stopwatch.GetElapsedTime(_start);
        if (wait > TimeSpan.FromMilliseconds(1))
        {
            // Real-time pacing of a live call: this delay is the point, not a synchronisation.
            await Task.Delay(wait, cancellationToken);
        }
    }
}
