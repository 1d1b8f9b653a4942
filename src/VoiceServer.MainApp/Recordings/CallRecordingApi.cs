using System.Globalization;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Security;
using VoiceServer.MainApp.Twilio;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// Recordings of calls, made by Twilio (<see cref="TwilioRecording"/>). <c>POST /api/twilio/recording-status</c> is
/// Twilio's recording status callback: signed, from this app's account, about a call the app asked to record; it
/// stores the recording's sid, length, channels and status with the call. Its <c>RecordingUrl</c> is never stored
/// nor fetched: the media is always fetched from Twilio's API by the RecordingSid. <c>GET /api/calls/{callSid}/recording</c>
/// (admin, <c>?format=mp3</c>, WAV by default) streams the media from Twilio with the account's credentials;
/// <c>DELETE</c> deletes it at Twilio and marks it deleted here.
/// </summary>
internal static partial class CallRecordingApi
{
    /// <summary>Twilio's recording status callback: a dozen short fields.</summary>
    public const long StatusCallbackBodyBytes = 64 * 1024;

    /// <summary>Twilio ends any call after four hours; a day is a generous ceiling for a recording's length.</summary>
    private const int MaxDurationSeconds = 24 * 60 * 60;

    /// <summary>Neither admin route takes a body.</summary>
    public const long AdminBodyBytes = 16 * 1024;

    private const string LoggerName = "VoiceServer.MainApp.Recordings";

    public static void AddCallRecordings(this IServiceCollection services)
    {
        services.AddSingleton<CallRecordingStore>();
        services.AddSingleton<TwilioRecordings>();
    }

