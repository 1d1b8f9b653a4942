using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.RealtimeEmulator.Protocol;

namespace VoiceServer.Fakes;

/// <summary>
/// Server events the test scripts, built as docs/reference/openai-realtime.md §4 shows them. The fake tracks the responses and
/// items it announced so it can enforce the rules that depend on them (one active response, truncate bounds).
/// </summary>
public sealed partial class FakeRealtimeConnection
{
    // Rough token accounting for usage: one audio token per 50 ms.
    private const int MillisecondsPerAudioToken = 50;

    private readonly Dictionary<string, ResponseState> _responses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ItemState> _items = new(StringComparer.Ordinal);
    private readonly List<string> _conversationItems = [];
    private readonly HashSet<string> _callIds = new(StringComparer.Ordinal);
    private readonly List<string> _deletedItems = [];
    private bool _holdItemDeletes;
    private string? _activeResponseId;
    private long _inputBufferBytes;
    private bool _assistantAudioSent;
    private string? _speechItemId;

    /// <summary>Between the <c>response.created</c> and the <c>response.done</c> this fake sent.</summary>
    public string? ActiveResponseId
    {
        get
        {
            lock (_gate)
            {
                return _activeResponseId;
            }
        }
    }

    /// <summary>The ids of the conversation's items as this fake holds them, in order.</summary>
    public IReadOnlyList<string> ConversationItems
    {
        get
        {
            lock (_gate)
            {
                return [.. _conversationItems];
            }
        }
    }

    /// <summary>The items <c>conversation.item.delete</c> removed, in the order they were deleted.</summary>
    public IReadOnlyList<string> DeletedItems
    {
        get
        {
            lock (_gate)
            {
                return [.. _deletedItems];
            }
        }
    }

    /// <summary>A server stalled on deletes: from now on each <c>conversation.item.delete</c> is recorded and never answered.</summary>
    public void HoldItemDeletes()
    {
        lock (_gate)
        {
            _holdItemDeletes = true;
        }
    }

    /// <summary>
    /// Removes an item from the conversation without any event, as if another client had deleted it: a later
    /// <c>conversation.item.delete</c> of it is refused like one of an id that never existed.
    /// </summary>
    public void ForgetItem(string itemId)
    {
        lock (_gate)
        {
            _conversationItems.Remove(itemId);
        }
    }

    /// <summary>μ-law bytes sent in deltas for an item's content part (what bounds a truncate).</summary>
    public long GeneratedAudioBytes(string itemId, int contentIndex = 0)
    {
        lock (_gate)
        {
            return _items.TryGetValue(itemId, out var item) ? item.AudioBytes.GetValueOrDefault(contentIndex) : 0;
        }
    }

    /// <summary><c>response.created</c>; the response is active until its <c>response.done</c>.</summary>
    /// <exception cref="InvalidOperationException">Another response is active: the real server never overlaps them.</exception>
    public Task SendResponseCreatedAsync(string responseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(responseId);
        JsonObject response;
        lock (_gate)
        {
            if (_activeResponseId is { } active && active != responseId)
            {
                throw new InvalidOperationException($"Response {active} is still active; send its response.done first.");
            }

            _activeResponseId = responseId;
            response = ResponseJson(GetOrAddResponse(responseId), "in_progress", statusDetails: null, final: false);
        }

        return SendEventAsync(new JsonObject { ["type"] = "response.created", ["response"] = response }, cancellationToken);
    }

    /// <summary><c>response.output_item.added</c> then <c>conversation.item.added</c> for an assistant message.</summary>
    public async Task SendOutputItemAddedAsync(string responseId, string itemId, CancellationToken cancellationToken = default)
    {
        JsonObject added;
        int outputIndex;
        string? previous;
        lock (_gate)
        {
            var item = GetOrAddItem(responseId, itemId, "message");
            outputIndex = item.OutputIndex;
            added = ItemJson(item, "in_progress");
            previous = AddConversationItem(itemId);
        }

        await SendEventAsync(
            new JsonObject { ["type"] = "response.output_item.added", ["response_id"] = responseId, ["output_index"] = outputIndex, ["item"] = added.DeepClone() },
            cancellationToken);
        await SendEventAsync(
            new JsonObject { ["type"] = "conversation.item.added", ["previous_item_id"] = previous, ["item"] = added },
            cancellationToken);
    }

