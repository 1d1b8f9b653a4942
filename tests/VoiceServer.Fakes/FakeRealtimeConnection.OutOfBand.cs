using System.Text.Json.Nodes;
using VoiceServer.RealtimeEmulator.Protocol;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Fakes;

/// <summary>
/// Out-of-band responses (docs/reference/openai-realtime.md §3, <c>response.create</c> with <c>conversation: "none"</c>):
/// played like the real API, their output is never added to the conversation (no <c>conversation.item.*</c> events),
/// and every response object of theirs carries the request's <c>metadata</c> and <c>output_modalities</c>. Like any
/// response, one is active from <c>response.created</c> to <c>response.done</c>, and a <c>response.create</c> meanwhile is
/// refused.
/// </summary>
public sealed partial class FakeRealtimeConnection
{
    // About 4 characters per text token, as the real API bills English.
    private const int CharactersPerTextToken = 4;

    /// <summary>True for a <c>response.create</c> that asks for a response outside the conversation.</summary>
    public static bool IsOutOfBandRequest(JsonObject clientEvent)
    {
        ArgumentNullException.ThrowIfNull(clientEvent);
        return TypeOf(clientEvent) == "response.create" && clientEvent["response"] is JsonObject response &&
            FakeJson.IsString(response["conversation"], out var conversation) && conversation == "none";
    }

    /// <summary>Every out-of-band <c>response.create</c> received so far.</summary>
    public IReadOnlyList<JsonObject> OutOfBandRequests => [.. Received.Where(IsOutOfBandRequest)];

    /// <summary>The first out-of-band <c>response.create</c>, already received or still to come.</summary>
    public Task<JsonObject> WaitForOutOfBandRequestAsync(CancellationToken cancellationToken = default) =>
        WaitForEventAsync("response.create", IsOutOfBandRequest, cancellationToken);

    /// <summary>
    /// A whole out-of-band text response to <paramref name="request"/>: created, item added, content part, one text
    /// delta, text done, part done, item done, response.done with the text in its <c>output</c>. With
    /// <paramref name="status"/> <c>failed</c> only created and a failed response.done are sent.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another response is active.</exception>
    public async Task SendOutOfBandTextResponseAsync(JsonObject request, string responseId, string text, string status = "completed", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(text);
        await SendOutOfBandCreatedAsync(request, responseId, cancellationToken);
        await SendOutOfBandBodyAsync(request, responseId, RealtimeIds.Item(), text, status, cancellationToken);
    }

    private Task SendOutOfBandCreatedAsync(JsonObject request, string responseId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(responseId);
        lock (_gate)
        {
            if (_activeResponseId is { } active && active != responseId)
            {
                throw new InvalidOperationException($"Response {active} is still active; send its response.done first.");
            }

            _activeResponseId = responseId;
        }

        return SendEventAsync(
            new JsonObject { ["type"] = "response.created", ["response"] = OutOfBandResponseJson(request, responseId, "in_progress", null, new JsonArray(), usage: null) },
            cancellationToken);
    }

    private async Task SendOutOfBandBodyAsync(JsonObject request, string responseId, string itemId, string text, string status, CancellationToken cancellationToken)
    {
        var output = new JsonArray();
        JsonObject? details = null;
        if (status == "failed")
        {
            details = new JsonObject
            {
                ["type"] = "failed",
                ["error"] = new JsonObject { ["type"] = "server_error", ["code"] = null, ["message"] = "The server had an error while processing your request. Sorry about that!" },
            };
        }
        else
        {
            // Every content-level event carries the response, item, output and content position, then its own field.
            JsonObject With(string type, string name, JsonNode? value) => new()
            {
                ["type"] = type,
                ["response_id"] = responseId,
                ["item_id"] = itemId,
                ["output_index"] = 0,
                ["content_index"] = 0,
                [name] = value,
            };

            await SendEventAsync(
                new JsonObject { ["type"] = "response.output_item.added", ["response_id"] = responseId, ["output_index"] = 0, ["item"] = TextItemJson(itemId, "in_progress", text: null) },
                cancellationToken);
            await SendEventAsync(With("response.content_part.added", "part", new JsonObject { ["type"] = "text", ["text"] = string.Empty }), cancellationToken);
            await SendEventAsync(With("response.output_text.delta", "delta", text), cancellationToken);
            await SendEventAsync(With("response.output_text.done", "text", text), cancellationToken);
            await SendEventAsync(With("response.content_part.done", "part", new JsonObject { ["type"] = "text", ["text"] = text }), cancellationToken);
            var done = TextItemJson(itemId, status == "completed" ? "completed" : "incomplete", text);
            await SendEventAsync(
                new JsonObject { ["type"] = "response.output_item.done", ["response_id"] = responseId, ["output_index"] = 0, ["item"] = done.DeepClone() },
                cancellationToken);
            output.Add(done);
        }

        var textTokens = status == "failed" ? 0 : (text.Length + CharactersPerTextToken - 1) / CharactersPerTextToken;
        var usage = new JsonObject
        {
            ["total_tokens"] = 100 + textTokens,
            ["input_tokens"] = 100,
            ["output_tokens"] = textTokens,
            ["input_token_details"] = new JsonObject
            {
                ["text_tokens"] = 80,
                ["audio_tokens"] = 20,
                ["image_tokens"] = 0,
                ["cached_tokens"] = 0,
                ["cached_tokens_details"] = new JsonObject { ["text_tokens"] = 0, ["audio_tokens"] = 0, ["image_tokens"] = 0 },
            },
            ["output_token_details"] = new JsonObject { ["text_tokens"] = textTokens, ["audio_tokens"] = 0 },
        };
        lock (_gate)
        {
            if (_activeResponseId == responseId)
            {
                _activeResponseId = null;
            }
        }

        await SendEventAsync(
            new JsonObject { ["type"] = "response.done", ["response"] = OutOfBandResponseJson(request, responseId, status, details, output, usage) },
            cancellationToken);
    }

    private static JsonObject OutOfBandResponseJson(JsonObject request, string responseId, string status, JsonObject? details, JsonArray output, JsonObject? usage)
    {
        var asked = request["response"] as JsonObject;
        return new JsonObject
        {
            ["object"] = "realtime.response",
            ["id"] = responseId,
            ["status"] = status,
            ["status_details"] = details,
            ["output"] = output,
            // Out of band: the response belongs to no conversation.
            ["conversation_id"] = null,
            ["output_modalities"] = asked?["output_modalities"]?.DeepClone() ?? new JsonArray("audio"),
            ["max_output_tokens"] = asked?["max_output_tokens"]?.DeepClone() ?? "inf",
            ["usage"] = usage,
            ["metadata"] = asked?["metadata"]?.DeepClone(),
        };
    }

    private static JsonObject TextItemJson(string itemId, string status, string? text) => new()
    {
        ["id"] = itemId,
        ["object"] = "realtime.item",
        ["type"] = "message",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = text is null ? new JsonArray() : new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = text }),
    };
}
