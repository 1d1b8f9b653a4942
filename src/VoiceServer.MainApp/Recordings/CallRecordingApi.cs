using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Plivo;
using VoiceServer.MainApp.Security;
using VoiceServer.MainApp.Telnyx;
using VoiceServer.MainApp.Twilio;
using VoiceServer.MainApp.Vonage;
using VoiceServer.MainApp.Webhooks;
using VoiceServer.Plivo;
using VoiceServer.Telnyx;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// Recordings of calls, made by Twilio (<see cref="TwilioRecording"/>), Telnyx (<see cref="TelnyxRecording"/>), Plivo
/// (<see cref="PlivoRecording"/>) or Vonage (<see cref="VonageRecording"/>). <c>POST /api/twilio/recording-status</c>,
/// <c>/api/telnyx/recording-status</c>, <c>/api/plivo/recording-status</c> and <c>/api/vonage/recording-status</c> are
/// the providers' recording callbacks: signed, about a call the app asked that provider to record; each stores the
/// recording's id, length, channels and status with the call. Twilio's, Telnyx's and Plivo's media URLs are never
/// stored nor fetched: their media is fetched by the recording's id. Vonage has no such address: its file's URL is kept
/// only once checked to be on an allowed Vonage API origin. <c>GET /api/calls/{callSid}/recording</c> (admin,
/// <c>?format=mp3</c>, WAV by default) streams the media with the provider's credentials; <c>DELETE</c> deletes it
/// there and marks it deleted here.
/// </summary>
internal static partial class CallRecordingApi
{
    /// <summary>A recording status callback: a dozen short fields.</summary>
    public const long StatusCallbackBodyBytes = 64 * 1024;

    /// <summary>Twilio ends any call after four hours; a day is a generous ceiling for a recording's length.</summary>
    private const int MaxDurationSeconds = 24 * 60 * 60;

    /// <summary>Neither admin route takes a body.</summary>
    public const long AdminBodyBytes = 16 * 1024;

    private const string LoggerName = "VoiceServer.MainApp.Recordings";

