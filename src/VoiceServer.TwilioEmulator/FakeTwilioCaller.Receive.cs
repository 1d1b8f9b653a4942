using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.TwilioEmulator;

public sealed partial class FakeTwilioCaller
{
    // A violation quotes at most this much of the offending message (payloads can be large).
    private const int QuoteChars = 300;

    private static readonly string[] s_mediaKeys = ["event", "streamSid", "media"];
    private static readonly string[] s_markKeys = ["event", "streamSid", "mark"];
    private static readonly string[] s_clearKeys = ["event", "streamSid"];

    private async Task ReceiveLoopAsync()
    {
        var cancellationToken = _stopping.Token;
        try
        {
            while (true)
            {
                var message = await WebSocketIo.ReceiveMessageAsync(_socket, _options.MaxMessageBytes, cancellationToken);
                if (message.Type == WebSocketMessageType.Close)
                {
                    // The close frame arrived: that is the server's answer, whatever happens to our echo.
                    _closed.TrySetResult((message.CloseStatus, message.CloseDescription));
                    await AnswerCloseAsync(message.CloseStatus, message.CloseDescription, cancellationToken);
                    return;
                }

                if (message.TooLarge)
                {
                    _failures.Add($"Server message larger than {_options.MaxMessageBytes} bytes; connection aborted.");
                    _socket.Abort();
                    return;
                }

                if (message.Type == WebSocketMessageType.Binary)
                {
                    _failures.Add($"Server sent a binary frame of {message.Data.Length} bytes; Twilio accepts text frames only (warning 31950).");
                    continue;
                }

                HandleServerMessage(message.Data);
            }
        }
        catch (Exception ex) when (WebSocketIo.IsConnectionEnded(ex))
        {
        }
        catch (Exception ex)
        {
            _failures.Add("FakeTwilioCaller receive loop failed", ex);
        }
        finally
        {
            // Without a close frame the connection dropped.
            _closed.TrySetResult((null, null));
            lock (_gate)
            {
                _playbackTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            _waiters.Close("the connection to the server has closed");
            _markReturns.Writer.TryComplete();
        }
    }

    private async Task AnswerCloseAsync(WebSocketCloseStatus? status, string? description, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State == WebSocketState.CloseReceived)
            {
                // Echo the server's close so the handshake completes, as a well-behaved peer does.
                var echo = status ?? WebSocketCloseStatus.Empty;
                await _socket.CloseOutputAsync(echo, echo == WebSocketCloseStatus.Empty ? null : description, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void HandleServerMessage(byte[] utf8)
    {
        var text = Encoding.UTF8.GetString(utf8);
        var node = FakeJson.TryParse(utf8, out var parseError);
        if (node is not JsonObject message)
        {
            Violation(node is null ? $"invalid JSON ({parseError})" : "the message is not a JSON object", text);
            return;
        }

        if (!FakeJson.IsString(message["event"], out var eventName))
        {
            Violation("missing or non-string 'event'", text);
            return;
        }

        var error = eventName switch
        {
            "media" => CheckKeys(message, s_mediaKeys, "media"),
            "mark" => CheckKeys(message, s_markKeys, "mark"),
            "clear" => CheckKeys(message, s_clearKeys, "clear"),
            _ => $"unknown event '{eventName}' (a <Connect> stream accepts media, mark and clear only)",
        };
        error ??= CheckStreamSid(message);
        string? payload = null;
        string? markName = null;
        byte[] audio = [];
        if (error is null && eventName == "media")
        {
            error = CheckMedia(message["media"], out payload, out audio);
        }
        else if (error is null && eventName == "mark")
        {
            error = CheckMark(message["mark"], out markName);
        }

        if (error is not null)
        {
            Violation(error, text);
            return;
        }

        var received = new TwilioOutboundMessage(eventName, payload, markName)
        {
            AudioBytes = audio.Length,
            ReceivedAt = Elapsed,
            RawJson = text,
        };
        lock (_gate)
        {
            _messages.Add(received);
            switch (eventName)
            {
                case "media":
                    _receivedAudio.Write(audio);
                    QueueAudio(audio.Length);
                    break;
                case "mark":
                    _marksReceived++;
                    QueueMark(markName!);
                    break;
                default:
                    _clearCount++;
                    Clear();
                    break;
            }
        }

        _waiters.Notify();
        Invoke(_options.MessageReceived, received, "MessageReceived callback");
    }

    private string? CheckStreamSid(JsonObject message)
    {
        if (!_startSent)
        {
            return "sent before the caller's 'start': the server cannot know the streamSid yet";
        }

        return FakeJson.IsString(message["streamSid"], out var streamSid) && streamSid == StreamSid
            ? null
            : $"'streamSid' must be the stream's ({StreamSid}), got {message["streamSid"]?.ToJsonString() ?? "null"} (warning 31951)";
    }

    private static string? CheckMedia(JsonNode? media, out string? payload, out byte[] audio)
    {
        payload = null;
        audio = [];
        if (media is not JsonObject mediaObject)
        {
            return "'media' must be an object";
        }

        var keys = CheckKeys(mediaObject, ["payload"], "media.media");
        if (keys is not null)
        {
            return keys;
        }

        if (!FakeJson.IsString(mediaObject["payload"], out var text))
        {
            return "'media.payload' must be a string";
        }

        try
        {
            audio = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return "'media.payload' is not valid base64";
        }

        payload = text;
        if (audio.AsSpan().StartsWith("RIFF"u8) || audio.AsSpan().StartsWith(".snd"u8))
        {
            return "'media.payload' starts with a file header (RIFF/.snd); Twilio wants raw μ-law";
        }

        return null;
    }

    private static string? CheckMark(JsonNode? mark, out string? name)
    {
        name = null;
        if (mark is not JsonObject markObject)
        {
            return "'mark' must be an object with a 'name'";
        }

        var keys = CheckKeys(markObject, ["name"], "mark.mark");
        if (keys is not null)
        {
            return keys;
        }

        if (!FakeJson.IsString(markObject["name"], out var text) || text.Length == 0)
        {
            return "'mark.name' must be a non-empty string";
        }

        name = text;
        return null;
    }

    /// <summary>Twilio rejects missing and extra fields alike (warning 31951).</summary>
    private static string? CheckKeys(JsonObject obj, string[] expected, string what)
    {
        var extra = obj.Select(p => p.Key).Where(k => !expected.Contains(k, StringComparer.Ordinal)).ToList();
        var missing = expected.Where(k => !obj.ContainsKey(k)).ToList();
        if (extra.Count == 0 && missing.Count == 0)
        {
            return null;
        }

        var parts = new List<string>();
        if (extra.Count > 0)
        {
            parts.Add($"extra field(s) {string.Join(", ", extra.Select(k => $"'{k}'"))}");
        }

        if (missing.Count > 0)
        {
            parts.Add($"missing field(s) {string.Join(", ", missing.Select(k => $"'{k}'"))}");
        }

        return $"{what}: {string.Join(" and ", parts)} (warning 31951)";
    }

    private void Violation(string problem, string text)
    {
        var quote = text.Length <= QuoteChars ? text : string.Concat(text.AsSpan(0, QuoteChars), "…");
        _failures.Add($"Twilio protocol violation by the server: {problem}. Message: {quote}");
    }

    private void Invoke<T>(Action<T>? callback, T value, string what)
    {
        if (callback is null)
        {
            return;
        }

        try
        {
            callback(value);
        }
        catch (Exception ex)
        {
            _failures.Add(what, ex);
        }
    }
}
