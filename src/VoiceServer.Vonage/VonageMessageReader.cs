using System.Buffers;
using System.Globalization;
using System.Text.Json;
using VoiceServer.Audio;
using VoiceServer.Legs;

namespace VoiceServer.Vonage;

/// <summary>What a text message from Vonage is (docs/reference/vonage-voice-websockets.md §3).</summary>
internal enum VonageEvent
{
    Unknown,
    Notify,
    Cleared,
    Dtmf,
    /// <summary>Another <c>websocket:connected</c> after the first message: ignored.</summary>
    Connected,
}

/// <summary>
/// Reads Vonage's text messages: the first one (the metadata: <c>content-type</c> and the NCCO <c>headers</c>,
/// merged at the top level) and the few events after it. Audio is binary and never comes here.
/// </summary>
internal static class VonageMessageReader
{
    /// <summary>The header that carries the call's uuid, named as Twilio's <c>&lt;Parameter&gt;</c> would be.</summary>
    public const string CallSidHeader = "CallSid";

    /// <summary>Ids go into REST URLs: only what a UUID is made of, and no longer than an id needs.</summary>
    public const int MaxIdLength = 64;

    /// <summary>Vonage's own keys of the first message, never call parameters.</summary>
    private static readonly string[] s_reservedKeys = ["event", "content-type"];

    private static readonly Dictionary<string, string> s_none = [];

    private static readonly SearchValues<char> s_idCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

    /// <summary>True for a call uuid Vonage could have issued (a UUID's characters).</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= MaxIdLength } && !id.AsSpan().ContainsAnyExcept(s_idCharacters);