    public static void AddCallRecordings(this IServiceCollection services)
    {
        services.AddSingleton<CallRecordingStore>();
        // Each provider whose calls the app records, in the order a CallSid is matched against their forms.
        services.AddSingleton<IProviderRecordings, TwilioRecordings>();
        services.AddSingleton<IProviderRecordings, TelnyxRecordings>();
        services.AddSingleton<IProviderRecordings, PlivoRecordings>();
        services.AddSingleton<VonageRecordings>();
        services.AddSingleton<IProviderRecordings>(static provider => provider.GetRequiredService<VonageRecordings>());
        // Telnyx's API and its recordings' storage, Plivo's API and media, Vonage's files: a redirect could lead anywhere, so none is followed.
        services.AddHttpClient(TelnyxRecordings.HttpClientName).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHttpClient(PlivoRecordings.HttpClientName).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHttpClient(VonageRecordings.HttpClientName).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false });
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
        app.MapPost(TelnyxRecording.StatusCallbackPath, TelnyxStatusAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(StatusCallbackBodyBytes);
        app.MapPost(PlivoRecording.StatusCallbackPath, PlivoStatusAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(StatusCallbackBodyBytes);
        app.MapPost(VonageRecording.StatusCallbackPath, VonageStatusAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(StatusCallbackBodyBytes);
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

        return await StoreAsync(PhoneProvider.Twilio, callSid!, recordingSid!, status!, duration, channels, recordings, logger, cancellationToken);
    }

    /// <summary>Telnyx's recording status callback for a TeXML call: the same rules as Twilio's, Telnyx's ids.</summary>
    private static async Task<IResult> TelnyxStatusAsync(
        HttpContext context,
        CallRecordingStore recordings,
        ReplayGuard replays,
        IOptions<MainAppOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var (fields, refusal) = await TelnyxSignedForm.ReadAsync(context, options.Value, replays, timeProvider, logger, cancellationToken);
        if (fields is null)
        {
            return refusal!;
        }

        var callSid = fields.GetValueOrDefault("CallSid");
        var recordingSid = fields.GetValueOrDefault("RecordingSid");
        var status = fields.GetValueOrDefault("RecordingStatus");
        if (!TelnyxRecording.IsCallSid(callSid))
        {
            return Invalid("CallSid", "CallSid is not a Telnyx CallSid (v2: or v3: and a call control id).");
        }

        if (!TelnyxRecordingsApi.IsRecordingId(recordingSid))
        {
            return Invalid("RecordingSid", "RecordingSid is not a Telnyx recording id (a UUID).");
        }

        if (!TelnyxRecording.IsTelnyxStatus(status))
        {
            return Invalid("RecordingStatus", "RecordingStatus is not one of Telnyx's values.");
        }

        if (!TryReadCount(fields, "RecordingDuration", MaxDurationSeconds, out var duration))
        {
            return Invalid("RecordingDuration", $"RecordingDuration must be a whole number of seconds, at most {MaxDurationSeconds}.");
        }

        if (!TryReadCount(fields, "RecordingChannels", 2, out var channels) || channels == 0)
        {
            return Invalid("RecordingChannels", "RecordingChannels must be 1 or 2.");
        }

        return await StoreAsync(PhoneProvider.Telnyx, callSid!, recordingSid!, status!, duration, channels, recordings, logger, cancellationToken);
    }

    /// <summary>
    /// Plivo's <c>&lt;Record&gt;</c> callback, sent once the file is ready: the same rules as Twilio's, Plivo's ids and
    /// fields. It says nothing of status or channels: the file is ready (completed), and stereo was asked for (2).
    /// </summary>
    private static async Task<IResult> PlivoStatusAsync(
        HttpContext context,
        CallRecordingStore recordings,
        ReplayGuard replays,
        IOptions<MainAppOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var (refusal, fields) = await PlivoSignedForm.ReadAsync(context, options.Value, replays, logger, cancellationToken);
        if (fields is null)
        {
            return refusal!;
        }

        var callUuid = fields.GetValueOrDefault("CallUUID");
        var recordingId = fields.GetValueOrDefault("RecordingID");
        if (!PlivoRecording.IsCallUuid(callUuid))
        {
            return Invalid("CallUUID", "CallUUID is not a Plivo CallUUID (a UUID).");
        }

        if (!PlivoRecordingsApi.IsRecordingId(recordingId))
        {
            return Invalid("RecordingID", "RecordingID is not a Plivo recording id (8-4-4-4-12 letters and digits).");
        }

        if (!TryReadCount(fields, "RecordingDuration", MaxDurationSeconds, out var duration))
        {
            return Invalid("RecordingDuration", $"RecordingDuration must be a whole number of seconds, at most {MaxDurationSeconds}.");
        }

        if (!TryReadMilliseconds(fields, "RecordingDurationMs", MaxDurationSeconds, out var durationMs))
        {
            return Invalid("RecordingDurationMs", $"RecordingDurationMs must be a number of milliseconds, at most {MaxDurationSeconds * 1000L}.");
        }

        // RecordUrl is never read: the file is fetched by its id, from PLIVO_MEDIA_BASE_URL.
        return await StoreAsync(PhoneProvider.Plivo, callUuid!, recordingId!, CallRecordingStatuses.Completed, duration ?? durationMs, 2, recordings, logger, cancellationToken);
    }

    /// <summary>
    /// Vonage's <c>record</c> event, sent once the file is ready: a JSON body signed as every Vonage webhook is, about
    /// the conversation of a call the app asked Vonage to record. The same rules as the other providers' callbacks; the
    /// file's URL is kept only when it is a file on an origin of <c>VONAGE_RECORDING_ORIGINS</c>, and an empty one
    /// (Vonage made no file) is kept as a failed recording.
    /// </summary>
    private static async Task<IResult> VonageStatusAsync(
        HttpContext context,
        CallRecordingStore recordings,
        ReplayGuard replays,
        IOptions<MainAppOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var settings = options.Value;
        var (refusal, body) = await VonageWebhooks.ReadSignedAsync(context, settings, replays, timeProvider, logger, cancellationToken);
        if (body is null)
        {
            return refusal!;
        }

        VonageRecordingEvent recording;
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return AdminApi.Error(StatusCodes.Status400BadRequest, "bad_request", "A recording event's body is a JSON object.");
            }

            var read = VonageRecordingEvent.Read(document.RootElement, settings.VonageRecordingOrigins, MaxDurationSeconds);
            if (read.Problem is { } problem)
            {
                return Invalid(problem.Field, problem.Message);
            }

            recording = read.Event!;
        }
        catch (JsonException)
        {
            return AdminApi.Error(StatusCodes.Status400BadRequest, "bad_request", "A recording event's body is a JSON object.");
        }

        var status = recording.MediaUrl is null ? CallRecordingStatuses.Failed : CallRecordingStatuses.Completed;
        if (await recordings.UpdateVonageAsync(recording.ConversationUuid, recording.RecordingUuid, recording.MediaUrl, status, recording.DurationSeconds, cancellationToken))
        {
            Log.RecordingReported(logger, recording.ConversationUuid, recording.RecordingUuid, status);
        }
        else
        {
            // Another conversation's, a recording deleted here, or a second recording of the call: acknowledged, nothing kept.
            Log.RecordingIgnored(logger, recording.ConversationUuid, recording.RecordingUuid);
        }

        return Results.NoContent();
    }

    private static async Task<IResult> StoreAsync(
        PhoneProvider provider, string callSid, string recordingSid, string status, int? duration, int? channels, CallRecordingStore recordings, ILogger logger, CancellationToken cancellationToken)
    {
        if (await recordings.UpdateAsync(provider, callSid, recordingSid, status, duration, channels, cancellationToken))
        {
            Log.RecordingReported(logger, callSid, recordingSid, status);
        }
        else
        {
            // Another call's, a recording deleted here, or a second recording of the call: acknowledged, nothing kept.
            Log.RecordingIgnored(logger, callSid, recordingSid);
        }

        return Results.NoContent();
    }

    private static async Task<IResult> GetMediaAsync(
        string callSid,
        string? format,
        CallRecordingStore recordings,
        IEnumerable<IProviderRecordings> providers,
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

        var (recording, provider, refusal) = await FindAsync(callSid, recordings, providers, cancellationToken);
        if (recording is null)
        {
            return refusal!;
        }

        var name = recording.Provider.ToString();
        MediaFetch fetch;
        try
        {
            fetch = await provider!.GetMediaAsync(recording, mediaFormat.Value, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.MediaUnavailable(logger, callSid, recording.RecordingSid!, $"{name} could not be reached");
            return AdminApi.Error(StatusCodes.Status502BadGateway, $"{recording.Provider.Name()}_unavailable", $"{name} could not be reached.");
        }

        if (fetch.Media is not { } media)
        {
            Log.MediaUnavailable(logger, callSid, recording.RecordingSid!, fetch.Problem!);
            return fetch.NotFound
                ? AdminApi.Error(StatusCodes.Status404NotFound, "not_found", $"{name} has no media for the recording of call {callSid}.")
                : AdminApi.Error(StatusCodes.Status502BadGateway, $"{recording.Provider.Name()}_refused", $"{char.ToUpperInvariant(fetch.Problem![0])}{fetch.Problem[1..]}.");
        }

        Log.MediaServed(logger, callSid, recording.RecordingSid!);
        return mediaFormat == RecordingFormat.Mp3
            ? new ProxiedMedia(media, "audio/mpeg", $"{recording.RecordingSid}.mp3")
            : new ProxiedMedia(media, "audio/x-wav", $"{recording.RecordingSid}.wav");
    }

    private static async Task<IResult> DeleteAsync(
        string callSid,
        CallRecordingStore recordings,
        IEnumerable<IProviderRecordings> providers,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var (recording, provider, refusal) = await FindAsync(callSid, recordings, providers, cancellationToken, mediaReady: false);
        if (recording is null)
        {
            return refusal!;
        }

        var result = await provider!.DeleteAsync(recording.RecordingSid!, cancellationToken);
        if (!result.Deleted)
        {
            Log.NotDeleted(logger, callSid, recording.RecordingSid!, result.Problem!);
            return AdminApi.Error(StatusCodes.Status502BadGateway, "not_deleted", result.Problem!);
        }

        await recordings.MarkDeletedAsync(callSid, CancellationToken.None);
        Log.Deleted(logger, callSid, recording.RecordingSid!);
        // A provider with no deletion keeps its copy: the answer says so rather than a bare 204.
        return result.Note is { } note
            ? Results.Json(new RecordingDeletedView("forgotten", note), MainAppJsonContext.Default.RecordingDeletedView)
            : Results.NoContent();
    }

    /// <summary>
    /// The recording of a call that its provider reported (with a file, when <paramref name="mediaReady"/>) and not
    /// deleted, and that provider, found by the provider the stored row names (two providers' call ids may look alike);
    /// or the refusal: 400 no provider's CallSid, 404 none, 409 no credentials for the recording's provider.
    /// </summary>
    private static async Task<(CallRecording? Recording, IProviderRecordings? Provider, IResult? Refusal)> FindAsync(
        string callSid, CallRecordingStore recordings, IEnumerable<IProviderRecordings> providers, CancellationToken cancellationToken, bool mediaReady = true)
    {
        if (!providers.Any(provider => provider.IsCallSid(callSid)))
        {
            var forms = providers.Select(static provider => provider.CallSidForm).ToList();
            return (null, null, Invalid("callSid", $"callSid must be {string.Join(", ", forms[..^1])} or {forms[^1]}."));
        }

        var recording = await recordings.GetAsync(callSid, cancellationToken);
        // The row's provider must also be one whose ids this could be: a row is never read under another form.
        var provider = recording is null ? null : providers.FirstOrDefault(provider => provider.Provider == recording.Provider && provider.IsCallSid(callSid));
        var found = provider is not null && recording is { RecordingSid: not null } &&
            recording.Status != CallRecordingStatuses.Deleted &&
            (!mediaReady || recording.Status == CallRecordingStatuses.Completed);
        if (!found)
        {
            return (null, null, AdminApi.Error(StatusCodes.Status404NotFound, "not_found", $"No recording of call {callSid}."));
        }

        return provider!.IsConfigured
            ? (recording, provider, null)
            : (null, null, AdminApi.Error(StatusCodes.Status409Conflict, "recordings_unavailable", provider.MissingSettings));
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

    /// <summary>An optional length in milliseconds (Plivo writes them as <c>345100</c> or <c>345100.00000</c>), as whole seconds.</summary>
    private static bool TryReadMilliseconds(Dictionary<string, string> fields, string name, int maxSeconds, out int? seconds)
    {
        seconds = null;
        if (fields.GetValueOrDefault(name) is not { } text)
        {
            return true;
        }

        if (text.Length > 32 || !decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var milliseconds) || milliseconds > maxSeconds * 1000m)
        {
            return false;
        }

        seconds = (int)Math.Round(milliseconds / 1000m, MidpointRounding.AwayFromZero);
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
