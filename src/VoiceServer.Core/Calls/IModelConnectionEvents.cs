using VoiceServer.Legs;
using VoiceServer.Records;

namespace VoiceServer.Calls;

/// <summary>
/// What a <see cref="ModelConnection"/> tells its call. Each event names the connection it came from: only the
/// call's current one counts.
/// </summary>
internal interface IModelConnectionEvents
{
    /// <summary>A fresh event id for a <c>session.update</c>, unique within the call.</summary>
    string NextSessionUpdateEventId();

    /// <summary>Set-up failed, or the connection broke in a way that ends the call (if it is the current one).</summary>
    void OnFailed(ModelConnection connection, CallEndReason reason, string detail);

    /// <summary>The receive loop ended: <paramref name="recovery"/> says why a new session could continue, null when it would fail the same way.</summary>
    void OnLost(ModelConnection connection, RecoveryCause? recovery, CallEndReason reason, string detail);

    /// <summary>The receive loop ended because the call did.</summary>
    void OnClosed(ModelConnection connection);

    /// <summary>The model reported a server error; a new session may fix it.</summary>
    void OnServerError(ModelConnection connection, string detail);

    void OnSpeechStarted(ModelConnection connection);

    void OnSpeechStopped(ModelConnection connection);

    void OnResponseCreated(ModelConnection connection, string responseId);

    /// <summary>Per agent audio frame: allocates nothing.</summary>
    void OnAudioDelta(ModelConnection connection, string responseId, string itemId, int contentIndex, ReadOnlySpan<byte> base64Audio);

    void OnAudioDone(ModelConnection connection, string responseId, string itemId, int contentIndex);

    void OnResponseDone(ModelConnection connection, string responseId, string status, string? errorType, ModelUsage? usage);

    /// <summary>An out-of-band response of <paramref name="purpose"/> is done (never one of the conversation's responses).</summary>
    void OnOutOfBandResponseDone(ModelConnection connection, string responseId, string purpose, string status, string? text, ModelUsage? usage);

    /// <summary>An <c>error</c> refused the client event <paramref name="eventId"/> (other than a <c>session.update</c>).</summary>
    void OnRequestRefused(ModelConnection connection, string eventId);

    void OnFunctionCall(ModelConnection connection, string responseId, string toolCallId, string name, string argumentsJson);

    void OnInputCommitted(ModelConnection connection, string itemId);

    void OnInputTranscript(ModelConnection connection, string itemId, string transcript);

    void OnOutputTranscriptDelta(ModelConnection connection, string itemId, ReadOnlySpan<byte> utf8Text);

    void OnOutputTranscriptDone(ModelConnection connection, string itemId, string transcript);

    /// <summary>An item joined <paramref name="connection"/>'s conversation: once per item, never per frame.</summary>
    void OnItemAdded(ModelConnection connection, string itemId, string? previousItemId, ModelItemKind kind, string? callId);

    void OnItemDeleted(ModelConnection connection, string itemId);
}
