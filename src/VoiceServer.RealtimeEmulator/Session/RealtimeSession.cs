using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VoiceServer.Audio;
using VoiceServer.RealtimeEmulator.Audio;
using VoiceServer.RealtimeEmulator.Protocol;
using static VoiceServer.RealtimeEmulator.Protocol.JsonChecks;

namespace VoiceServer.RealtimeEmulator.Session;

/// <summary>
/// One emulated Realtime session: the protocol state machine behind a socket. Not thread-safe by design: the
/// connection calls it from one loop, so client events and response chunks never run concurrently, and it is the
/// socket's only writer.
/// </summary>
internal sealed partial class RealtimeSession : IDisposable
{
    private const int MaxEventIdLength = 512;

    private static readonly string[] s_clientEventTypes =
    [
        "session.update", "input_audio_buffer.append", "input_audio_buffer.commit", "input_audio_buffer.clear",
        "conversation.item.create", "conversation.item.truncate", "conversation.item.delete",
        "conversation.item.retrieve", "response.create", "response.cancel", "output_audio_buffer.clear",
    ];

    private static readonly FrozenSet<string> s_bareEventKeys = FrozenSet.Create(StringComparer.Ordinal, "type", "event_id");
    private static readonly FrozenSet<string> s_sessionUpdateKeys = FrozenSet.Create(StringComparer.Ordinal, "type", "event_id", "session");
    private static readonly FrozenSet<string> s_itemIdKeys = FrozenSet.Create(StringComparer.Ordinal, "type", "event_id", "item_id");

    private static readonly FrozenSet<string> s_truncateKeys = FrozenSet.Create(
        StringComparer.Ordinal, "type", "event_id", "item_id", "content_index", "audio_end_ms");

    private static readonly FrozenSet<string> s_itemCreateKeys = FrozenSet.Create(
        StringComparer.Ordinal, "type", "event_id", "previous_item_id", "item");

    private static readonly FrozenSet<string> s_itemKeys = FrozenSet.Create(
        StringComparer.Ordinal, "id", "type", "object", "status", "role", "content", "call_id", "output", "name", "arguments");

    private static readonly FrozenSet<string> s_contentKeys = FrozenSet.Create(
        StringComparer.Ordinal, "type", "text", "audio", "transcript", "image_url", "detail");

    private readonly IRealtimeEventSink _sink;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly RealtimeEmulatorOptions _options;
    private readonly ServerEventWriter _writer = new();
    private readonly SessionConfig _config;
    private readonly Conversation _conversation = new();
    private readonly string _conversationId = RealtimeIds.Conversation();

    public RealtimeSession(
        string model,
        IRealtimeEventSink sink,
        ILogger logger,
        TimeProvider timeProvider,
        RealtimeEmulatorOptions options)
    {
        _sink = sink;
        _logger = logger;
        _timeProvider = timeProvider;
        _options = options;
        SessionId = RealtimeIds.Session();
        var expiresAt = timeProvider.GetUtcNow().Add(options.MaxSessionDuration).ToUnixTimeSeconds();
        _config = new SessionConfig(SessionId, model, expiresAt);
        _vad = new EnergyVad(_config.TurnDetection?.Vad ?? VadSettings.Default);
    }

    public string SessionId { get; }

    public void Dispose() => _writer.Dispose();