    /// <summary>
    /// The first message as the session's <c>start</c>. Every string, number or boolean header becomes a custom
    /// parameter (numbers and booleans as their JSON text); objects and arrays are refused. The media format comes
    /// from <c>content-type</c> (<c>audio/l16;rate=16000</c>); the session refuses anything it cannot use.
    /// </summary>
    /// <param name="json">The message.</param>
    /// <param name="upgradeParameters">
    /// Parameters the upgrade itself proved (the signed configuration from <c>Authorization</c>): they win over
    /// headers of the same name, split parts (<c>config.0</c>, …) included.
    /// </param>
    /// <param name="problem">Why the message was refused.</param>
    public static CallerStart? ReadFirstMessage(ReadOnlySpan<byte> json, IReadOnlyDictionary<string, string>? upgradeParameters, out string? problem)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException)
        {
            problem = "the first message is not JSON";
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "the first message is not a JSON object";
                return null;
            }

            string? contentType = null;
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("content-type"))
                {
                    contentType = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    continue;
                }

                if (s_reservedKeys.Contains(property.Name, StringComparer.Ordinal))
                {
                    continue;
                }

                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        parameters[property.Name] = property.Value.GetString()!;
                        break;
                    case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                        parameters[property.Name] = property.Value.GetRawText();
                        break;
                    case JsonValueKind.Null:
                        break;
                    default:
                        problem = "a header of the first message is not a string";
                        return null;
                }
            }

            foreach (var (name, value) in upgradeParameters ?? s_none)
            {
                foreach (var key in parameters.Keys.Where(key => key == name || key.StartsWith(name + ".", StringComparison.Ordinal)).ToList())
                {
                    parameters.Remove(key);
                }

                parameters[name] = value;
            }

            parameters.Remove(CallSidHeader, out var callSid);
            if (callSid is not null && !IsValidId(callSid))
            {
                problem = "the first message has an invalid CallSid";
                return null;
            }

            var (encoding, rate) = ParseContentType(contentType);
            problem = null;
            // Vonage names no stream: the call's uuid stands for it in logs, or a local id without one.
            return new CallerStart(
                callSid ?? Guid.NewGuid().ToString("N"),
                callSid,
                AccountSid: null,
                encoding,
                rate,
                Channels: 1,
                parameters,
                ConvertedAudio: ModelAudioFormat.Pcm24);
        }
    }

    /// <summary><c>audio/l16;rate=16000</c> → (<c>audio/l16</c>, 16000); a missing or unreadable rate is null.</summary>
    public static (string? Encoding, int? SampleRate) ParseContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return (null, null);
        }

        var parts = contentType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return (null, null);
        }

        var encoding = parts[0].ToLowerInvariant();
        int? rate = null;
        foreach (var part in parts.AsSpan(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part[..equals].Trim().Equals("rate", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(part[(equals + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var hz))
            {
                rate = hz;
            }
        }

        return (encoding, rate);
    }

    /// <summary>
    /// An event after the first message. <paramref name="mark"/> is a <c>websocket:notify</c>'s
    /// <c>payload.mark</c> (unescaped into <paramref name="scratch"/> if needed); <paramref name="digit"/> a DTMF
    /// digit from <c>digit</c> or <c>dtmf.digit</c>, string or number (both shapes are seen, §3.5).
    /// </summary>
    public static VonageEvent ReadEvent(ReadOnlySpan<byte> json, Span<byte> scratch, out ReadOnlySpan<byte> mark, out string? digit, out string? problem)
    {
        mark = default;
        digit = null;
        problem = null;
        var kind = VonageEvent.Unknown;
        var markLength = -1;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "not a JSON object";
                return VonageEvent.Unknown;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("event"u8))
                {
                    reader.Read();
                    kind = reader.TokenType != JsonTokenType.String ? VonageEvent.Unknown
                        : reader.ValueTextEquals("websocket:notify"u8) ? VonageEvent.Notify
                        : reader.ValueTextEquals("websocket:cleared"u8) ? VonageEvent.Cleared
                        : reader.ValueTextEquals("websocket:dtmf"u8) ? VonageEvent.Dtmf
                        : reader.ValueTextEquals("websocket:connected"u8) ? VonageEvent.Connected
                        : VonageEvent.Unknown;
                }
                else if (reader.ValueTextEquals("payload"u8))
                {
                    reader.Read();
                    markLength = ReadNested(ref reader, "mark"u8, scratch);
                }
                else if (reader.ValueTextEquals("digit"u8))
                {
                    reader.Read();
                    digit = ReadDigit(ref reader) ?? digit;
                }
                else if (reader.ValueTextEquals("dtmf"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var isDigit = reader.ValueTextEquals("digit"u8);
                            reader.Read();
                            if (isDigit)
                            {
                                digit ??= ReadDigit(ref reader);
                            }
                            else
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
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
            return VonageEvent.Unknown;
        }

        if (kind == VonageEvent.Notify)
        {
            if (markLength < 0)
            {
                problem = "websocket:notify without payload.mark";
                return VonageEvent.Unknown;
            }

            mark = scratch[..markLength];
        }

        if (kind == VonageEvent.Dtmf && digit is null)
        {
            problem = "websocket:dtmf without a digit";
            return VonageEvent.Unknown;
        }

        if (kind == VonageEvent.Unknown)
        {
            problem = "unknown event";
        }

        return kind;
    }

    /// <summary>Copies the string property <paramref name="name"/> of the object at the reader into scratch; -1 if absent.</summary>
    private static int ReadNested(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, Span<byte> scratch)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return -1;
        }

        var length = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals(name);
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.String)
            {
                length = reader.CopyString(scratch);
            }
            else
            {
                reader.Skip();
            }
        }

        return length;
    }

    private static string? ReadDigit(ref Utf8JsonReader reader)
    {
        var value = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number when reader.TryGetInt32(out var number) => number.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }

        // One key: 0–9, *, #, or A–D.
        return value is { Length: 1 } && "0123456789*#ABCDabcd".Contains(value[0], StringComparison.Ordinal) ? value.ToUpperInvariant() : null;
    }
}
