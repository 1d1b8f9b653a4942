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

    /// <summary>Adds a text turn to the conversation (replaying context into a new session); no response follows.</summary>
    bool TryAddConversationItem(Speaker speaker, string text);

    /// <summary>Answers a function call of the model with the tool's output (a JSON string).</summary>
    bool TryAddFunctionOutput(string toolCallId, string output);

    Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken);
}