    /// <summary>The first events of every session.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        await SendAsync("session.created", new JsonObject { ["session"] = _config.ToJson() }, cancellationToken);
        await SendAsync(
            "conversation.created",
            new JsonObject { ["conversation"] = new JsonObject { ["id"] = _conversationId, ["object"] = "realtime.conversation" } },
            cancellationToken);
    }

    /// <summary>Handles one client text message. Every failure becomes an <c>error</c> event; the session goes on.</summary>
    public async ValueTask HandleMessageAsync(ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException)
        {
            Log.MalformedJson(_logger, utf8Json.Length);
            var error = new RealtimeError("invalid_json", "The event is not valid JSON; expected a JSON object with a 'type'.", null);
            await SendErrorAsync(error, null, cancellationToken);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            string? eventId = null;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("event_id", out var eventIdElement)
                && eventIdElement.ValueKind == JsonValueKind.String)
            {
                eventId = eventIdElement.GetString();
            }

            var type = root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var typeElement)
                && typeElement.ValueKind == JsonValueKind.String
                    ? typeElement.GetString()!
                    : null;

            var failure = await DispatchAsync(root, type, eventId, cancellationToken);
            if (failure is not null)
            {
                var loggedType = LoggableType(type);
                Log.ClientEventRejected(_logger, loggedType, failure.Code, failure.Param);
                await SendErrorAsync(failure, eventId, cancellationToken);
            }
        }
    }

    // The type is client text: keep log lines short whatever was sent.
    private static string LoggableType(string? type) => type switch
    {
        null => "(none)",
        { Length: > 64 } => string.Concat(type.AsSpan(0, 64), "…"),
        _ => type,
    };

    private async ValueTask<RealtimeError?> DispatchAsync(JsonElement root, string? type, string? eventId, CancellationToken cancellationToken)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return RealtimeError.InvalidType("event", "an object", root);
        }

        if (type is null)
        {
            return root.TryGetProperty("type", out var typeElement)
                ? RealtimeError.InvalidType("type", "a string", typeElement)
                : RealtimeError.MissingParameter("type");
        }

        if (root.TryGetProperty("event_id", out var eventIdElement))
        {
            if (eventIdElement.ValueKind != JsonValueKind.String)
            {
                return RealtimeError.InvalidType("event_id", "a string", eventIdElement);
            }

            if (eventId!.Length > MaxEventIdLength)
            {
                return new RealtimeError(
                    "string_above_max_length",
                    $"Invalid 'event_id': string too long. Expected a string with maximum length {MaxEventIdLength}, but got a string with length {eventId.Length} instead.",
                    "event_id");
            }
        }

        return type switch
        {
            "session.update" => await UpdateSessionAsync(root, cancellationToken),
            "input_audio_buffer.append" => await AppendInputAudioAsync(root, cancellationToken),
            "input_audio_buffer.commit" => await CommitInputAudioAsync(root, cancellationToken),
            "input_audio_buffer.clear" => await ClearInputAudioAsync(root, cancellationToken),
            "conversation.item.create" => await CreateItemAsync(root, cancellationToken),
            "conversation.item.truncate" => await TruncateItemAsync(root, cancellationToken),
            "conversation.item.delete" => await DeleteItemAsync(root, cancellationToken),
            "conversation.item.retrieve" => await RetrieveItemAsync(root, cancellationToken),
            "response.create" => await CreateResponseAsync(root, cancellationToken),
            "response.cancel" => await CancelResponseAsync(root, cancellationToken),
            "output_audio_buffer.clear" => RealtimeError.InvalidValue(
                "type",
                "output_audio_buffer.clear is only supported for WebRTC and SIP sessions; over a WebSocket the client owns the playback buffer."),
            _ => RealtimeError.InvalidValue("type", type, s_clientEventTypes),
        };
    }

    private async ValueTask<RealtimeError?> UpdateSessionAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_sessionUpdateKeys)
            ?? Required(root, string.Empty, "session", (value, _) => RealtimeSchema.ValidateSessionUpdate(value));
        if (error is not null)
        {
            // Strict like the real API: nothing of a rejected update is applied.
            return error;
        }

        _config.Apply(root.GetProperty("session"));
        if (_config.TurnDetection is { } turnDetection)
        {
            _vad.Configure(turnDetection.Vad);
        }
        else
        {
            ForgetTurnInProgress();
        }

        Log.SessionUpdated(
            _logger,
            _config.InputFormat,
            _config.OutputFormat,
            _config.Voice,
            _config.TurnDetection is null ? "none" : "server_vad");
        await SendAsync("session.updated", new JsonObject { ["session"] = _config.ToJson() }, cancellationToken);
        return null;
    }

    private async ValueTask<RealtimeError?> CreateItemAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_itemCreateKeys)
            ?? Optional(root, string.Empty, "previous_item_id", Nullable(String))
            ?? Required(root, string.Empty, "item", ValidateItem);
        if (error is not null)
        {
            return error;
        }

        var item = root.GetProperty("item");
        var previousItemId = root.TryGetProperty("previous_item_id", out var previous) && previous.ValueKind == JsonValueKind.String
            ? previous.GetString()
            : null;
        if (previousItemId is not null && previousItemId != "root" && _conversation.Find(previousItemId) is null)
        {
            return RealtimeError.InvalidValue("previous_item_id", $"Previous item with id '{previousItemId}' not found in conversation.");
        }

        var id = item.TryGetProperty("id", out var idElement) ? idElement.GetString()! : RealtimeIds.Item();
        if (_conversation.Find(id) is not null)
        {
            return RealtimeError.InvalidValue("item.id", $"Item with id '{id}' already exists in conversation.");
        }

        var itemType = item.GetProperty("type").GetString()!;
        var callId = item.TryGetProperty("call_id", out var callIdElement) ? callIdElement.GetString() : null;
        if (itemType == "function_call_output" && !_conversation.HasFunctionCall(callId!))
        {
            return RealtimeError.InvalidValue("item.call_id", $"Tool call ID '{callId}' not found in conversation.");
        }

        var json = new JsonObject
        {
            ["id"] = id,
            ["object"] = "realtime.item",
            ["type"] = itemType,
            ["status"] = "completed",
        };
        foreach (var property in item.EnumerateObject())
        {
            if (property.Name is not ("id" or "object" or "type" or "status"))
            {
                json[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        var conversationItem = new ConversationItem
        {
            Id = id,
            Type = itemType,
            Role = item.TryGetProperty("role", out var role) ? role.GetString() : null,
            CallId = callId,
            Json = json,
        };
        var previousId = _conversation.Insert(conversationItem, previousItemId);
        await SendItemAddedAndDoneAsync(previousId, json, cancellationToken);
        return null;
    }

    private async ValueTask<RealtimeError?> TruncateItemAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_truncateKeys)
            ?? Required(root, string.Empty, "item_id", String)
            ?? Required(root, string.Empty, "content_index", Integer(0))
            ?? Required(root, string.Empty, "audio_end_ms", Integer(0));
        if (error is not null)
        {
            // A decimal audio_end_ms lands here as invalid_type, as the real API answers it.
            return error;
        }

        var itemId = root.GetProperty("item_id").GetString()!;
        var contentIndex = root.GetProperty("content_index").GetInt64();
        var audioEndMs = root.GetProperty("audio_end_ms").GetInt64();

        var item = _conversation.Find(itemId);
        if (item is null)
        {
            return RealtimeError.InvalidValue("item_id", $"Conversation item with id '{itemId}' not found.");
        }

        if (!item.HasOutputAudio)
        {
            return RealtimeError.InvalidValue("item_id", "Only assistant messages with audio content can be truncated.");
        }

        if (contentIndex != 0)
        {
            return RealtimeError.InvalidValue("content_index", $"Content index {contentIndex} does not exist on item '{itemId}'.");
        }

        var generatedMs = item.OutputAudioBytes / MuLaw.BytesPerMillisecond;
        if (audioEndMs > generatedMs)
        {
            return RealtimeError.InvalidValue("audio_end_ms", $"Audio content of {generatedMs}ms is already shorter than {audioEndMs}ms");
        }

        // The real server also drops the part of the transcript past the cut; with no words to align, drop it all.
        item.OutputAudioBytes = (int)audioEndMs * MuLaw.BytesPerMillisecond;
        if (item.Json["content"] is JsonArray { Count: > 0 } content && content[0] is JsonObject part)
        {
            part["transcript"] = string.Empty;
        }

        await SendAsync(
            "conversation.item.truncated",
            new JsonObject { ["item_id"] = itemId, ["content_index"] = contentIndex, ["audio_end_ms"] = audioEndMs },
            cancellationToken);
        return null;
    }

    private async ValueTask<RealtimeError?> DeleteItemAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_itemIdKeys) ?? Required(root, string.Empty, "item_id", String);
        if (error is not null)
        {
            return error;
        }

        var itemId = root.GetProperty("item_id").GetString()!;
        if (!_conversation.Remove(itemId))
        {
            return RealtimeError.InvalidValue("item_id", $"Conversation item with id '{itemId}' not found.");
        }

        await SendAsync("conversation.item.deleted", new JsonObject { ["item_id"] = itemId }, cancellationToken);
        return null;
    }

    private async ValueTask<RealtimeError?> RetrieveItemAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_itemIdKeys) ?? Required(root, string.Empty, "item_id", String);
        if (error is not null)
        {
            return error;
        }

        var itemId = root.GetProperty("item_id").GetString()!;
        if (_conversation.Find(itemId) is not { } item)
        {
            return RealtimeError.InvalidValue("item_id", $"Conversation item with id '{itemId}' not found.");
        }

        await SendAsync("conversation.item.retrieved", new JsonObject { ["item"] = item.Json.DeepClone() }, cancellationToken);
        return null;
    }

    private static RealtimeError? ValidateItem(JsonElement item, string path)
    {
        var error = Object(item, path, s_itemKeys)
            ?? Optional(item, path, "id", String)
            ?? Required(item, path, "type", Enum("message", "function_call", "function_call_output"));
        if (error is not null)
        {
            return error;
        }

        switch (item.GetProperty("type").GetString())
        {
            case "function_call_output":
                return Required(item, path, "call_id", String) ?? Required(item, path, "output", String);
            case "function_call":
                return Required(item, path, "call_id", String)
                    ?? Required(item, path, "name", String)
                    ?? Optional(item, path, "arguments", String);
        }

        error = Required(item, path, "role", Enum("user", "assistant", "system"));
        if (error is not null)
        {
            return error;
        }

        // Assistant audio cannot be created by a client; replaying an assistant turn uses output_text.
        string[] contentTypes = item.GetProperty("role").GetString() switch
        {
            "user" => ["input_text", "input_audio", "input_image"],
            "system" => ["input_text"],
            _ => ["output_text"],
        };
        return Required(item, path, "content", ArrayOf((part, partPath) => Object(part, partPath, s_contentKeys)
            ?? Required(part, partPath, "type", Enum(contentTypes))));
    }

    private async ValueTask SendItemAddedAndDoneAsync(string? previousItemId, JsonObject item, CancellationToken cancellationToken)
    {
        await SendAsync(
            "conversation.item.added",
            new JsonObject { ["previous_item_id"] = previousItemId, ["item"] = item.DeepClone() },
            cancellationToken);
        await SendAsync(
            "conversation.item.done",
            new JsonObject { ["previous_item_id"] = previousItemId, ["item"] = item.DeepClone() },
            cancellationToken);
    }

    private ValueTask SendAsync(string type, JsonObject? body, CancellationToken cancellationToken) =>
        _sink.SendAsync(_writer.Write(type, body), cancellationToken);

    private ValueTask SendErrorAsync(RealtimeError error, string? clientEventId, CancellationToken cancellationToken) =>
        _sink.SendAsync(_writer.WriteError(error, clientEventId), cancellationToken);
}
