using System.Globalization;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Twilio;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// Recordings of calls, made by Twilio (<see cref="TwilioRecording"/>). <c>POST /api/twilio/recording-status</c> is
/// Twilio's recording status callback: signed, from this app's account, about a call the app asked to record; it
/// stores the recording's sid, length, channels and status with the call. Its <c>RecordingUrl</c> is never stored
/// nor fetched: the media is always fetched from Twilio's API by the RecordingSid.
/// </summary>
internal static partial class CallRecordingApi
{
    /// <summary>Twilio's recording status callback: a dozen short fields.</summary>
    public const long StatusCallbackBodyBytes = 64 * 1024;

    /// <summary>Twilio ends any call after four hours; a day is a generous ceiling for a recording's length.</summary>
    private const int MaxDurationSeconds = 24 * 60 * 60;

    private const string LoggerName = "VoiceServer.MainApp.Recordings";

    public static void MapCallRecordings(this WebApplication app)
    {
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
    }
}
