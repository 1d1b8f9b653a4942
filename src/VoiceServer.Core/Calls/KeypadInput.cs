using System.Text;

namespace VoiceServer.Calls;

/// <summary>
/// Caller key presses on their way to the model (docs/reference/barge-in-and-call-control.md §6): each at once or,
/// with <c>dtmf=collect</c>, gathered until <c>#</c> or <see cref="CallSessionOptions.DtmfCollectPause"/> of quiet.
/// Not thread-safe: the session calls it one event at a time.
/// </summary>
internal sealed class KeypadInput(TimeProvider time, TimeSpan collectPause, IKeypadEvents events)
{
    private readonly StringBuilder _keys = new();
    private ITimer? _pauseTimer;

    /// <summary>Takes one key; true when the gathered keys should go to the model now.</summary>
    public bool OnKey(string digit, DtmfMode mode)
    {
        if (mode == DtmfMode.Collect && digit == "#")
        {
            return true;
        }

        _keys.Append(digit);
        if (mode == DtmfMode.Each)
        {
            return true;
        }

        _pauseTimer?.Dispose();
        _pauseTimer = time.CreateTimer(static state => ((IKeypadEvents)state!).OnKeypadPause(), events, collectPause, Timeout.InfiniteTimeSpan);
        return false;
    }

    /// <summary>The keys gathered so far, now on their way (the pause no longer matters); false when there are none.</summary>
    public bool TryTake(out string keys)
    {
        if (_keys.Length == 0)
        {
            keys = string.Empty;
            return false;
        }

        _pauseTimer?.Dispose();
        _pauseTimer = null;
        keys = _keys.ToString();
        _keys.Clear();
        return true;
    }

    /// <summary>How the keys reach the model, as the caller's words.</summary>
    public static string Describe(string keys) =>
        keys.Length == 1 ? $"The caller pressed {keys}." : $"The caller entered {keys} on the keypad.";

    /// <summary>At teardown: no pause fires after the call.</summary>
    public void Stop() => _pauseTimer?.Dispose();
}
