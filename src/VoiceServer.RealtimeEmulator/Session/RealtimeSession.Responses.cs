using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceServer.Audio;
using VoiceServer.RealtimeEmulator.Audio;
using VoiceServer.RealtimeEmulator.Protocol;
using static VoiceServer.RealtimeEmulator.Protocol.JsonChecks;

namespace VoiceServer.RealtimeEmulator.Session;

// The output side: responses that speak the next line of a script in the instructions, echo the caller's turn, or
// chime, sent chunk by chunk so that client events (a cancel, a barge-in) are handled between chunks.
internal sealed partial class RealtimeSession
{
    /// <summary>100 ms of μ-law per <c>response.output_audio.delta</c> (delta sizes are not documented).</summary>
    private const int ResponseChunkBytes = 100 * MuLaw.BytesPerMillisecond;

    private const string EchoTranscript = "(echo)";
    private const string ChimeTranscript = "(chime)";

    private static readonly FrozenSet<string> s_responseCreateKeys = FrozenSet.Create(StringComparer.Ordinal, "type", "event_id", "response");
    private static readonly FrozenSet<string> s_responseCancelKeys = FrozenSet.Create(StringComparer.Ordinal, "type", "event_id", "response_id");

    private ActiveResponse? _activeResponse;
    private string? _warnedOutputFormat;

    /// <summary>How many lines of the instructions' script responses have spoken (a cancelled one counts).</summary>
    private int _scriptLinesSpoken;

    /// <summary>True between <c>response.created</c> and <c>response.done</c>.</summary>
    public bool HasActiveResponse => _activeResponse is not null;

    /// <summary>How long until the active response's next chunk is due (zero: now).</summary>
    public TimeSpan GetResponseChunkDelay()
    {
        if (_activeResponse?.LastChunkTimestamp is not { } last || _options.ResponseChunkInterval <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var remaining = _options.ResponseChunkInterval - _timeProvider.GetElapsedTime(last);
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    /// <summary>Sends the active response's next chunk, and its closing events after the last one.</summary>
    public async ValueTask SendNextResponseChunkAsync(CancellationToken cancellationToken)
    {
        if (_activeResponse is not { } response)
        {
            return;
        }

        if (response.Request.TextOnly)
        {
            response.SentTranscript = response.Request.Transcript;
            await SendAsync("response.output_text.delta", ContentEvent(response, "delta", response.SentTranscript), cancellationToken);
            await FinishResponseAsync(response, "completed", null, cancellationToken);
            return;
        }

        if (response.SentTranscript.Length == 0)
        {
            // The whole (placeholder) transcript goes out with the first chunk, as the real API leads with text.
            response.SentTranscript = response.Request.Transcript;
            await SendAsync("response.output_audio_transcript.delta", ContentEvent(response, "delta", response.SentTranscript), cancellationToken);
        }

        var audio = response.Request.Audio;
        var count = Math.Min(ResponseChunkBytes, audio.Length - response.SentBytes);
        if (count > 0)
        {
            var chunk = audio.Span.Slice(response.SentBytes, count);
            var delta = Convert.ToBase64String(_config.OutputIsChosenPcm ? Pcm24Conversion.FromMuLaw(chunk) : chunk);
            response.SentBytes += count;
            response.LastChunkTimestamp = _timeProvider.GetTimestamp();
            if (response.Item is { } item)
            {
                item.OutputAudioBytes += count;
            }

            await SendAsync("response.output_audio.delta", ContentEvent(response, "delta", delta), cancellationToken);
        }

        if (response.SentBytes >= audio.Length)
        {
            await FinishResponseAsync(response, "completed", null, cancellationToken);
        }
    }

    private async ValueTask<RealtimeError?> CreateResponseAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_responseCreateKeys)
            ?? Optional(root, string.Empty, "response", (value, _) => RealtimeSchema.ValidateResponseCreate(value));
        if (error is not null)
        {
            return error;
        }

        if (_activeResponse is { } active)
        {
            return new RealtimeError(
                "conversation_already_has_active_response",
                $"Conversation already has an active response in progress: {active.Id}. Wait until the response is finished before creating a new one.",
                null);
        }

        // The schema takes "response": null as no overrides, as it takes an absent one.
        var hasOverrides = root.TryGetProperty("response", out var overrides) && overrides.ValueKind == JsonValueKind.Object;
        var outOfBand = hasOverrides && overrides.TryGetProperty("conversation", out var target) && target.GetString() == "none";
        ResponseRequest request;
        if (outOfBand)
        {
            // A response outside the conversation answers nobody: the caller's unanswered turn waits for its own reply.
            request = new ResponseRequest("out-of-band", Chime.Audio, OutOfBandText(), _config.OutputsText, InConversation: false, _config.Instructions, Metadata: null);
        }
        else
        {
            request = NextScriptedResponse()
                ?? (_unansweredTurn is { } turn
                    ? ResponseRequest.Echo(turn, _config)
                    : new ResponseRequest("chime", Chime.Audio, ChimeTranscript, _config.OutputsText, InConversation: true, _config.Instructions, Metadata: null));
            _unansweredTurn = null;
        }

        if (hasOverrides)
        {
            if (overrides.TryGetProperty("output_modalities", out var modalities))
            {
                request = request with { TextOnly = modalities[0].GetString() == "text" };
            }

            if (overrides.TryGetProperty("instructions", out var instructions))
            {
                // There is no model to follow them; they only count towards usage.
                request = request with { Instructions = instructions.GetString()! };
                Log.ResponseInstructionsIgnored(_logger, request.Instructions.Length);
            }

            if (overrides.TryGetProperty("conversation", out var conversation))
            {
                request = request with { InConversation = conversation.GetString() != "none" };
            }

            if (overrides.TryGetProperty("metadata", out var metadata))
            {
                request = request with { Metadata = JsonNode.Parse(metadata.GetRawText()) };
            }
        }

        await StartResponseAsync(request, cancellationToken);
        return null;
    }

