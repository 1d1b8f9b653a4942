using System.Globalization;
using System.Text.Json.Nodes;
using VoiceServer.RealtimeEmulator.Protocol;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Fakes;

/// <summary>How the fake reacts to client events: as strictly as the real API (docs/reference/openai-realtime.md §2–3, §6).</summary>
public sealed partial class FakeRealtimeConnection
{
    // Manual commits need at least 100 ms of audio.
    private const int MinimumCommitMilliseconds = 100;

    private static readonly string[] s_clientEventTypes =
    [
        "session.update", "input_audio_buffer.append", "input_audio_buffer.commit", "input_audio_buffer.clear",
        "conversation.item.create", "conversation.item.retrieve", "conversation.item.truncate", "conversation.item.delete",
        "response.create", "response.cancel",
    ];

    private static readonly string[] s_itemTypes = ["message", "function_call", "function_call_output"];
    private static readonly string[] s_roles = ["user", "assistant", "system"];
    private static readonly string[] s_itemKeys = ["id", "type", "object", "status", "role", "content", "call_id", "output", "name", "arguments"];
    private static readonly string[] s_contentKeys = ["type", "text", "audio", "transcript", "image_url", "detail"];

    private async Task HandleClientEventAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        string? eventId = null;
        RealtimeError? error = null;
        if (clientEvent.ContainsKey("event_id"))
        {
            if (!FakeJson.IsString(clientEvent["event_id"], out var id))
            {
                error = RealtimeError.InvalidType("event_id", "a string", clientEvent["event_id"]);
            }
            else if (id.Length > 512)
            {
                error = new RealtimeError("string_above_max_length", "Invalid 'event_id': string too long. Expected a string with maximum length 512.", "event_id");
            }
            else
            {
                eventId = id;
            }
        }

        if (error is null && !clientEvent.ContainsKey("type"))
        {
            error = RealtimeError.MissingParameter("type");
        }
        else if (error is null && !FakeJson.IsString(clientEvent["type"], out _))
        {
            error = RealtimeError.InvalidType("type", "a string", clientEvent["type"]);
        }

        if (error is null)
        {
            var type = clientEvent["type"]!.GetValue<string>();
            error = type switch
            {
                "session.update" => await SessionUpdateAsync(clientEvent, cancellationToken),
                "input_audio_buffer.append" => Append(clientEvent),
                "input_audio_buffer.commit" => await CommitAsync(clientEvent, cancellationToken),
                "input_audio_buffer.clear" => await ClearInputAsync(clientEvent, cancellationToken),
                "conversation.item.create" => await CreateItemAsync(clientEvent, cancellationToken),
                "conversation.item.retrieve" => await RetrieveItemAsync(clientEvent, cancellationToken),
                "conversation.item.truncate" => await TruncateAsync(clientEvent, cancellationToken),
                "conversation.item.delete" => await DeleteItemAsync(clientEvent, cancellationToken),
                "response.create" => await CreateResponseAsync(clientEvent, cancellationToken),
                "response.cancel" => await CancelResponseAsync(clientEvent, cancellationToken),
                // output_audio_buffer.clear is WebRTC/SIP only; beta names (response.audio.delta, …) are gone.
                _ => RealtimeError.InvalidValue("type", type, s_clientEventTypes),
            };
        }