    public static void MapCallRecordings(this WebApplication app)
    {
        var recording = app.MapGroup("/api/calls/{callSid}/recording")
            .RequireAuthorization(AdminApiKeyAuthentication.PolicyName)
            .WithRequestBodyLimit(AdminBodyBytes);
        recording.MapGet(string.Empty, GetMediaAsync);
        recording.MapDelete(string.Empty, DeleteAsync);
        app.MapPost(TwilioRecording.StatusCallbackPath, StatusAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(StatusCallbackBodyBytes)
            .WithFormOptions(valueCountLimit: RequestLimits.VoiceWebhookMaxFields, keyLengthLimit: 256, valueLengthLimit: (int)StatusCallbackBodyBytes);
    }

    private static async Task<IResult> StatusAsync(
        HttpContext context,
        CallRecordingStore recordings,
        IOptions<MainAppOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var (fields, refusal, signatureRefused) = await TwilioForm.ReadSignedAsync(context, options.Value, cancellationToken);
        if (fields is null)
        {
            if (signatureRefused is not null)
            {
                Log.CallbackRefused(logger);
            }

            return refusal!;
        }

        if (!TwilioForm.IsOurAccount(fields, options.Value, out var problem))
        {
            return AdminApi.Error(StatusCodes.Status403Forbidden, "wrong_account", problem);
        }

        var callSid = fields.GetValueOrDefault("CallSid");
        var recordingSid = fields.GetValueOrDefault("RecordingSid");
        var status = fields.GetValueOrDefault("RecordingStatus");
        if (!TwilioRecording.IsCallSid(callSid))
        {
            return Invalid("CallSid", "CallSid is not a Twilio CallSid (CA and 32 hexadecimal digits).");
        }

        if (!TwilioRecording.IsRecordingSid(recordingSid))
        {
            return Invalid("RecordingSid", "RecordingSid is not a Twilio RecordingSid (RE and 32 hexadecimal digits).");
        }

        if (!CallRecordingStatuses.IsTwilios(status))
        {
            return Invalid("RecordingStatus", "RecordingStatus is not one of Twilio's values.");
        }

        if (!TryReadCount(fields, "RecordingDuration", MaxDurationSeconds, out var duration))
        {
            return Invalid("RecordingDuration", $"RecordingDuration must be a whole number of seconds, at most {MaxDurationSeconds}.");
        }

        if (!TryReadCount(fields, "RecordingChannels", 2, out var channels) || channels == 0)
        {
            return Invalid("RecordingChannels", "RecordingChannels must be 1 or 2.");
        }

        if (await recordings.UpdateAsync(callSid!, recordingSid!, status!, duration, channels, cancellationToken))
        {
            Log.RecordingReported(logger, callSid!, recordingSid!, status!);
        }
        else
        {
            // Another call's, a recording deleted here, or a second recording of the call: acknowledged, nothing kept.
            Log.RecordingIgnored(logger, callSid!, recordingSid!);
        }

        return Results.NoContent();
    }

    private static async Task<IResult> GetMediaAsync(
        string callSid,
        string? format,
        CallRecordingStore recordings,
        TwilioRecordings twilio,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        RecordingFormat? mediaFormat = format switch
        {
            null or "wav" => RecordingFormat.Wav,
            "mp3" => RecordingFormat.Mp3,
            _ => null,
        };
        if (mediaFormat is null)
        {
            return Invalid("format", "format must be wav (the default) or mp3.");
        }

        var (recording, refusal) = await FindAsync(callSid, recordings, twilio, cancellationToken);
        if (recording is null)
        {
            return refusal!;
        }

        HttpResponseMessage media;
        try
        {
            media = await twilio.GetMediaAsync(recording.RecordingSid!, mediaFormat.Value, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.MediaUnavailable(logger, callSid, recording.RecordingSid!, "Twilio could not be reached");
            return AdminApi.Error(StatusCodes.Status502BadGateway, "twilio_unavailable", "Twilio could not be reached.");
        }

        if (!media.IsSuccessStatusCode)
        {
            // Twilio's answer names the account: only its status is passed on.
            var status = (int)media.StatusCode;
            media.Dispose();
            Log.MediaUnavailable(logger, callSid, recording.RecordingSid!, $"Twilio answered HTTP {status}");
            return status == StatusCodes.Status404NotFound
                ? AdminApi.Error(StatusCodes.Status404NotFound, "not_found", $"Twilio has no media for the recording of call {callSid}.")
                : AdminApi.Error(StatusCodes.Status502BadGateway, "twilio_refused", $"Twilio answered HTTP {status}.");
        }

        Log.MediaServed(logger, callSid, recording.RecordingSid!);
        return mediaFormat == RecordingFormat.Mp3
            ? new ProxiedMedia(media, "audio/mpeg", $"{recording.RecordingSid}.mp3")
            : new ProxiedMedia(media, "audio/x-wav", $"{recording.RecordingSid}.wav");
    }

    private static async Task<IResult> DeleteAsync(
        string callSid,
        CallRecordingStore recordings,
        TwilioRecordings twilio,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var (recording, refusal) = await FindAsync(callSid, recordings, twilio, cancellationToken, mediaReady: false);
        if (recording is null)
        {
            return refusal!;
        }

        var result = await twilio.DeleteAsync(recording.RecordingSid!, cancellationToken);
        if (!result.Deleted)
        {
            Log.NotDeleted(logger, callSid, recording.RecordingSid!, result.Problem!);
            return AdminApi.Error(StatusCodes.Status502BadGateway, "not_deleted", result.Problem!);
        }

        await recordings.MarkDeletedAsync(callSid, CancellationToken.None);
        Log.Deleted(logger, callSid, recording.RecordingSid!);
        return Results.NoContent();
    }

    /// <summary>
    /// The recording of a call that Twilio reported (with a file, when <paramref name="mediaReady"/>) and not deleted,
    /// or the refusal: 400 not a CallSid, 409 no credentials, 404 none.
    /// </summary>
    private static async Task<(CallRecording? Recording, IResult? Refusal)> FindAsync(
        string callSid, CallRecordingStore recordings, TwilioRecordings twilio, CancellationToken cancellationToken, bool mediaReady = true)
    {
        if (!TwilioRecording.IsCallSid(callSid))
        {
            return (null, Invalid("callSid", "callSid must be a Twilio CallSid (CA and 32 hexadecimal digits)."));
        }

        if (!twilio.IsConfigured)
        {
            return (null, AdminApi.Error(StatusCodes.Status409Conflict, "recordings_unavailable", "Recordings need TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN on the main app."));
        }

        var recording = await recordings.GetAsync(callSid, cancellationToken);
        var found = recording is { RecordingSid: not null } &&
            recording.Status != CallRecordingStatuses.Deleted &&
            (!mediaReady || recording.Status == CallRecordingStatuses.Completed);
        return found
            ? (recording, null)
            : (null, AdminApi.Error(StatusCodes.Status404NotFound, "not_found", $"No recording of call {callSid}."));
    }

    /// <summary>An optional count from 0 to <paramref name="max"/>; Twilio's -1 (not known yet) reads as absent.</summary>
    private static bool TryReadCount(Dictionary<string, string> fields, string name, int max, out int? value)
    {
        value = null;
        if (fields.GetValueOrDefault(name) is not { } text || text == "-1")
        {
            return true;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed > max)
        {
            return false;
        }

        value = parsed;
        return true;
    }

    private static IResult Invalid(string field, string message) =>
        Results.Json(new ErrorBody("invalid_field", message, field), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status400BadRequest);

    private static partial class Log
    {
        [LoggerMessage(80, LogLevel.Warning, "Twilio recording-status callback refused: invalid Twilio signature.")]
        public static partial void CallbackRefused(ILogger logger);

        [LoggerMessage(81, LogLevel.Information, "Recording {RecordingSid} of call {CallSid}: {RecordingStatus}.")]
        public static partial void RecordingReported(ILogger logger, string callSid, string recordingSid, string recordingStatus);

        [LoggerMessage(82, LogLevel.Information, "Recording {RecordingSid} of call {CallSid} ignored: not a call the app asked to record, a recording deleted here, or another recording of the call.")]
        public static partial void RecordingIgnored(ILogger logger, string callSid, string recordingSid);

        [LoggerMessage(83, LogLevel.Information, "Recording {RecordingSid} of call {CallSid} served to an admin.")]
        public static partial void MediaServed(ILogger logger, string callSid, string recordingSid);

        [LoggerMessage(84, LogLevel.Warning, "Recording {RecordingSid} of call {CallSid} not served: {Problem}.")]
        public static partial void MediaUnavailable(ILogger logger, string callSid, string recordingSid, string problem);

        [LoggerMessage(85, LogLevel.Information, "Recording {RecordingSid} of call {CallSid} deleted.")]
        public static partial void Deleted(ILogger logger, string callSid, string recordingSid);

        [LoggerMessage(86, LogLevel.Warning, "Recording {RecordingSid} of call {CallSid} not deleted: {Problem}")]
        public static partial void NotDeleted(ILogger logger, string callSid, string recordingSid, string problem);
    }
}
