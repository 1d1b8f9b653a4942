using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.Security;

namespace VoiceServer.MainApp.Calls;

/// <summary>A stored call record as <c>GET /api/calls</c> lists it: the voice server's record, whole, and when it arrived.</summary>
internal sealed record CallRecordView(string CallId, string? AgentId, string? CallSid, DateTimeOffset StartedAt, long DurationMs, string EndReason, JsonElement Record, DateTimeOffset ReceivedAt);

/// <summary>
/// <c>POST /api/calls/events</c> receives the voice server's call records, checking <c>X-Voice-Server-Signature</c>
/// (HMAC-SHA256 of "t.url.body" with <c>CALL_EVENTS_SIGNING_KEY</c>, <c>t</c> within five minutes) and stores them, one
/// per call (a redelivery replaces). <c>GET /api/calls?agentId=</c> lists them (admin API).
/// </summary>
internal static partial class CallEvents
{
    private static readonly TimeSpan s_replayWindow = TimeSpan.FromMinutes(5);

    public static void MapCallEvents(this WebApplication app) =>
        app.MapPost("/api/calls/events", ReceiveAsync).DisableAntiforgery().WithRequestBodyLimit(RequestLimits.CallRecordBodyBytes);

    public static async Task<IResult> ListAsync(string? agentId, int? limit, AgentStore store, CancellationToken cancellationToken)
    {
        var records = await store.ListCallRecordsAsync(agentId, Math.Clamp(limit ?? 100, 1, 1000), cancellationToken);
        var views = records.Select(r =>
        {
            using var document = JsonDocument.Parse(r.RecordJson);
            return new CallRecordView(r.CallId, r.AgentId, r.CallSid, r.StartedAt, r.DurationMs, r.EndReason, document.RootElement.Clone(), r.ReceivedAt);
        }).ToList();
        return Results.Json(views, MainAppJsonContext.Default.ListCallRecordView);
    }

    private static async Task<IResult> ReceiveAsync(HttpContext context, AgentStore store, IOptions<MainAppOptions> options, TimeProvider timeProvider, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.CallEvents");
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        if (options.Value.CallEventsSigningKey is { } key &&
            !IsSigned(context.Request.Headers[WebhookSignature.HeaderName].ToString(), ReceivedAt(context.Request, options.Value), body, key, timeProvider.GetUtcNow()))
        {
            Log.Refused(logger);
            return AdminApi.Error(StatusCodes.Status401Unauthorized, "invalid_signature", "X-Voice-Server-Signature is missing, wrong or too old.");
        }

        StoredCallRecord record;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            record = new StoredCallRecord(
                root.GetProperty("callId").GetString() ?? throw new FormatException("callId"),
                root.TryGetProperty("agentId", out var agent) && agent.ValueKind == JsonValueKind.String ? agent.GetString() : null,
                root.TryGetProperty("callSid", out var sid) && sid.ValueKind == JsonValueKind.String ? sid.GetString() : null,
                root.GetProperty("startedAt").GetDateTimeOffset(),
                root.GetProperty("endedAt").GetDateTimeOffset(),
                root.GetProperty("durationMs").GetInt64(),
                root.GetProperty("endReason").GetString() ?? throw new FormatException("endReason"),
                Encoding.UTF8.GetString(body),
                timeProvider.GetUtcNow());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return AdminApi.Error(StatusCodes.Status400BadRequest, "invalid_record", "The body is not a call record (schemaVersion 1).");
        }

        await store.AddCallRecordAsync(record, cancellationToken);
        Log.Stored(logger, record.CallId, record.AgentId, record.EndReason);
        return Results.Ok();
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
    }
}
