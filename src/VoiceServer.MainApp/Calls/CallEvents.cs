using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Analysis;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.Secrets;

namespace VoiceServer.MainApp.Calls;

/// <summary>
/// <c>POST /api/calls/events</c> receives the voice server's call records, checking <c>X-Voice-Server-Signature</c>
/// (HMAC-SHA256 of "t.url.body" with <c>CALL_EVENTS_SIGNING_KEY</c>, <c>t</c> within five minutes) and stores each
/// call's record once: the same record again (a retry after a lost answer) is a 200 that changes nothing, a different
/// one for a stored call id is refused with 409. <c>GET /api/calls?agentId=</c> lists them (admin API): the calls
/// placed for the agent, and those it held a segment of after a handoff.
/// </summary>
internal static partial class CallEvents
{
    private static readonly TimeSpan s_replayWindow = TimeSpan.FromMinutes(5);

    public static void MapCallEvents(this WebApplication app) =>
        app.MapPost("/api/calls/events", ReceiveAsync).DisableAntiforgery().WithRequestBodyLimit(RequestLimits.CallRecordBodyBytes);

    public static async Task<IResult> ListAsync(
        string? agentId, int? limit, string? since, string? until, string? analysis, AgentStore store, CallRecordingStore recordings, IOptions<MainAppOptions> options, CancellationToken cancellationToken)
    {
        if (!TryReadTime(since, out var from))
        {
            return AdminApi.Invalid("since", "since must be an ISO 8601 time with its offset, e.g. 2026-11-24T00:00:00Z.");
        }

        if (!TryReadTime(until, out var to))
        {
            return AdminApi.Invalid("until", "until must be an ISO 8601 time with its offset, e.g. 2026-11-25T00:00:00Z.");
        }

        AnalysisFilter? analysisFilter = null;
        if (analysis is not null && !AnalysisFilterNames.TryParse(analysis, out analysisFilter))
        {
            return AdminApi.Invalid("analysis", "analysis must be passed, failed, pending or error.");
        }

        var filter = new CallRecordFilter(agentId, from, to, analysisFilter, Math.Clamp(limit ?? 100, 1, 1000));
        var records = await store.ListCallRecordsAsync(filter, cancellationToken);
        // Recordings are joined when listed, so a record stored before or after Twilio's recording callback shows it.
        var recorded = await recordings.ForCallsAsync([.. records.Select(static stored => stored.CallSid).OfType<string>()], cancellationToken);
        var views = records.Select(stored =>
        {
            using var document = JsonDocument.Parse(stored.RecordJson);
            var record = document.RootElement.Clone();
            // The listing's fields come from the record itself. Every stored record was read this way when it arrived;
            // the columns are the fallback only for one an older, laxer version accepted.
            var direction = stored.Outbound ? "outbound" : "inbound";
            var analysis = stored.Analysis is { } storedAnalysis ? AnalysisView.From(storedAnalysis) : null;
            var view = CallRecordSummary.TryRead(record, out var summary)
                ? new CallRecordView(summary.CallId, summary.AgentId, summary.CallSid, summary.StartedAt, summary.DurationMs, summary.EndReason, record, stored.ReceivedAt, direction, stored.AnsweredBy, summary.Segments, Analysis: analysis)
                : new CallRecordView(
                    stored.CallId, stored.AgentId, stored.CallSid, stored.StartedAt, stored.DurationMs, stored.EndReason, record, stored.ReceivedAt, direction, stored.AnsweredBy,
                    [new CallSegmentView(stored.AgentId, null, stored.StartedAt, stored.EndedAt, stored.EndReason, null, null, null, null, null)], Analysis: analysis);
            return view.CallSid is { } callSid && recorded.TryGetValue(callSid, out var recording)
                ? view with { Recording = CallRecordingView.Of(recording, options.Value) }
                : view;
        }).ToList();
        return Results.Json(views, MainAppJsonContext.Default.ListCallRecordView);
    }

    /// <summary>An absent filter, or an ISO 8601 time; one without an offset is UTC.</summary>
    private static bool TryReadTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (text is null)
        {
            return true;
        }

