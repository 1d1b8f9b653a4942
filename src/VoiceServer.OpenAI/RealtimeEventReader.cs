using System.Text.Json;
using VoiceServer.Json;
using VoiceServer.Legs;
using VoiceServer.Records;

namespace VoiceServer.OpenAI;

/// <summary>
/// Reads Realtime server events with <see cref="Utf8JsonReader"/>. Audio deltas are read without allocation;
/// the rare structured events (session, error, response) are parsed from their object with <see cref="JsonDocument"/>.
/// </summary>
internal static class RealtimeEventReader
{
    public static bool TryRead(ReadOnlySpan<byte> json, Span<byte> scratch, out RealtimeServerEvent serverEvent, out string? problem)
    {
        serverEvent = default;
        problem = null;
        var scratchUsed = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    serverEvent.Type = ReadType(ref reader);
                }
                else if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    serverEvent.Delta = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("response_id"u8))
                {
                    reader.Read();
                    serverEvent.ResponseId = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                }
                else if (reader.ValueTextEquals("item_id"u8))
                {
                    reader.Read();
                    serverEvent.ItemId = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                }
                else if (reader.ValueTextEquals("previous_item_id"u8))
                {
                    reader.Read();
                    serverEvent.PreviousItemId = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                }
                else if (reader.ValueTextEquals("transcript"u8))
                {
                    reader.Read();
                    serverEvent.Transcript = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("call_id"u8))
                {
                    reader.Read();
                    serverEvent.CallId = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    serverEvent.Name = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("arguments"u8))
                {
                    reader.Read();
                    serverEvent.Arguments = JsonStrings.Read(json, ref reader, scratch, ref scratchUsed);
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("content_index"u8))
                {
                    reader.Read();
                    serverEvent.ContentIndex = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var index) ? index : 0;
                }
                else if (reader.ValueTextEquals("session"u8) || reader.ValueTextEquals("error"u8) || reader.ValueTextEquals("response"u8) || reader.ValueTextEquals("item"u8))
                {
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    serverEvent.Body = json[start..(int)reader.BytesConsumed];
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            problem = "malformed JSON";
            return false;
        }

        if (serverEvent.Type == RealtimeEventType.AudioDelta && (serverEvent.Delta.IsEmpty || serverEvent.ResponseId.IsEmpty || serverEvent.ItemId.IsEmpty))
        {
            problem = "response.output_audio.delta without delta, response_id or item_id";
            return false;
        }

        return true;
    }

    private static RealtimeEventType ReadType(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return RealtimeEventType.Other;
        }

        // Most frequent first.
        return reader.ValueTextEquals("response.output_audio.delta"u8) ? RealtimeEventType.AudioDelta
            : reader.ValueTextEquals("response.output_audio_transcript.delta"u8) ? RealtimeEventType.OutputTranscriptDelta
            : reader.ValueTextEquals("response.output_audio.done"u8) ? RealtimeEventType.AudioDone
            : reader.ValueTextEquals("response.output_audio_transcript.done"u8) ? RealtimeEventType.OutputTranscriptDone
            : reader.ValueTextEquals("input_audio_buffer.speech_started"u8) ? RealtimeEventType.SpeechStarted
            : reader.ValueTextEquals("input_audio_buffer.speech_stopped"u8) ? RealtimeEventType.SpeechStopped
            : reader.ValueTextEquals("response.created"u8) ? RealtimeEventType.ResponseCreated
            : reader.ValueTextEquals("response.done"u8) ? RealtimeEventType.ResponseDone
            : reader.ValueTextEquals("session.created"u8) ? RealtimeEventType.SessionCreated
            : reader.ValueTextEquals("session.updated"u8) ? RealtimeEventType.SessionUpdated
            : reader.ValueTextEquals("input_audio_buffer.committed"u8) ? RealtimeEventType.InputCommitted
            : reader.ValueTextEquals("conversation.item.input_audio_transcription.completed"u8) ? RealtimeEventType.InputTranscriptCompleted
            : reader.ValueTextEquals("response.function_call_arguments.done"u8) ? RealtimeEventType.FunctionCallDone
            : reader.ValueTextEquals("conversation.item.added"u8) ? RealtimeEventType.ItemAdded
            : reader.ValueTextEquals("conversation.item.created"u8) ? RealtimeEventType.ItemAdded
            : reader.ValueTextEquals("conversation.item.deleted"u8) ? RealtimeEventType.ItemDeleted
            : reader.ValueTextEquals("error"u8) ? RealtimeEventType.Error
            : RealtimeEventType.Other;
    }

    /// <summary>The parts of a confirmed session the call checks (GA: <c>session.audio.*</c>).</summary>
    public static ModelSessionState ReadSession(ReadOnlySpan<byte> body)
    {
        using var document = ParseObject(body);
        var audio = document is null ? default : Property(document.RootElement, "audio");
        var input = Property(audio, "input");
        var output = Property(audio, "output");
        var inputFormat = String(Property(Property(input, "format"), "type"));
        var outputFormat = String(Property(Property(output, "format"), "type"));
        var inputRate = Property(Property(input, "format"), "rate");
        var outputRate = Property(Property(output, "format"), "rate");
        var interrupt = Property(Property(input, "turn_detection"), "interrupt_response");
        return new ModelSessionState(
            InputIsMuLaw: inputFormat == RealtimeAudioFormat.MuLawType,
            OutputIsMuLaw: outputFormat == RealtimeAudioFormat.MuLawType,
            inputFormat,
            outputFormat,
            String(Property(output, "voice")),
            interrupt.ValueKind is JsonValueKind.True or JsonValueKind.False ? interrupt.GetBoolean() : null,
            InputIsPcm24: IsPcm24(inputFormat, inputRate),
            OutputIsPcm24: IsPcm24(outputFormat, outputRate));
    }

    // audio/pcm has one rate today; an absent rate means it.
    private static bool IsPcm24(string? type, JsonElement rate) =>
        type == RealtimeAudioFormat.PcmType &&
        (rate.ValueKind == JsonValueKind.Undefined || (rate.ValueKind == JsonValueKind.Number && rate.TryGetInt32(out var hz) && hz == RealtimeAudioFormat.PcmRate));

    public static ModelError ReadError(ReadOnlySpan<byte> body)
    {
        using var document = ParseObject(body);
        var root = document?.RootElement ?? default;
        return new ModelError(
            String(Property(root, "type")),
            String(Property(root, "code")),
            String(Property(root, "message")),
            String(Property(root, "param")),
            String(Property(root, "event_id")));
    }

    /// <summary>
    /// A conversation item (<c>conversation.item.added</c>): its id, what kind it is (a message by role and by whether
    /// its content is text, which only a client adds, or audio), and the <c>call_id</c> of a function call or output.
    /// </summary>
    public static (string? Id, ModelItemKind Kind, string? CallId) ReadItem(ReadOnlySpan<byte> body)
    {
        using var document = ParseObject(body);
        var root = document?.RootElement ?? default;
        var kind = String(Property(root, "type")) switch
        {
            "function_call" => ModelItemKind.FunctionCall,
            "function_call_output" => ModelItemKind.FunctionCallOutput,
            "message" => String(Property(root, "role")) switch
            {
                "user" => HasContent(root, "input_text") ? ModelItemKind.UserText : ModelItemKind.UserAudio,
                // The model's own items arrive with their content still empty: only a client's carry output_text.
                "assistant" => HasContent(root, "output_text") ? ModelItemKind.AssistantText : ModelItemKind.AssistantAudio,
                "system" => ModelItemKind.System,
                _ => ModelItemKind.Other,
            },
            _ => ModelItemKind.Other,
        };
        return (String(Property(root, "id")), kind, String(Property(root, "call_id")));
    }

    private static bool HasContent(JsonElement item, string type)
    {
        var content = Property(item, "content");
        if (content.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var part in content.EnumerateArray())
        {
            if (String(Property(part, "type")) == type)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A response (<c>response.created</c>, <c>response.done</c>): its id, status, for a failed one the type of its
    /// error (<c>status_details.error.type</c>, e.g. <c>server_error</c>), and the tokens it billed (<c>usage</c>).
    /// </summary>
    /// <remarks>
    /// <c>Purpose</c> is our out-of-band tag from the response's <c>metadata</c> (null for the conversation's own
    /// responses); for such a response <c>Text</c> is the text of its <c>output_text</c> parts, in order.
    /// </remarks>
    public static (string? Id, string? Status, string? ErrorType, ModelUsage? Usage, string? Purpose, string? Text) ReadResponse(ReadOnlySpan<byte> body)
    {
        using var document = ParseObject(body);
        var root = document?.RootElement ?? default;
        var usage = Property(root, "usage");
        ModelUsage? tokens = null;
        if (usage.ValueKind == JsonValueKind.Object)
        {
            var input = Property(usage, "input_token_details");
            var cached = Property(input, "cached_tokens_details");
            var output = Property(usage, "output_token_details");
            tokens = new ModelUsage(
                Number(Property(input, "text_tokens")),
                Number(Property(input, "audio_tokens")),
                Number(Property(cached, "text_tokens")),
                Number(Property(cached, "audio_tokens")),
                Number(Property(output, "text_tokens")),
                Number(Property(output, "audio_tokens")));
        }

        var purpose = String(Property(Property(root, "metadata"), RealtimeEventWriter.OutOfBandPurposeKey));
        return (
            String(Property(root, "id")),
            String(Property(root, "status")),
            String(Property(Property(Property(root, "status_details"), "error"), "type")),
            tokens,
            purpose,
            purpose is null ? null : OutputText(Property(root, "output")));
    }

    /// <summary>The text of every <c>output_text</c> part of the response's message items; null when there is none.</summary>
    private static string? OutputText(JsonElement output)
    {
        if (output.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var text = new System.Text.StringBuilder();
        foreach (var item in output.EnumerateArray())
        {
            var content = Property(item, "content");
            if (String(Property(item, "type")) != "message" || content.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var part in content.EnumerateArray())
            {
                if (String(Property(part, "type")) == "output_text" && String(Property(part, "text")) is { } value)
                {
                    text.Append(value);
                }
            }
        }

        return text.Length == 0 ? null : text.ToString();
    }

    private static long Number(JsonElement element) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var value) && value > 0 ? value : 0;

    private static JsonDocument? ParseObject(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        var reader = new Utf8JsonReader(body);
        return JsonDocument.TryParseValue(ref reader, out var document) && document.RootElement.ValueKind == JsonValueKind.Object ? document : null;
    }

    private static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    private static string? String(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.GetString() : null;
}
