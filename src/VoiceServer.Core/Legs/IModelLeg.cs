using System.Net.WebSockets;
using VoiceServer.Conversation;

namespace VoiceServer.Legs;

/// <summary>
/// The model's side of a call (OpenAI Realtime today). Same shape as <see cref="ICallerLeg"/>: a receive loop
/// pushing into <see cref="IModelEvents"/>, non-blocking <c>Try</c> sends into one send loop.
/// </summary>
public interface IModelLeg : IAsyncDisposable
{
    Task<LegCompletion> RunReceiveLoopAsync(IModelEvents events, CancellationToken cancellationToken);

    Task RunSendLoopAsync(CancellationToken cancellationToken);

    bool TryUpdateSession(ModelSessionRequest request, string eventId);

    /// <summary>Queues caller audio (base64 in the call's <see cref="Audio.ModelAudioFormat"/>, passed through unchanged).</summary>
    bool TryAppendAudio(ReadOnlySpan<byte> base64Audio);

    bool TryTruncate(string itemId, int contentIndex, int audioEndMs);

    bool TryCancelResponse();

    bool TryCreateResponse(string? instructions);

    /// <summary>
    /// Asks for a text-only response outside the conversation (out-of-band): nothing is added to the conversation, no
    /// tool may be called, and its events are tagged with <paramref name="purpose"/>, so they reach
    /// <see cref="IModelEvents.OnOutOfBandResponseDone"/> and never the conversation's own response events.
    /// <paramref name="eventId"/> identifies the request in an <c>error</c> that refuses it.
    /// </summary>
    bool TryCreateOutOfBandResponse(string instructions, string purpose, string eventId);

    /// <summary>Adds a text turn to the conversation (replaying context into a new session); no response follows.</summary>
    bool TryAddConversationItem(Speaker speaker, string text);

    /// <summary>Adds a <c>system</c> text message to the conversation (context for the agent, never said to the caller); no response follows.</summary>
    bool TryAddSystemMessage(string text);

    /// <summary>Answers a function call of the model with the tool's output (a JSON string).</summary>
    bool TryAddFunctionOutput(string toolCallId, string output);

    /// <summary>
    /// Deletes a conversation item (<c>conversation.item.delete</c>); the model answers <c>conversation.item.deleted</c>,
    /// or an <c>error</c> carrying <paramref name="eventId"/>.
    /// </summary>
    bool TryDeleteItem(string itemId, string eventId);

    Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken);
}
