using VoiceServer.Legs;

namespace VoiceServer.Calls;

/// <summary>
/// The one-response rule (docs/reference/barge-in-and-call-control.md §7): only one response may be active, so a
/// request while one is (or one was just asked for) waits for its <c>response.done</c>, and requests meanwhile fold
/// into one. Every <c>response.create</c> of the call goes out through <see cref="TrySend"/>, so the rule knows a
/// response is on its way until <c>response.created</c>. Not thread-safe: the session calls it one event at a time.
/// </summary>
internal sealed class ResponseRequests
{
    private string? _queuedInstructions;

    // The queued instructions carry an operator's message: accepted with a promise, so its loss is reported.
    private bool _queuedOperatorMessage;

    /// <summary>A <c>response.create</c> went out and its <c>response.created</c> has not come back yet.</summary>
    public bool IsRequested { get; private set; }

    /// <summary>A request waits for the active response to finish.</summary>
    public bool IsQueued { get; private set; }

    /// <summary>The request waiting carries an operator's message.</summary>
    public bool HoldsOperatorMessage => IsQueued && _queuedOperatorMessage;

    /// <summary>
    /// True when a response is active (<paramref name="responseActive"/>) or on its way: the request is queued,
    /// keeping the first instructions queued (<paramref name="operatorMessage"/>: they carry an operator's message).
    /// False when it may go out now.
    /// </summary>
    public bool TryQueue(bool responseActive, string? instructions, bool operatorMessage = false)
    {
        if (!responseActive && !IsRequested)
        {
            return false;
        }

        IsQueued = true;
        if (_queuedInstructions is null)
        {
            _queuedInstructions = instructions;
            _queuedOperatorMessage = operatorMessage;
        }

        return true;
    }

    /// <summary>Sends <c>response.create</c>; false when the model is not accepting messages.</summary>
    public bool TrySend(IModelLeg leg, string? instructions)
    {
        IsRequested = true;
        return leg.TryCreateResponse(instructions);
    }

    /// <summary>At <c>response.created</c>: the response asked for is the active one now.</summary>
    public void OnCreated() => IsRequested = false;

    /// <summary>Once no response is active: the queued request, if any, with its instructions, is due now.</summary>
    public bool TryDequeue(out string? instructions, out bool operatorMessage)
    {
        instructions = _queuedInstructions;
        operatorMessage = _queuedOperatorMessage;
        if (!IsQueued)
        {
            return false;
        }

        IsQueued = false;
        _queuedInstructions = null;
        _queuedOperatorMessage = false;
        return true;
    }

    /// <summary>The queued request, if any, is not to be made at all; true when there was one.</summary>
    public bool TryDrop(out bool operatorMessage) => TryDequeue(out _, out operatorMessage);

    /// <summary>A new model session has no responses until asked; nothing asked of the old one carries over.</summary>
    public void Reset()
    {
        IsRequested = IsQueued = _queuedOperatorMessage = false;
        _queuedInstructions = null;
    }
}
