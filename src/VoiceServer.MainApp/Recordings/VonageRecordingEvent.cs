using System.Globalization;
using System.Text.Json;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// Vonage's recording event as the app keeps it: the conversation it names, the recording's uuid, the file's checked
/// URL (null when Vonage made no file) and the length from <c>start_time</c> to <c>end_time</c>.
/// </summary>
internal sealed record VonageRecordingEvent(string ConversationUuid, string RecordingUuid, Uri? MediaUrl, int? DurationSeconds)
{
    /// <summary>A few gigabytes is far past any call's WAV; more is not a file's size.</summary>
    private const long MaxSize = 16L * 1024 * 1024 * 1024;

    /// <summary>The event, or the first field that is wrong (its name and what it must be).</summary>
    public static (VonageRecordingEvent? Event, (string Field, string Message)? Problem) Read(JsonElement body, IReadOnlyList<Uri> origins, int maxDurationSeconds)
    {
        if (Text(body, "conversation_uuid", out var conversation) is false || !VonageRecording.IsConversationUuid(conversation))
        {
            return (null, ("conversation_uuid", "conversation_uuid is not a Vonage conversation uuid (CON- and a UUID)."));
        }

        if (Text(body, "recording_uuid", out var recording) is false || !VonageRecording.IsRecordingUuid(recording))
        {
            return (null, ("recording_uuid", "recording_uuid is not a Vonage recording uuid (a UUID)."));
        }

        Uri? media = null;
        if (Text(body, "recording_url", out var url) is false || url is null)
        {
            return (null, ("recording_url", "recording_url must be a string."));
        }

        // Empty when Vonage made no file: a failed recording, with nothing to fetch.
        if (url.Length > 0 && (media = VonageRecording.MediaUrl(url, origins)) is null)
        {
            return (null, ("recording_url", "recording_url is not a file (/v1/files/{uuid}) on an origin of VONAGE_RECORDING_ORIGINS."));
        }

        if (!Time(body, "start_time", out var start))
        {
            return (null, ("start_time", "start_time must be an ISO 8601 time."));
        }

        if (!Time(body, "end_time", out var end))
        {
            return (null, ("end_time", "end_time must be an ISO 8601 time."));
        }

        int? duration = null;
        if (start is { } from && end is { } to)
        {
            var seconds = (to - from).TotalSeconds;
            if (seconds < 0 || seconds > maxDurationSeconds)
            {
                return (null, ("end_time", $"end_time must be from start_time to {maxDurationSeconds} seconds after it."));
            }

            duration = (int)Math.Round(seconds, MidpointRounding.AwayFromZero);
        }

        if (body.TryGetProperty("size", out var size) && (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var bytes) || bytes is < 0 or > MaxSize))
        {
            return (null, ("size", $"size must be a whole number of bytes, at most {MaxSize}."));
        }

        return (new VonageRecordingEvent(conversation!, recording!, media, duration), null);
    }

    /// <summary>False when the field is there but not a short string; true (value null) when it is absent.</summary>
    private static bool Text(JsonElement body, string name, out string? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: <= VonageRecording.MaxCallbackFieldLength } text)
        {
            return false;
        }

        value = text;
        return true;
    }

    private static bool Time(JsonElement body, string name, out DateTimeOffset? time)
    {
        time = null;
        if (!Text(body, name, out var text))
        {
            return false;
        }

        if (text is null)
        {
            return true;
        }

        if (text.Length > 64 || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }
}
