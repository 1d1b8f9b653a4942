using System.Net.WebSockets;
using VoiceServer.Calls;
using VoiceServer.Conversation;
using VoiceServer.Records;

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

    /// <summary>Queues caller audio (base64 μ-law, passed through unchanged).</summary>
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

/// <summary>What the model's side reports. Called from the receive loop, one event at a time.</summary>
public interface IModelEvents
{
    void OnSessionCreated();

    void OnSessionUpdated(ModelSessionState session);

    void OnError(ModelError modelError);

    void OnSpeechStarted();

    void OnSpeechStopped();

    void OnResponseCreated(string responseId);

    /// <summary>Agent audio as base64 μ-law; the span is only valid during the call.</summary>
    void OnAudioDelta(string responseId, string itemId, int contentIndex, ReadOnlySpan<byte> base64Audio);

    void OnAudioDone(string responseId, string itemId, int contentIndex);

    /// <summary>
    /// <paramref name="errorType"/>: for a failed response, the type of its error (e.g. <c>server_error</c>);
    /// <paramref name="usage"/>: the tokens it billed, when reported.
    /// </summary>
    void OnResponseDone(string responseId, string status, string? errorType, ModelUsage? usage);

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

    void OnMalformedMessage(string detail);
}

/// <summary>Opens model connections. Failures surface as <see cref="ModelConnectException"/>.</summary>
public interface IModelConnector
{
    Task<IModelLeg> ConnectAsync(ModelConnectRequest request, CancellationToken cancellationToken);
}

/// <summary>What a model connection needs. <see cref="ToString"/> never shows the key.</summary>
public sealed class ModelConnectRequest(string apiKey, string? model)
{
    public string ApiKey { get; } = apiKey;

    /// <summary>Null means the server's default model.</summary>
    public string? Model { get; } = model;

    public override string ToString() => $"ModelConnectRequest {{ Model = {Model ?? "(default)"}, ApiKey = *** }}";
}

/// <summary>
/// The session the call asks the model for (the wire shape belongs to the adapter). <c>TranscriptionModel</c>
/// transcribes the caller's speech (in <c>Language</c> when given); null for none.
/// </summary>
public sealed record ModelSessionRequest(
    string? Instructions,
    string Voice,
    bool InterruptResponse,
    string? TranscriptionModel = null,
    string? Language = null,
    TurnDetectionSettings? TurnDetection = null,
    string? NoiseReduction = null,
    IReadOnlyList<ToolDefinition>? Tools = null);

/// <summary>
/// The effective session the model confirmed, reduced by the adapter to what the call checks: both directions
/// G.711 μ-law at 8 kHz (the formats are kept as text for the log).
/// </summary>
public sealed record ModelSessionState(
    bool InputIsMuLaw,
    bool OutputIsMuLaw,
    string? InputFormat,
    string? OutputFormat,
    string? Voice,
    bool? InterruptResponse);

/// <summary>An error event from the model. Messages come from the provider and never contain our key.</summary>
public sealed record ModelError(string? Type, string? Code, string? Message, string? Param, string? EventId);

/// <summary>The model connection could not be opened. The message never contains the key.</summary>
public sealed class ModelConnectException : Exception
{
    public ModelConnectException()
    {
    }

    public ModelConnectException(string message)
        : base(message)
    {
    }

    public ModelConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelConnectException(string message, int? statusCode, Exception? innerException)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of a refused upgrade, when there was one.</summary>
    public int? StatusCode { get; }
}
