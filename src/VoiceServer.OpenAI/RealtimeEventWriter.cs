using System.Text.Json;
using VoiceServer.Conversation;
using VoiceServer.Legs;

namespace VoiceServer.OpenAI;

/// <summary>The client events we send (docs/reference/openai-realtime.md §3). Audio is framed around the caller's base64, untouched.</summary>
internal static class RealtimeEventWriter
{
    /// <summary>The <c>metadata</c> key that marks our out-of-band responses.</summary>
    public const string OutOfBandPurposeKey = "voice_server_purpose";

    public static ReadOnlySpan<byte> AppendPrefix => "{\"type\":\"input_audio_buffer.append\",\"audio\":\""u8;

    public static ReadOnlySpan<byte> AppendSuffix => "\"}"u8;

    public static ReadOnlySpan<byte> Cancel => "{\"type\":\"response.cancel\"}"u8;

    public static byte[] SessionUpdate(ModelSessionRequest request, string eventId) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new SessionUpdateEvent
            {
                EventId = eventId,
                Session = new RealtimeSessionConfig
                {
                    // Only the fields sent change a live session: an update in place clears what the new agent leaves unset.
                    Instructions = request.Instructions ?? (request.ReplacesAll ? string.Empty : null),
                    Tools = request.Tools is { Count: > 0 } tools
                        ? [.. tools.Select(static tool => new RealtimeFunctionTool { Name = tool.Name, Description = tool.Description, Parameters = tool.Parameters })]
                        : request.ReplacesAll ? [] : null,
                    ToolChoice = request.Tools is { Count: > 0 } ? "auto" : null,
                    Audio = new RealtimeAudioConfig
                    {
                        Input = new RealtimeAudioInput
                        {
                            Format = RealtimeAudioFormat.For(request.AudioFormat),
                            Transcription = request.TranscriptionModel is { } model ? new RealtimeTranscription { Model = model, Language = request.Language } : null,
                            NoiseReduction = request.NoiseReduction is { } noise ? new RealtimeNoiseReduction { Type = noise } : null,
                            TurnDetection = RealtimeTurnDetection.From(request.TurnDetection, request.InterruptResponse),
                        },
                        Output = new RealtimeAudioOutput { Format = RealtimeAudioFormat.For(request.AudioFormat), Voice = request.Voice },
                    },
                },
            },
            RealtimeJsonContext.Default.SessionUpdateEvent);

    public static byte[] Truncate(string itemId, int contentIndex, int audioEndMs) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new TruncateEvent { ItemId = itemId, ContentIndex = contentIndex, AudioEndMs = audioEndMs },
            RealtimeJsonContext.Default.TruncateEvent);

    public static byte[] DeleteItem(string itemId, string eventId) =>
        JsonSerializer.SerializeToUtf8Bytes(new DeleteItemEvent { EventId = eventId, ItemId = itemId }, RealtimeJsonContext.Default.DeleteItemEvent);

    public static byte[] CreateResponse(string? instructions) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ResponseCreateEvent { Response = instructions is null ? null : new ResponseCreateOptions { Instructions = instructions } },
            RealtimeJsonContext.Default.ResponseCreateEvent);

    /// <summary>
    /// An out-of-band text response (docs/reference/openai-realtime.md §3): <c>conversation: "none"</c> keeps it out of
    /// the conversation, <c>tool_choice: "none"</c> keeps it from acting, and <c>metadata</c> tags it so its events are
    /// told apart from the conversation's. Without <c>input</c> it reads the whole conversation.
    /// </summary>
    public static byte[] CreateOutOfBandResponse(string instructions, string purpose, string eventId) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ResponseCreateEvent
            {
                EventId = eventId,
                Response = new ResponseCreateOptions
                {
                    Instructions = instructions,
                    Conversation = "none",
                    OutputModalities = ["text"],
                    ToolChoice = "none",
                    Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [OutOfBandPurposeKey] = purpose },
                },
            },
            RealtimeJsonContext.Default.ResponseCreateEvent);

    /// <summary>A <c>system</c> message: context for the agent, not a turn of the conversation.</summary>
    public static byte[] SystemMessage(string text) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ConversationItemCreateEvent
            {
                Item = new ConversationMessageItem { Role = "system", Content = [new ConversationContentPart { Type = "input_text", Text = text }] },
            },
            RealtimeJsonContext.Default.ConversationItemCreateEvent);

    /// <summary>A tool's result for the model's function call <paramref name="toolCallId"/>.</summary>
    public static byte[] FunctionOutput(string toolCallId, string output) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new FunctionOutputCreateEvent { Item = new FunctionOutputItem { CallId = toolCallId, Output = output } },
            RealtimeJsonContext.Default.FunctionOutputCreateEvent);

    /// <summary>A replayed turn: the caller's as <c>user</c> <c>input_text</c>, the agent's as <c>assistant</c> <c>output_text</c>.</summary>
    public static byte[] ConversationItem(Speaker speaker, string text) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ConversationItemCreateEvent
            {
                Item = new ConversationMessageItem
                {
                    Role = speaker == Speaker.Caller ? "user" : "assistant",
                    Content = [new ConversationContentPart { Type = speaker == Speaker.Caller ? "input_text" : "output_text", Text = text }],
                },
            },
            RealtimeJsonContext.Default.ConversationItemCreateEvent);
}