    public Task SendAudioDeltaAsync(string responseId, string itemId, ReadOnlyMemory<byte> mulaw, CancellationToken cancellationToken) =>
        SendAudioDeltaAsync(responseId, itemId, mulaw, 0, cancellationToken);

    /// <summary><c>response.output_audio.delta</c> with the base64 audio; the bytes count towards the item's generated audio.</summary>
    public Task SendAudioDeltaAsync(string responseId, string itemId, ReadOnlyMemory<byte> mulaw, int contentIndex = 0, CancellationToken cancellationToken = default)
    {
        int outputIndex;
        lock (_gate)
        {
            var item = GetOrAddItem(responseId, itemId, "message");
            item.AudioBytes[contentIndex] = item.AudioBytes.GetValueOrDefault(contentIndex) + mulaw.Length;
            outputIndex = item.OutputIndex;
            _assistantAudioSent = true;
        }

        return SendEventAsync(
            new JsonObject
            {
                ["type"] = "response.output_audio.delta",
                ["response_id"] = responseId,
                ["item_id"] = itemId,
                ["output_index"] = outputIndex,
                ["content_index"] = contentIndex,
                ["delta"] = Convert.ToBase64String(mulaw.Span),
            },
            cancellationToken);
    }

    public Task SendAudioDoneAsync(string responseId, string itemId, CancellationToken cancellationToken) =>
        SendAudioDoneAsync(responseId, itemId, 0, cancellationToken);

    public Task SendAudioDoneAsync(string responseId, string itemId, int contentIndex = 0, CancellationToken cancellationToken = default)
    {
        int outputIndex;
        lock (_gate)
        {
            var item = GetOrAddItem(responseId, itemId, "message");
            item.AudioDone.Add(contentIndex);
            outputIndex = item.OutputIndex;
        }

        return SendEventAsync(AudioDoneJson(responseId, itemId, outputIndex, contentIndex), cancellationToken);
    }