    /// <summary>
    /// What an out-of-band response says: there is no model to summarise anything, so a placeholder that names what it
    /// read (the conversation's items), which is enough for a client to see the round trip work.
    /// </summary>
    private string OutOfBandText() => $"(out-of-band response: the emulator read {_conversation.Count} conversation item(s))";

    private async ValueTask<RealtimeError?> CancelResponseAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_responseCancelKeys) ?? Optional(root, string.Empty, "response_id", String);
        if (error is not null)
        {
            return error;
        }

        var requestedId = root.TryGetProperty("response_id", out var id) ? id.GetString() : null;
        if (_activeResponse is not { } active || (requestedId is not null && requestedId != active.Id))
        {
            return new RealtimeError("response_cancel_not_active", "Cancellation failed: no active response found", null);
        }

        await FinishResponseAsync(active, "cancelled", "client_cancelled", cancellationToken);
        return null;
    }

    /// <summary>The script's next line as a response, while the instructions hold a script with lines left.</summary>
    private ResponseRequest? NextScriptedResponse()
    {
        var script = CallerScript.Parse(_config.Instructions);
        if (_scriptLinesSpoken >= script.Count)
        {
            return null;
        }

        var line = script[_scriptLinesSpoken++];
        return new ResponseRequest("script", SpokenLine.Synthesize(line), line, _config.OutputsText, InConversation: true, _config.Instructions, Metadata: null);
    }

    private async ValueTask StartResponseAsync(ResponseRequest request, CancellationToken cancellationToken)
    {
        if (!request.TextOnly && _config.OutputFormat != RealtimeSchema.FormatPcmu && !_config.OutputIsChosenPcm && _config.OutputFormat != _warnedOutputFormat)
        {
            _warnedOutputFormat = _config.OutputFormat;
            Log.NotMuLaw(_logger, "output", _config.OutputFormat);
        }

        var response = new ActiveResponse(RealtimeIds.Response(), RealtimeIds.Item(), request);
        _activeResponse = response;
        Log.ResponseStarted(_logger, response.Id, request.Source, request.Audio.Length / MuLaw.BytesPerMillisecond);

        await SendAsync("response.created", new JsonObject { ["response"] = ResponseJson(response, "in_progress", null, [], null) }, cancellationToken);
        await SendAsync("rate_limits.updated", RateLimits(), cancellationToken);

        var item = AssistantItemJson(response, "in_progress", withContent: false);
        await SendAsync(
            "response.output_item.added",
            new JsonObject { ["response_id"] = response.Id, ["output_index"] = 0, ["item"] = item.DeepClone() },
            cancellationToken);

        if (request.InConversation)
        {
            response.Item = new ConversationItem
            {
                Id = response.ItemId,
                Type = "message",
                Role = "assistant",
                HasOutputAudio = !request.TextOnly,
                Json = item.DeepClone().AsObject(),
            };
            response.PreviousItemId = _conversation.Append(response.Item);
            await SendAsync(
                "conversation.item.added",
                new JsonObject { ["previous_item_id"] = response.PreviousItemId, ["item"] = item },
                cancellationToken);
        }

        await SendAsync("response.content_part.added", ContentEvent(response, "part", PartJson(response)), cancellationToken);
    }

    /// <summary>Closes the response: every "done" event, as the real API sends them for a cancel too.</summary>
    private async ValueTask FinishResponseAsync(ActiveResponse response, string status, string? reason, CancellationToken cancellationToken)
    {
        _activeResponse = null;
        if (response.Request.TextOnly)
        {
            await SendAsync("response.output_text.done", ContentEvent(response, "text", response.SentTranscript), cancellationToken);
        }
        else
        {
            await SendAsync("response.output_audio.done", ContentEvent(response), cancellationToken);
            await SendAsync("response.output_audio_transcript.done", ContentEvent(response, "transcript", response.SentTranscript), cancellationToken);
        }

        await SendAsync("response.content_part.done", ContentEvent(response, "part", PartJson(response)), cancellationToken);

        var item = AssistantItemJson(response, status == "completed" ? "completed" : "incomplete", withContent: true);
        await SendAsync(
            "response.output_item.done",
            new JsonObject { ["response_id"] = response.Id, ["output_index"] = 0, ["item"] = item.DeepClone() },
            cancellationToken);

        if (response.Item is { } conversationItem)
        {
            conversationItem.Json = item.DeepClone().AsObject();
            await SendAsync(
                "conversation.item.done",
                new JsonObject { ["previous_item_id"] = response.PreviousItemId, ["item"] = item.DeepClone() },
                cancellationToken);
        }

        var details = reason is null ? null : new JsonObject { ["type"] = status, ["reason"] = reason };
        await SendAsync(
            "response.done",
            new JsonObject { ["response"] = ResponseJson(response, status, details, [item], Usage(response)) },
            cancellationToken);
        Log.ResponseFinished(_logger, response.Id, status, reason ?? "none", response.SentBytes / MuLaw.BytesPerMillisecond);
    }

    private JsonObject ResponseJson(ActiveResponse response, string status, JsonObject? details, JsonArray output, JsonObject? usage) => new()
    {
        ["object"] = "realtime.response",
        ["id"] = response.Id,
        ["status"] = status,
        ["status_details"] = details,
        ["output"] = output,
        ["conversation_id"] = response.Request.InConversation ? _conversationId : null,
        ["output_modalities"] = new JsonArray(response.Request.TextOnly ? "text" : "audio"),
        ["max_output_tokens"] = "inf",
        ["audio"] = new JsonObject
        {
            ["output"] = new JsonObject { ["format"] = _config.OutputFormatJson(), ["voice"] = _config.VoiceJson() },
        },
        ["usage"] = usage,
        ["metadata"] = response.Request.Metadata?.DeepClone(),
    };

    private static JsonObject AssistantItemJson(ActiveResponse response, string status, bool withContent) => new()
    {
        ["id"] = response.ItemId,
        ["object"] = "realtime.item",
        ["type"] = "message",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = withContent
            ? new JsonArray(response.Request.TextOnly
                ? new JsonObject { ["type"] = "output_text", ["text"] = response.SentTranscript }
                : new JsonObject { ["type"] = "output_audio", ["transcript"] = response.SentTranscript })
            : new JsonArray(),
    };

    private static JsonObject PartJson(ActiveResponse response) => response.Request.TextOnly
        ? new JsonObject { ["type"] = "text", ["text"] = response.SentTranscript }
        : new JsonObject { ["type"] = "audio", ["transcript"] = response.SentTranscript };

    /// <summary>The ids every content-level event carries, plus one optional field.</summary>
    private static JsonObject ContentEvent(ActiveResponse response, string? name = null, JsonNode? value = null)
    {
        var body = new JsonObject
        {
            ["response_id"] = response.Id,
            ["item_id"] = response.ItemId,
            ["output_index"] = 0,
            ["content_index"] = 0,
        };
        if (name is not null)
        {
            body[name] = value;
        }

        return body;
    }

    private JsonObject Usage(ActiveResponse response)
    {
        // Rough figures in the real proportions (about 10 audio tokens per second in, 20 out, 4 characters per
        // text token), so usage dashboards have something plausible to show.
        var inputAudio = _conversation.InputAudioBytes / MuLaw.BytesPerMillisecond / 100;
        var inputText = (response.Request.Instructions.Length + 3) / 4;
        var outputAudio = response.SentBytes / MuLaw.BytesPerMillisecond / 50;
        var outputText = (response.SentTranscript.Length + 3) / 4;
        return new JsonObject
        {
            ["total_tokens"] = inputAudio + inputText + outputAudio + outputText,
            ["input_tokens"] = inputAudio + inputText,
            ["output_tokens"] = outputAudio + outputText,
            ["input_token_details"] = new JsonObject
            {
                ["text_tokens"] = inputText,
                ["audio_tokens"] = inputAudio,
                ["image_tokens"] = 0,
                ["cached_tokens"] = 0,
                ["cached_tokens_details"] = new JsonObject { ["text_tokens"] = 0, ["audio_tokens"] = 0, ["image_tokens"] = 0 },
            },
            ["output_token_details"] = new JsonObject { ["text_tokens"] = outputText, ["audio_tokens"] = outputAudio },
        };
    }

    private static JsonObject RateLimits() => new()
    {
        ["rate_limits"] = new JsonArray(
            new JsonObject { ["name"] = "requests", ["limit"] = 5000, ["remaining"] = 4999, ["reset_seconds"] = 0.012 },
            new JsonObject { ["name"] = "tokens", ["limit"] = 800000, ["remaining"] = 795000, ["reset_seconds"] = 0.375 }),
    };

    /// <summary>What a response will say.</summary>
    /// <param name="Source">"script", "echo", "chime" or "out-of-band", for logs.</param>
    /// <param name="Audio">μ-law to send (ignored for a text-only response).</param>
    /// <param name="Transcript">The placeholder transcript (or text).</param>
    /// <param name="TextOnly"><c>output_modalities: ["text"]</c>.</param>
    /// <param name="InConversation">False for <c>conversation: "none"</c> (out-of-band) responses.</param>
    /// <param name="Instructions">Effective instructions, for usage only.</param>
    /// <param name="Metadata">Echoed on the response object.</param>
    private sealed record ResponseRequest(
        string Source,
        ReadOnlyMemory<byte> Audio,
        string Transcript,
        bool TextOnly,
        bool InConversation,
        string Instructions,
        JsonNode? Metadata)
    {
        public static ResponseRequest Echo(byte[] turn, SessionConfig config) =>
            new("echo", turn, EchoTranscript, config.OutputsText, InConversation: true, config.Instructions, Metadata: null);
    }

    private sealed class ActiveResponse(string id, string itemId, ResponseRequest request)
    {
        public string Id { get; } = id;

        public string ItemId { get; } = itemId;

        public ResponseRequest Request { get; } = request;

        /// <summary>The assistant item in the conversation; null for an out-of-band response.</summary>
        public ConversationItem? Item { get; set; }

        public string? PreviousItemId { get; set; }

        public int SentBytes { get; set; }

        public string SentTranscript { get; set; } = string.Empty;

        public long? LastChunkTimestamp { get; set; }
    }
}