        const System.Globalization.DateTimeStyles Styles = System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AllowWhiteSpaces;
        if (text.Length > 40 || !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, Styles, out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext context, AgentStore store, AnalysisSignal analysisSignal, IOptions<MainAppOptions> options, TimeProvider timeProvider, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.CallEvents");
        // At most the endpoint's cap is read (RequestLimits): a larger body is refused with 413 before it is buffered.
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        if (options.Value.CallEventsSigningKey is { } key &&
            !IsSigned(context.Request.Headers[WebhookSignature.HeaderName].ToString(), ReceivedAt(context.Request, options.Value), body, key, timeProvider.GetUtcNow()))
        {
            Log.Refused(logger);
            return AdminApi.Error(StatusCodes.Status401Unauthorized, "invalid_signature", "X-Voice-Server-Signature is missing, wrong or too old.");
        }

        using var document = TryParse(body);
        if (document is null || !CallRecordSummary.TryRead(document.RootElement, out var summary))
        {
            return AdminApi.Error(StatusCodes.Status400BadRequest, "invalid_record", "The body is not a call record (schemaVersion 1), or its segments do not read.");
        }

        var json = Encoding.UTF8.GetString(body);
        var record = new StoredCallRecord(summary.CallId, summary.AgentId, summary.CallSid, summary.StartedAt, summary.EndedAt, summary.DurationMs, summary.EndReason, json, timeProvider.GetUtcNow());
        var storedBefore = await store.AddCallRecordOnceAsync(record, summary.Segments, cancellationToken);
        if (storedBefore is null)
        {
            Log.Stored(logger, record.CallId, record.AgentId, record.EndReason);
            // Its analysis, if its agent has a plan, was queued with it: start it now rather than at the next poll.
            analysisSignal.Notify();
            return Results.Ok();
        }

        if (IsSameRecord(storedBefore, json, document.RootElement))
        {
            Log.Redelivered(logger, record.CallId);
            return Results.Ok();
        }

        Log.Conflict(logger, record.CallId);
        return AdminApi.Error(StatusCodes.Status409Conflict, "conflict", "A different record is already stored for this callId; a stored record never changes.");
    }

    private static JsonDocument? TryParse(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The same bytes (the voice server sends the very same body on every attempt), or the same JSON written differently.</summary>
    private static bool IsSameRecord(string storedJson, string receivedJson, JsonElement received)
    {
        if (string.Equals(storedJson, receivedJson, StringComparison.Ordinal))
        {
            return true;
        }

        using var stored = JsonDocument.Parse(storedJson);
        return JsonElement.DeepEquals(stored.RootElement, received);
    }

    /// <summary>The receiver's side of the voice server's signature (<see cref="WebhookSignature"/>).</summary>
    internal static bool IsSigned(string header, Uri destination, byte[] body, string key, DateTimeOffset now) =>
        WebhookSignature.IsValid(header, Encoding.UTF8.GetBytes(key), destination, body, now, s_replayWindow);

    /// <summary>The URL the voice server sent this request to: <c>PUBLIC_URL</c> (as the TwiML's callbackUrl names it) + path and query.</summary>
    private static Uri ReceivedAt(HttpRequest request, MainAppOptions options) =>
        new(MainAppOptions.PublicPath(options.PublicUrl ?? new Uri($"{request.Scheme}://{request.Host}"), request.Path + request.QueryString.ToString()));

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "A call record was refused: its signature is missing, wrong or too old.")]
        public static partial void Refused(ILogger logger);

        [LoggerMessage(21, LogLevel.Information, "Call record {CallId} stored (agent {AgentId}, {EndReason}).")]
        public static partial void Stored(ILogger logger, string callId, string? agentId, string endReason);

        [LoggerMessage(22, LogLevel.Information, "Call record {CallId} delivered again, identical to the stored one: nothing changed.")]
        public static partial void Redelivered(ILogger logger, string callId);

        [LoggerMessage(23, LogLevel.Warning, "A call record for {CallId} was refused (409): it differs from the record already stored for that call, which stays as it was.")]
        public static partial void Conflict(ILogger logger, string callId);
    }
}