    /// <summary><c>response.output_audio_transcript.delta</c>: the assistant's words as text.</summary>
    public Task SendTranscriptDeltaAsync(string responseId, string itemId, string delta, int contentIndex = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delta);
        return SendTranscriptEventAsync("response.output_audio_transcript.delta", responseId, itemId, contentIndex, "delta", delta, append: true, cancellationToken);
    }

    /// <summary><c>response.output_audio_transcript.done</c>: the item's whole transcript.</summary>
    public Task SendTranscriptDoneAsync(string responseId, string itemId, string transcript, int contentIndex = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        return SendTranscriptEventAsync("response.output_audio_transcript.done", responseId, itemId, contentIndex, "transcript", transcript, append: false, cancellationToken);
    }

    private Task SendTranscriptEventAsync(string type, string responseId, string itemId, int contentIndex, string textField, string text, bool append, CancellationToken cancellationToken)
    {
        int outputIndex;
        lock (_gate)
        {
            var item = GetOrAddItem(responseId, itemId, "message");
            (append ? item.Transcript : item.Transcript.Clear()).Append(text);
            outputIndex = item.OutputIndex;
        }

        return SendEventAsync(
            new JsonObject
            {
                ["type"] = type,
                ["response_id"] = responseId,
                ["item_id"] = itemId,
                ["output_index"] = outputIndex,
                ["content_index"] = contentIndex,
                [textField] = text,
            },
            cancellationToken);
    }

    /// <summary><c>conversation.item.input_audio_transcription.completed</c>: the caller's turn as text.</summary>
    public Task SendInputTranscriptionCompletedAsync(string itemId, string transcript, CancellationToken cancellationToken = default) =>
        SendEventAsync(
            new JsonObject
            {
                ["type"] = "conversation.item.input_audio_transcription.completed",
                ["item_id"] = itemId,
                ["content_index"] = 0,
                ["transcript"] = transcript,
                ["usage"] = new JsonObject { ["type"] = "duration", ["seconds"] = 2 },
            },
            cancellationToken);

    /// <summary><c>response.output_item.done</c> then <c>conversation.item.done</c>.</summary>
    public async Task SendOutputItemDoneAsync(string responseId, string itemId, CancellationToken cancellationToken = default)
    {
        JsonObject done;
        int outputIndex;
        lock (_gate)
        {
            var item = GetOrAddItem(responseId, itemId, "message");
            outputIndex = item.OutputIndex;
            done = ItemJson(item, "completed");
        }

        await SendEventAsync(
            new JsonObject { ["type"] = "response.output_item.done", ["response_id"] = responseId, ["output_index"] = outputIndex, ["item"] = done.DeepClone() },
            cancellationToken);
        await SendEventAsync(new JsonObject { ["type"] = "conversation.item.done", ["item"] = done }, cancellationToken);
    }

    public Task SendResponseDoneAsync(string responseId, CancellationToken cancellationToken) =>
        SendResponseDoneAsync(responseId, "completed", cancellationToken);

    /// <summary>
    /// <c>response.done</c> with <paramref name="status"/> <c>completed</c>, <c>cancelled</c>, <c>failed</c> or
    /// <c>incomplete</c>, with the matching <c>status_details</c>; ends the response if it was active.
    /// </summary>
    public Task SendResponseDoneAsync(string responseId, string status = "completed", CancellationToken cancellationToken = default)
    {
        JsonNode? details = status switch
        {
            "completed" => null,
            "cancelled" => new JsonObject { ["type"] = "cancelled", ["reason"] = "client_cancelled" },
            "incomplete" => new JsonObject { ["type"] = "incomplete", ["reason"] = "max_output_tokens" },
            "failed" => new JsonObject
            {
                ["type"] = "failed",
                ["error"] = new JsonObject
                {
                    ["type"] = "server_error",
                    ["code"] = null,
                    ["message"] = "The server had an error while processing your request. Sorry about that!",
                },
            },
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Use completed, cancelled, failed or incomplete."),
        };
        JsonObject response;
        lock (_gate)
        {
            var state = GetOrAddResponse(responseId);
            state.Status = status;
            if (_activeResponseId == responseId)
            {
                _activeResponseId = null;
            }

            response = ResponseJson(state, status, details, final: true);
        }

        return SendEventAsync(new JsonObject { ["type"] = "response.done", ["response"] = response }, cancellationToken);
    }

    public Task SendAudioResponseAsync(string responseId, string itemId, byte[] audio, CancellationToken cancellationToken) =>
        SendAudioResponseAsync(responseId, itemId, audio, _options.AutoRespondChunkBytes, cancellationToken);

    /// <summary>
    /// A whole voiced response in the typical order: created, item added, content part, deltas of
    /// <paramref name="chunkBytes"/>, audio done, item done, response.done. Stops early (without response.done,
    /// which the cancellation already sent) if the response is cancelled meanwhile.
    /// </summary>
    public async Task SendAudioResponseAsync(string responseId, string itemId, byte[] audio, int chunkBytes = 800, CancellationToken cancellationToken = default)
    {
        await SendResponseCreatedAsync(responseId, cancellationToken);
        await SendAudioResponseBodyAsync(responseId, itemId, audio, chunkBytes, cancellationToken);
    }

    /// <summary>A function call the model makes: item added, arguments delta and done, item done.</summary>
    public async Task SendFunctionCallAsync(string responseId, string itemId, string callId, string name, string argumentsJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(argumentsJson);
        JsonObject added;
        JsonObject done;
        int outputIndex;
        string? previous;
        lock (_gate)
        {
            var item = GetOrAddItem(responseId, itemId, "function_call");
            item.CallId = callId;
            item.Name = name;
            _callIds.Add(callId);
            outputIndex = item.OutputIndex;
            added = ItemJson(item, "in_progress");
            item.Arguments = argumentsJson;
            done = ItemJson(item, "completed");
            previous = AddConversationItem(itemId);
        }

        await SendEventAsync(
            new JsonObject { ["type"] = "response.output_item.added", ["response_id"] = responseId, ["output_index"] = outputIndex, ["item"] = added.DeepClone() },
            cancellationToken);
        await SendEventAsync(new JsonObject { ["type"] = "conversation.item.added", ["previous_item_id"] = previous, ["item"] = added }, cancellationToken);
        await SendEventAsync(
            new JsonObject
            {
                ["type"] = "response.function_call_arguments.delta",
                ["response_id"] = responseId,
                ["item_id"] = itemId,
                ["output_index"] = outputIndex,
                ["call_id"] = callId,
                ["delta"] = argumentsJson,
            },
            cancellationToken);
        await SendEventAsync(
            new JsonObject
            {
                ["type"] = "response.function_call_arguments.done",
                ["response_id"] = responseId,
                ["item_id"] = itemId,
                ["output_index"] = outputIndex,
                ["call_id"] = callId,
                ["name"] = name,
                ["arguments"] = argumentsJson,
            },
            cancellationToken);
        await SendEventAsync(
            new JsonObject { ["type"] = "response.output_item.done", ["response_id"] = responseId, ["output_index"] = outputIndex, ["item"] = done.DeepClone() },
            cancellationToken);
        await SendEventAsync(new JsonObject { ["type"] = "conversation.item.done", ["item"] = done }, cancellationToken);
    }

    public Task<string> SendSpeechStartedAsync(CancellationToken cancellationToken) =>
        SendSpeechStartedAsync(0, cancellationToken);

    /// <summary>
    /// <c>input_audio_buffer.speech_started</c>. With <see cref="FakeRealtimeServerOptions.AutoCancelOnSpeechStarted"/>
    /// and <c>interrupt_response</c> in effect, the active response is cancelled at that instant (a client
    /// <c>response.cancel</c> after this event gets <c>response_cancel_not_active</c>) and its audio done and
    /// <c>response.done</c> (cancelled, turn_detected) follow. Returns the new user item id.
    /// </summary>
    public async Task<string> SendSpeechStartedAsync(int audioStartMs = 0, CancellationToken cancellationToken = default)
    {
        var itemId = RealtimeIds.Item();
        CancelledResponse? cancelled = null;
        lock (_gate)
        {
            _speechItemId = itemId;
            var turnDetection = _session["audio"]?["input"]?["turn_detection"] as JsonObject;
            var interrupts = turnDetection is not null && turnDetection["interrupt_response"]?.GetValue<bool>() != false;
            if (_options.AutoCancelOnSpeechStarted && interrupts && _activeResponseId is { } active)
            {
                cancelled = BeginCancel(active);
            }
        }

        await SendEventAsync(
            new JsonObject { ["type"] = "input_audio_buffer.speech_started", ["audio_start_ms"] = audioStartMs, ["item_id"] = itemId },
            cancellationToken);
        if (cancelled is not null)
        {
            await SendCancellationAsync(cancelled, "turn_detected", cancellationToken);
        }

        return itemId;
    }

    public Task SendSpeechStoppedAsync(CancellationToken cancellationToken) => SendSpeechStoppedAsync(0, cancellationToken);

    /// <summary><c>input_audio_buffer.speech_stopped</c> then <c>input_audio_buffer.committed</c> for the same user item.</summary>
    public async Task SendSpeechStoppedAsync(int audioEndMs = 0, CancellationToken cancellationToken = default)
    {
        string itemId;
        string? previous;
        lock (_gate)
        {
            itemId = _speechItemId ?? RealtimeIds.Item();
            _speechItemId = null;
            _inputBufferBytes = 0;
            previous = AddConversationItem(itemId);
        }

        await SendEventAsync(
            new JsonObject { ["type"] = "input_audio_buffer.speech_stopped", ["audio_end_ms"] = audioEndMs, ["item_id"] = itemId },
            cancellationToken);
        await SendEventAsync(
            new JsonObject { ["type"] = "input_audio_buffer.committed", ["previous_item_id"] = previous, ["item_id"] = itemId },
            cancellationToken);
        await SendUserAudioItemAsync(itemId, previous, cancellationToken);
    }

    /// <summary>
    /// <c>conversation.item.added</c> then <c>.done</c> for a committed user audio turn, as the real API follows
    /// <c>input_audio_buffer.committed</c> (its transcript comes later, in its own event).
    /// </summary>
    private async Task SendUserAudioItemAsync(string itemId, string? previous, CancellationToken cancellationToken)
    {
        var item = new JsonObject
        {
            ["id"] = itemId,
            ["object"] = "realtime.item",
            ["type"] = "message",
            ["status"] = "completed",
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "input_audio", ["transcript"] = null }),
        };
        await SendEventAsync(new JsonObject { ["type"] = "conversation.item.added", ["previous_item_id"] = previous, ["item"] = item.DeepClone() }, cancellationToken);
        await SendEventAsync(new JsonObject { ["type"] = "conversation.item.done", ["previous_item_id"] = previous, ["item"] = item }, cancellationToken);
    }

    /// <summary>A scripted <c>error</c> event (not recorded in <see cref="ErrorsSent"/>).</summary>
    public Task SendErrorAsync(string code, string message, string? eventId = null, CancellationToken cancellationToken = default) =>
        SendErrorAsync(code, message, eventId, "invalid_request_error", param: null, cancellationToken);

    public Task SendErrorAsync(string code, string message, string? eventId, string type, string? param, CancellationToken cancellationToken = default) =>
        SendErrorCoreAsync(new RealtimeError(code, message, param, type), eventId, record: false, cancellationToken);

    /// <summary>Any text frame as is (malformed-input tests).</summary>
    public Task SendRawTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendFrameAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>A binary frame, which the real API never sends.</summary>
    public Task SendBinaryAsync(byte[] data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return SendFrameAsync(data, WebSocketMessageType.Binary, cancellationToken);
    }

    private async Task SendAudioResponseBodyAsync(string responseId, string itemId, byte[] audio, int chunkBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkBytes);
        await SendOutputItemAddedAsync(responseId, itemId, cancellationToken);
        if (!IsActive(responseId))
        {
            return;
        }

        int outputIndex;
        lock (_gate)
        {
            outputIndex = GetOrAddItem(responseId, itemId, "message").OutputIndex;
        }

        await SendEventAsync(ContentPartJson("response.content_part.added", responseId, itemId, outputIndex), cancellationToken);
        for (var offset = 0; offset < audio.Length; offset += chunkBytes)
        {
            if (!IsActive(responseId))
            {
                return;
            }

            await SendAudioDeltaAsync(responseId, itemId, audio.AsMemory(offset, Math.Min(chunkBytes, audio.Length - offset)), 0, cancellationToken);
        }

        if (!IsActive(responseId))
        {
            return;
        }

        await SendAudioDoneAsync(responseId, itemId, 0, cancellationToken);
        await SendEventAsync(ContentPartJson("response.content_part.done", responseId, itemId, outputIndex), cancellationToken);
        await SendOutputItemDoneAsync(responseId, itemId, cancellationToken);
        if (IsActive(responseId))
        {
            await SendResponseDoneAsync(responseId, "completed", cancellationToken);
        }
    }

    private bool IsActive(string responseId)
    {
        lock (_gate)
        {
            return _activeResponseId == responseId;
        }
    }

    /// <summary>Ends the response at once and collects the audio parts still open (caller holds the lock).</summary>
    private CancelledResponse BeginCancel(string responseId)
    {
        _activeResponseId = null;
        var response = GetOrAddResponse(responseId);
        response.Status = "cancelled";
        var open = new List<(ItemState Item, int ContentIndex)>();
        foreach (var item in response.Items)
        {
            foreach (var contentIndex in item.AudioBytes.Keys.Where(k => !item.AudioDone.Contains(k)).ToList())
            {
                item.AudioDone.Add(contentIndex);
                open.Add((item, contentIndex));
            }
        }

        return new CancelledResponse(response, open);
    }

    /// <summary>What the server sends for a cancelled response: audio done for open parts, then response.done.</summary>
    private async Task SendCancellationAsync(CancelledResponse cancelled, string reason, CancellationToken cancellationToken)
    {
        foreach (var (item, contentIndex) in cancelled.OpenAudio)
        {
            await SendEventAsync(AudioDoneJson(item.ResponseId, item.Id, item.OutputIndex, contentIndex), cancellationToken);
        }

        JsonObject response;
        lock (_gate)
        {
            response = ResponseJson(
                cancelled.Response,
                "cancelled",
                new JsonObject { ["type"] = "cancelled", ["reason"] = reason },
                final: true);
        }

        await SendEventAsync(new JsonObject { ["type"] = "response.done", ["response"] = response }, cancellationToken);
    }

    private static JsonObject AudioDoneJson(string responseId, string itemId, int outputIndex, int contentIndex) => new()
    {
        ["type"] = "response.output_audio.done",
        ["response_id"] = responseId,
        ["item_id"] = itemId,
        ["output_index"] = outputIndex,
        ["content_index"] = contentIndex,
    };

    private static JsonObject ContentPartJson(string type, string responseId, string itemId, int outputIndex) => new()
    {
        ["type"] = type,
        ["response_id"] = responseId,
        ["item_id"] = itemId,
        ["output_index"] = outputIndex,
        ["content_index"] = 0,
        ["part"] = new JsonObject { ["type"] = "audio", ["transcript"] = string.Empty },
    };

    /// <summary>Caller holds the lock.</summary>
    private JsonObject ResponseJson(ResponseState response, string status, JsonNode? statusDetails, bool final)
    {
        var itemStatus = status switch
        {
            "completed" => "completed",
            "in_progress" => "in_progress",
            _ => "incomplete",
        };
        var output = new JsonArray();
        if (final)
        {
            foreach (var item in response.Items)
            {
                output.Add(ItemJson(item, itemStatus));
            }
        }

        JsonNode? usage = null;
        if (final)
        {
            var audioTokens = response.Items.Sum(i => i.AudioBytes.Values.Sum()) / MulawBytesPerMillisecond / MillisecondsPerAudioToken;
            var textTokens = response.Items.Sum(i => i.Transcript.Length / 4);
            usage = new JsonObject
            {
                ["total_tokens"] = audioTokens + textTokens + 100,
                ["input_tokens"] = 100,
                ["output_tokens"] = audioTokens + textTokens,
                ["input_token_details"] = new JsonObject
                {
                    ["text_tokens"] = 80,
                    ["audio_tokens"] = 20,
                    ["image_tokens"] = 0,
                    ["cached_tokens"] = 0,
                    ["cached_tokens_details"] = new JsonObject { ["text_tokens"] = 0, ["audio_tokens"] = 0, ["image_tokens"] = 0 },
                },
                ["output_token_details"] = new JsonObject { ["text_tokens"] = textTokens, ["audio_tokens"] = audioTokens },
            };
        }

        return new JsonObject
        {
            ["object"] = "realtime.response",
            ["id"] = response.Id,
            ["status"] = status,
            ["status_details"] = statusDetails,
            ["output"] = output,
            ["conversation_id"] = ConversationId,
            ["output_modalities"] = new JsonArray("audio"),
            ["max_output_tokens"] = "inf",
            ["audio"] = new JsonObject
            {
                ["output"] = new JsonObject
                {
                    ["format"] = _session["audio"]?["output"]?["format"]?.DeepClone(),
                    ["voice"] = _session["audio"]?["output"]?["voice"]?.DeepClone(),
                },
            },
            ["usage"] = usage,
            ["metadata"] = null,
        };
    }

    /// <summary>Caller holds the lock.</summary>
    private static JsonObject ItemJson(ItemState item, string status)
    {
        if (item.Type == "function_call")
        {
            return new JsonObject
            {
                ["id"] = item.Id,
                ["object"] = "realtime.item",
                ["type"] = "function_call",
                ["status"] = status,
                ["name"] = item.Name,
                ["call_id"] = item.CallId,
                ["arguments"] = status == "in_progress" ? string.Empty : item.Arguments,
            };
        }

        var content = new JsonArray();
        if (status != "in_progress")
        {
            content.Add(new JsonObject { ["type"] = "output_audio", ["transcript"] = item.Transcript.ToString() });
        }

        return new JsonObject
        {
            ["id"] = item.Id,
            ["object"] = "realtime.item",
            ["type"] = "message",
            ["status"] = status,
            ["role"] = "assistant",
            ["content"] = content,
        };
    }

    /// <summary>Caller holds the lock.</summary>
    private ResponseState GetOrAddResponse(string responseId)
    {
        if (!_responses.TryGetValue(responseId, out var response))
        {
            response = new ResponseState(responseId);
            _responses[responseId] = response;
        }

        return response;
    }

    /// <summary>Caller holds the lock.</summary>
    private ItemState GetOrAddItem(string responseId, string itemId, string type)
    {
        ArgumentException.ThrowIfNullOrEmpty(responseId);
        ArgumentException.ThrowIfNullOrEmpty(itemId);
        if (!_items.TryGetValue(itemId, out var item))
        {
            var response = GetOrAddResponse(responseId);
            item = new ItemState(itemId, responseId, response.Items.Count, type);
            response.Items.Add(item);
            _items[itemId] = item;
            if (!_conversationItems.Contains(itemId))
            {
                _conversationItems.Add(itemId);
            }
        }

        return item;
    }

    /// <summary>Appends to the conversation and returns the previous item id (caller holds the lock).</summary>
    private string? AddConversationItem(string itemId)
    {
        var index = _conversationItems.IndexOf(itemId);
        if (index >= 0)
        {
            return index == 0 ? null : _conversationItems[index - 1];
        }

        var previous = _conversationItems.Count == 0 ? null : _conversationItems[^1];
        _conversationItems.Add(itemId);
        return previous;
    }

    private sealed class ResponseState(string id)
    {
        public string Id { get; } = id;

        public string Status { get; set; } = "in_progress";

        public List<ItemState> Items { get; } = [];
    }

    private sealed class ItemState(string id, string responseId, int outputIndex, string type)
    {
        public string Id { get; } = id;

        public string ResponseId { get; } = responseId;

        public int OutputIndex { get; } = outputIndex;

        public string Type { get; } = type;

        public Dictionary<int, long> AudioBytes { get; } = [];

        public HashSet<int> AudioDone { get; } = [];

        public StringBuilder Transcript { get; } = new();

        public string? CallId { get; set; }

        public string? Name { get; set; }

        public string? Arguments { get; set; }

        public long? TruncatedAtMs { get; set; }
    }

    private sealed record CancelledResponse(ResponseState Response, List<(ItemState Item, int ContentIndex)> OpenAudio);
}