        if (error is not null)
        {
            await SendErrorCoreAsync(error, eventId, record: true, cancellationToken);
        }
    }

    private async Task<RealtimeError?> SessionUpdateAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _sessionUpdates.Add(clientEvent);
        }

        var error = CheckKeys(clientEvent, "session")
            ?? RealtimeSchema.ValidateSession(clientEvent["session"], clientEvent.ContainsKey("session"));
        if (error is not null)
        {
            return error;
        }

        var update = (JsonObject)clientEvent["session"]!;
        if (update.Select(p => p.Key).FirstOrDefault(_options.UnsupportedSessionKeys.Contains) is { } unsupported)
        {
            return RealtimeError.UnknownParameter($"session.{unsupported}");
        }

        if (_options.IgnoreSessionUpdates)
        {
            return null;
        }

        JsonObject effective;
        lock (_gate)
        {
            var requestedVoice = update["audio"]?["output"]?["voice"];
            var currentVoice = _session["audio"]?["output"]?["voice"];
            if (requestedVoice is not null && _assistantAudioSent && !JsonNode.DeepEquals(requestedVoice, currentVoice))
            {
                // The voice is fixed once the model has spoken in the session.
                return new RealtimeError(
                    "cannot_update_voice", "Cannot update a conversation's voice if assistant audio is present.", "session.audio.output.voice");
            }

            FakeRealtimeSession.Merge(_session, update);
            if (_options.SessionUpdatedFormatOverride is { } format)
            {
                _session["audio"]!["input"]!["format"] = RealtimeSchema.Format(format);
                _session["audio"]!["output"]!["format"] = RealtimeSchema.Format(format);
            }

            effective = (JsonObject)_session.DeepClone();
        }

        await SendEventAsync(new JsonObject { ["type"] = "session.updated", ["session"] = effective }, cancellationToken);
        return null;
    }

    private RealtimeError? Append(JsonObject clientEvent)
    {
        var error = CheckKeys(clientEvent, "audio");
        if (error is not null)
        {
            return error;
        }

        if (!clientEvent.ContainsKey("audio"))
        {
            return RealtimeError.MissingParameter("audio");
        }

        if (!FakeJson.IsString(clientEvent["audio"], out var base64))
        {
            return RealtimeError.InvalidType("audio", "a string", clientEvent["audio"]);
        }

        byte[] audio;
        try
        {
            audio = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return new RealtimeError("invalid_value", "Invalid 'audio'. Expected base64-encoded audio bytes.", "audio");
        }

        lock (_gate)
        {
            _receivedAudio.Write(audio);
            _appendCount++;
            _inputBufferBytes += audio.Length;
        }

        return null;
    }

    private async Task<RealtimeError?> CommitAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        var error = CheckKeys(clientEvent);
        if (error is not null)
        {
            return error;
        }

        double milliseconds;
        string itemId;
        string? previous;
        lock (_gate)
        {
            milliseconds = (double)_inputBufferBytes / InputBytesPerMillisecond();
            if (milliseconds < MinimumCommitMilliseconds)
            {
                return new RealtimeError(
                    "input_audio_buffer_commit_empty",
                    $"Error committing input audio buffer: buffer too small. Expected at least {MinimumCommitMilliseconds}ms of audio, but buffer only has {milliseconds.ToString("0.00", CultureInfo.InvariantCulture)}ms of audio.",
                    null);
            }

            _inputBufferBytes = 0;
            itemId = RealtimeIds.Item();
            previous = AddConversationItem(itemId);
        }

        await SendEventAsync(
            new JsonObject { ["type"] = "input_audio_buffer.committed", ["previous_item_id"] = previous, ["item_id"] = itemId },
            cancellationToken);
        await SendUserAudioItemAsync(itemId, previous, cancellationToken);
        return null;
    }

    private async Task<RealtimeError?> ClearInputAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        var error = CheckKeys(clientEvent);
        if (error is not null)
        {
            return error;
        }

        lock (_gate)
        {
            _inputBufferBytes = 0;
        }

        await SendEventAsync(new JsonObject { ["type"] = "input_audio_buffer.cleared" }, cancellationToken);
        return null;
    }

    private async Task<RealtimeError?> CreateItemAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        var error = CheckKeys(clientEvent, "previous_item_id", "item");
        if (error is not null)
        {
            return error;
        }

        if (!clientEvent.ContainsKey("item"))
        {
            return RealtimeError.MissingParameter("item");
        }

        if (clientEvent["item"] is not JsonObject item)
        {
            return RealtimeError.InvalidType("item", "an object", clientEvent["item"]);
        }

        error = ValidateItem(item);
        if (error is not null)
        {
            return error;
        }

        var previousNode = clientEvent["previous_item_id"];
        string? requestedPrevious = null;
        if (previousNode is not null && !FakeJson.IsString(previousNode, out requestedPrevious))
        {
            return RealtimeError.InvalidType("previous_item_id", "a string", previousNode);
        }

        var created = (JsonObject)item.DeepClone();
        string? previous;
        lock (_gate)
        {
            if (requestedPrevious is not null && requestedPrevious != "root" && !_conversationItems.Contains(requestedPrevious))
            {
                return new RealtimeError("invalid_value", $"Previous item with id '{requestedPrevious}' not found.", "previous_item_id");
            }

            var type = item["type"]!.GetValue<string>();
            if (type == "function_call_output")
            {
                var callId = item["call_id"]!.GetValue<string>();
                if (!_callIds.Contains(callId))
                {
                    return new RealtimeError("invalid_value", $"Tool call ID '{callId}' not found in conversation.", "item.call_id");
                }
            }
            else if (type == "function_call")
            {
                _callIds.Add(item["call_id"]!.GetValue<string>());
            }

            var id = FakeJson.IsString(item["id"], out var givenId) ? givenId : RealtimeIds.Item();
            created["id"] = id;
            created["object"] = "realtime.item";
            created["status"] = "completed";
            previous = AddConversationItem(id);
        }

        await SendEventAsync(
            new JsonObject { ["type"] = "conversation.item.added", ["previous_item_id"] = previous, ["item"] = created.DeepClone() },
            cancellationToken);
        await SendEventAsync(
            new JsonObject { ["type"] = "conversation.item.done", ["previous_item_id"] = previous, ["item"] = created },
            cancellationToken);
        return null;
    }

    private static RealtimeError? ValidateItem(JsonObject item)
    {
        foreach (var (key, _) in item)
        {
            if (!s_itemKeys.Contains(key, StringComparer.Ordinal))
            {
                return RealtimeError.UnknownParameter($"item.{key}");
            }
        }

        if (!item.ContainsKey("type"))
        {
            return RealtimeError.MissingParameter("item.type");
        }

        if (!FakeJson.IsString(item["type"], out var type))
        {
            return RealtimeError.InvalidType("item.type", "a string", item["type"]);
        }

        return type switch
        {
            "message" => ValidateMessage(item),
            "function_call_output" => RequireStrings(item, "call_id", "output"),
            "function_call" => RequireStrings(item, "call_id", "name", "arguments"),
            _ => RealtimeError.InvalidValue("item.type", type, s_itemTypes),
        };
    }

    private static RealtimeError? ValidateMessage(JsonObject item)
    {
        if (!item.ContainsKey("role"))
        {
            return RealtimeError.MissingParameter("item.role");
        }

        if (!FakeJson.IsString(item["role"], out var role) || !s_roles.Contains(role, StringComparer.Ordinal))
        {
            return FakeJson.IsString(item["role"], out var text)
                ? RealtimeError.InvalidValue("item.role", text, s_roles)
                : RealtimeError.InvalidType("item.role", "a string", item["role"]);
        }

        if (item["content"] is not JsonArray content)
        {
            return item.ContainsKey("content")
                ? RealtimeError.InvalidType("item.content", "an array", item["content"])
                : RealtimeError.MissingParameter("item.content");
        }

        // Assistant audio cannot be created by the client; replayed assistant turns are output_text.
        string[] allowed = role switch
        {
            "user" => ["input_text", "input_audio", "input_image"],
            "system" => ["input_text"],
            _ => ["output_text"],
        };
        for (var i = 0; i < content.Count; i++)
        {
            var path = $"item.content[{i}]";
            if (content[i] is not JsonObject part)
            {
                return RealtimeError.InvalidType(path, "an object", content[i]);
            }

            foreach (var (key, _) in part)
            {
                if (!s_contentKeys.Contains(key, StringComparer.Ordinal))
                {
                    return RealtimeError.UnknownParameter($"{path}.{key}");
                }
            }

            if (!FakeJson.IsString(part["type"], out var partType))
            {
                return part.ContainsKey("type") ? RealtimeError.InvalidType($"{path}.type", "a string", part["type"]) : RealtimeError.MissingParameter($"{path}.type");
            }

            if (!allowed.Contains(partType, StringComparer.Ordinal))
            {
                return RealtimeError.InvalidValue($"{path}.type", partType, allowed);
            }

            if (partType is "input_text" or "output_text" && !FakeJson.IsString(part["text"], out _))
            {
                return part.ContainsKey("text") ? RealtimeError.InvalidType($"{path}.text", "a string", part["text"]) : RealtimeError.MissingParameter($"{path}.text");
            }
        }

        return null;
    }

    private static RealtimeError? RequireStrings(JsonObject item, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (!item.ContainsKey(key))
            {
                return RealtimeError.MissingParameter($"item.{key}");
            }

            if (!FakeJson.IsString(item[key], out _))
            {
                return RealtimeError.InvalidType($"item.{key}", "a string", item[key]);
            }
        }

        return null;
    }

    private async Task<RealtimeError?> RetrieveItemAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        var itemIdError = RequireItemId(clientEvent, out var itemId);
        var error = CheckKeys(clientEvent, "item_id") ?? itemIdError;
        if (error is not null)
        {
            return error;
        }

        JsonObject item;
        lock (_gate)
        {
            if (!_conversationItems.Contains(itemId))
            {
                return ItemNotFound(itemId);
            }

            item = _items.TryGetValue(itemId, out var assistant)
                ? ItemJson(assistant, "completed")
                : new JsonObject { ["id"] = itemId, ["object"] = "realtime.item", ["status"] = "completed" };
        }

        await SendEventAsync(new JsonObject { ["type"] = "conversation.item.retrieved", ["item"] = item }, cancellationToken);
        return null;
    }

    private async Task<RealtimeError?> DeleteItemAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        var itemIdError = RequireItemId(clientEvent, out var itemId);
        var error = CheckKeys(clientEvent, "item_id") ?? itemIdError;
        if (error is not null)
        {
            return error;
        }

        lock (_gate)
        {
            if (_holdItemDeletes)
            {
                return null;
            }

            if (!_conversationItems.Remove(itemId))
            {
                return ItemNotFound(itemId);
            }

            _deletedItems.Add(itemId);
            if (_items.TryGetValue(itemId, out var deleted) && deleted.CallId is { } callId)
            {
                // An output for a call no longer in the conversation is refused like one for an invented call.
                _callIds.Remove(callId);
            }
        }

        await SendEventAsync(new JsonObject { ["type"] = "conversation.item.deleted", ["item_id"] = itemId }, cancellationToken);
        return null;
    }

    /// <summary>
    /// <c>audio_end_ms</c> must be an integer, at least 0, and no more than the audio generated for the item
    /// (bytes sent in its deltas ÷ 8); otherwise <c>invalid_value</c> (docs/reference/openai-realtime.md §3, barge-in §3.2).
    /// </summary>
    private async Task<RealtimeError?> TruncateAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        var itemIdError = RequireItemId(clientEvent, out var itemId);
        var error = CheckKeys(clientEvent, "item_id", "content_index", "audio_end_ms") ?? itemIdError;
        if (error is not null)
        {
            return error;
        }

        if (!clientEvent.ContainsKey("content_index"))
        {
            return RealtimeError.MissingParameter("content_index");
        }

        if (!FakeJson.IsInteger(clientEvent["content_index"], out var contentIndex))
        {
            return RealtimeError.InvalidType("content_index", "an integer", clientEvent["content_index"]);
        }

        if (contentIndex < 0)
        {
            return RealtimeError.BelowMinimum("content_index", 0, contentIndex, isInteger: true);
        }

        if (!clientEvent.ContainsKey("audio_end_ms"))
        {
            return RealtimeError.MissingParameter("audio_end_ms");
        }

        var endNode = clientEvent["audio_end_ms"];
        if (!FakeJson.IsInteger(endNode, out var audioEndMs))
        {
            // A fractional value is the classic bug; the API rejects it as an invalid value.
            return FakeJson.IsNumber(endNode, out _)
                ? new RealtimeError("invalid_value", $"Invalid value for 'audio_end_ms': expected an integer, but got {endNode!.ToJsonString()} instead.", "audio_end_ms")
                : RealtimeError.InvalidType("audio_end_ms", "an integer", endNode);
        }

        if (audioEndMs < 0)
        {
            return RealtimeError.BelowMinimum("audio_end_ms", 0, audioEndMs, isInteger: true);
        }

        lock (_gate)
        {
            if (!_items.TryGetValue(itemId, out var item) || item.Type != "message")
            {
                return _conversationItems.Contains(itemId)
                    ? new RealtimeError("invalid_value", $"Only assistant audio items can be truncated; '{itemId}' is not one.", "item_id")
                    : ItemNotFound(itemId);
            }

            var generatedBytes = item.AudioBytes.GetValueOrDefault((int)contentIndex);
            if (audioEndMs * MulawBytesPerMillisecond > generatedBytes)
            {
                return new RealtimeError(
                    "invalid_value",
                    $"Audio content of {generatedBytes / MulawBytesPerMillisecond}ms is already shorter than {audioEndMs}ms",
                    "audio_end_ms");
            }

            item.TruncatedAtMs = audioEndMs;
        }

        await SendEventAsync(
            new JsonObject
            {
                ["type"] = "conversation.item.truncated",
                ["item_id"] = itemId,
                ["content_index"] = contentIndex,
                ["audio_end_ms"] = audioEndMs,
            },
            cancellationToken);
        return null;
    }

    private async Task<RealtimeError?> CreateResponseAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        var error = CheckKeys(clientEvent, "response") ?? RealtimeSchema.ValidateResponse(clientEvent["response"]);
        if (error is not null)
        {
            return error;
        }

        lock (_gate)
        {
            if (_activeResponseId is { } active)
            {
                return new RealtimeError(
                    "conversation_already_has_active_response",
                    $"Conversation already has an active response in progress: {active}. Wait until the response is finished before creating a new one.",
                    null);
            }
        }

        if (IsOutOfBandRequest(clientEvent))
        {
            if (_options.AutoRespondOutOfBandText is { } text)
            {
                var outOfBandId = RealtimeIds.Response();
                // Created from the receive loop, like the audio responses below, so a second response.create is refused.
                await SendOutOfBandCreatedAsync(clientEvent, outOfBandId, cancellationToken);
                RunInBackground(
                    () => SendOutOfBandBodyAsync(clientEvent, outOfBandId, RealtimeIds.Item(), text, "completed", CancellationToken.None),
                    "automatic out-of-band response");
            }
        }
        else if (_options.AutoRespondAudio is { } audio)
        {
            var responseId = RealtimeIds.Response();
            // response.created goes out from the receive loop, so a second response.create is already refused.
            await SendResponseCreatedAsync(responseId, cancellationToken);
            var itemId = RealtimeIds.Item();
            RunInBackground(
                () => SendAudioResponseBodyAsync(responseId, itemId, audio, _options.AutoRespondChunkBytes, CancellationToken.None),
                "automatic response");
        }

        return null;
    }

    private async Task<RealtimeError?> CancelResponseAsync(JsonObject clientEvent, CancellationToken cancellationToken)
    {
        var error = CheckKeys(clientEvent, "response_id");
        if (error is not null)
        {
            return error;
        }

        string? requested = null;
        if (clientEvent.ContainsKey("response_id") && !FakeJson.IsString(clientEvent["response_id"], out requested))
        {
            return RealtimeError.InvalidType("response_id", "a string", clientEvent["response_id"]);
        }

        CancelledResponse? cancelled;
        lock (_gate)
        {
            cancelled = _activeResponseId is { } active && (requested is null || requested == active)
                ? BeginCancel(active)
                : null;
        }

        if (cancelled is null)
        {
            return new RealtimeError("response_cancel_not_active", "Cancellation failed: no active response found", null);
        }

        await SendCancellationAsync(cancelled, "client_cancelled", cancellationToken);
        return null;
    }

    private static RealtimeError? CheckKeys(JsonObject clientEvent, params string[] allowed)
    {
        foreach (var (key, _) in clientEvent)
        {
            if (key is not ("type" or "event_id") && !allowed.Contains(key, StringComparer.Ordinal))
            {
                return RealtimeError.UnknownParameter(key);
            }
        }

        return null;
    }

    private static RealtimeError? RequireItemId(JsonObject clientEvent, out string itemId)
    {
        itemId = string.Empty;
        if (!clientEvent.ContainsKey("item_id"))
        {
            return RealtimeError.MissingParameter("item_id");
        }

        return FakeJson.IsString(clientEvent["item_id"], out itemId)
            ? null
            : RealtimeError.InvalidType("item_id", "a string", clientEvent["item_id"]);
    }

    private static RealtimeError ItemNotFound(string itemId) =>
        new("invalid_value", $"Conversation item with id '{itemId}' not found.", "item_id");

    /// <summary>Input bytes per millisecond for the effective input format (caller holds the lock).</summary>
    private int InputBytesPerMillisecond() =>
        // audio/pcm is 24 kHz 16-bit (48 bytes/ms); G.711 is 8 kHz 8-bit.
        FakeRealtimeSession.FormatType(_session, "input") == RealtimeSchema.FormatPcm ? 48 : MulawBytesPerMillisecond;

    private async Task SendErrorCoreAsync(RealtimeError error, string? clientEventId, bool record, CancellationToken cancellationToken)
    {
        var errorEvent = new JsonObject
        {
            ["type"] = "error",
            ["event_id"] = RealtimeIds.Event(),
            ["error"] = new JsonObject
            {
                ["type"] = error.Type,
                ["code"] = error.Code,
                ["message"] = error.Message,
                ["param"] = error.Param,
                ["event_id"] = clientEventId,
            },
        };
        if (record)
        {
            lock (_gate)
            {
                _errorsSent.Add(errorEvent);
            }
        }

        await SendEventAsync((JsonObject)errorEvent.DeepClone(), cancellationToken);
    }
}
