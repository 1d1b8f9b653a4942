using VoiceServer.Records;

namespace VoiceServer.Legs;

/// <summary>What the model's side reports. Called from the receive loop, one event at a time.</summary>
public interface IModelEvents
{
    void OnSessionCreated();

    void OnSessionUpdated(ModelSessionState session);

    void OnError(ModelError modelError);

    void OnSpeechStarted();

    void OnSpeechStopped();

    void OnResponseCreated(string responseId);

    /// <summary>Agent audio as base64 in the call's <see cref="Audio.ModelAudioFormat"/>; the span is only valid during the call.</summary>
    void OnAudioDelta(string responseId, string itemId, int contentIndex, ReadOnlySpan<byte> base64Audio);

    void OnAudioDone(string responseId, string itemId, int contentIndex);

    /// <summary>
    /// <paramref name="errorType"/>: for a failed response, the type of its error (e.g. <c>server_error</c>);
    /// <paramref name="usage"/>: the tokens it billed, when reported.
    /// </summary>
    void OnResponseDone(string responseId, string status, string? errorType, ModelUsage? usage);

    /// <summary>
    /// An out-of-band response (<see cref="IModelLeg.TryCreateOutOfBandResponse"/>) is done: its <paramref name="purpose"/>,
    /// status, the text it wrote (null when none) and the tokens it billed. Its other events are not reported.
    /// </summary>
    void OnOutOfBandResponseDone(string responseId, string purpose, string status, string? text, ModelUsage? usage);

    /// <summary>The model called a tool; its arguments are complete (<c>response.function_call_arguments.done</c>).</summary>
    void OnFunctionCall(string responseId, string toolCallId, string name, string argumentsJson);

    /// <summary>The caller's buffered input became a conversation item (a caller turn).</summary>
    void OnInputCommitted(string itemId);

    /// <summary>The caller's turn as text, whenever the transcription completes.</summary>
    void OnInputTranscript(string itemId, string transcript);

    /// <summary>A piece of the agent's audio transcript; the span is only valid during the call.</summary>
    void OnOutputTranscriptDelta(string itemId, ReadOnlySpan<byte> utf8Text);

    /// <summary>The agent item's whole transcript (as generated, before any truncation).</summary>
    void OnOutputTranscriptDone(string itemId, string transcript);

    /// <summary>
    /// An item joined the conversation (<c>conversation.item.added</c>), after <paramref name="previousItemId"/> (null:
    /// first); <paramref name="callId"/> for function calls and their outputs. Once per item, never per audio frame.
    /// </summary>
    void OnItemAdded(string itemId, string? previousItemId, ModelItemKind kind, string? callId);

    /// <summary>An item left the conversation (<c>conversation.item.deleted</c>).</summary>
    void OnItemDeleted(string itemId);

    void OnMalformedMessage(string detail);
}
