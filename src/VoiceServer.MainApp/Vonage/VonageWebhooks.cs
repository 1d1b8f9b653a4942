using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.MainApp.Webhooks;
using VoiceServer.Vonage;

namespace VoiceServer.MainApp.Vonage;

/// <summary>
/// A Vonage Voice application's two webhooks. <c>GET|POST /api/vonage/answer</c> finds the agent of the dialled number
/// (<c>to</c>) among the numbers registered for Vonage and answers an NCCO that connects the call to the voice
/// server's Vonage path, its configuration bound to the call's <c>uuid</c>. <c>GET|POST /api/vonage/events</c> takes
/// Vonage's call events with a 204. For an agent that records its calls, the NCCO starts a recording first
/// (<see cref="VonageRecording"/>). Both require a JWT signed with <c>VONAGE_SIGNATURE_SECRET</c>
/// (HS256, <c>iat</c> fresh, <c>payload_hash</c> over a body: the voice server's own <see cref="VonageJwtValidator"/>),
/// each token let in once.
/// </summary>
internal static partial class VonageWebhooks
{
    public const string AnswerPath = "/api/vonage/answer";
    public const string EventsPath = "/api/vonage/events";

    private const string Provider = "Vonage";

    /// <summary>A call uuid is a UUID; letters, digits and <c>-</c> up to this length, nothing that could leave a URL path.</summary>
    private const int MaxUuidLength = 64;

    public static void MapVonageWebhooks(this WebApplication app)
    {
        app.MapMethods(AnswerPath, [HttpMethods.Get, HttpMethods.Post], AnswerAsync).DisableAntiforgery().WithRequestBodyLimit(RequestLimits.VoiceWebhookBodyBytes);
        app.MapMethods(EventsPath, [HttpMethods.Get, HttpMethods.Post], EventsAsync).DisableAntiforgery().WithRequestBodyLimit(RequestLimits.VoiceWebhookBodyBytes);
    }

    private static async Task<IResult> AnswerAsync(
        HttpContext context,
        AgentStore agents,
        AgentCallConfiguration configuration,
        CallRecordingStore recordings,
        VonageRecordings vonageRecordings,
        ReplayGuard replays,
        IOptions<MainAppOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.VonageWebhooks");
        var settings = options.Value;
        var (refusal, body) = await ReadSignedAsync(context, settings, replays, timeProvider, logger, cancellationToken);
        if (body is null)
        {
            return refusal!;
        }

        if (!TryReadCall(context.Request, body, out var call))
        {
            return Agents.AdminApi.Error(StatusCodes.Status400BadRequest, "bad_request", "An answer webhook's body is a JSON object.");
        }

        var (to, from, uuid, conversation) = call;
        if (uuid is not null && !IsUuid(uuid))
        {
            WebhookLog.FieldRefused(logger, Provider, "uuid");
            return WebhookResults.InvalidField("uuid");
        }

        // Vonage writes numbers without the "+" (447700900000); they are stored in E.164.
        var number = to is { Length: > 0 } && to[0] != '+' ? "+" + to : to;
        var agent = string.IsNullOrEmpty(number) ? null : await agents.FindByNumberAsync(number, PhoneProvider.Vonage, cancellationToken);
        if (agent is null || !agent.Enabled)
        {
            WebhookLog.AgentNotFound(logger, Provider, to, uuid, agent is null ? "no agent has this Vonage number" : "the agent is disabled");
            return Json(Ncco.NotInService());
        }

        WebhookLog.CallRouted(logger, Provider, uuid, to, agent.Id);
        var headers = new List<(string Name, string Value)>();
        AddIfSet(headers, "CallSid", uuid);
        AddIfSet(headers, "From", from);
        AddIfSet(headers, "To", to);
        var callConfiguration = configuration.ForCall(agent, uuid);
        var authorization = configuration.IsSigned
            ? Ncco.BearerAuthorization(callConfiguration.Single().Value)
            : settings.VonageSignatureSecret is not null ? Ncco.VonageAuthorization() : null;
        if (!configuration.IsSigned)
        {
            headers.AddRange(callConfiguration);
        }

        var publicUrl = settings.PublicUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}");
        // Recorded only when Vonage's recording event can be matched to the call: it names the conversation, not the call.
        var record = agent.RecordCalls && VonageRecording.IsCallUuid(uuid) && VonageRecording.IsConversationUuid(conversation);
        if (record)
        {
            await recordings.RequestedAsync(uuid!, agent.Id, PhoneProvider.Vonage, cancellationToken, conversation);
            if (vonageRecordings.FirstUnfetchableRecording())
            {
                // Vonage records the call all the same; the admin API cannot fetch it until the settings are there.
                Log.RecordingsUnfetchable(logger);
            }
        }

        return Json(Ncco.Connect(
            new Uri(MainAppOptions.PublicPath(publicUrl, EventsPath)),
            new Uri(settings.VoiceServerUrl, "/api/vonage/media-stream"),
            headers,
            authorization,
            record ? VonageRecording.RecordAction(VonageRecording.StatusCallbackUrl(publicUrl)) : null));
    }

    private static async Task<IResult> EventsAsync(HttpContext context, ReplayGuard replays, IOptions<MainAppOptions> options, TimeProvider timeProvider, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.VonageWebhooks");
        var (refusal, body) = await ReadSignedAsync(context, options.Value, replays, timeProvider, logger, cancellationToken);
        return body is null ? refusal! : Results.NoContent();
    }

    /// <summary>
    /// The body of a request Vonage signed (empty for a GET), or else (body null) the refusal to answer instead: every
    /// Vonage webhook of the app, the recording callback's too, is read through here.
    /// </summary>
    internal static async Task<(IResult? Refusal, byte[]? Body)> ReadSignedAsync(
        HttpContext context,
        MainAppOptions settings,
        ReplayGuard replays,
        TimeProvider timeProvider,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        if (!settings.Serves(PhoneProvider.Vonage))
        {
            WebhookLog.ProviderNotServed(logger, Provider, "VONAGE_SIGNATURE_SECRET");
            return (WebhookResults.NotServed(PhoneProvider.Vonage), null);
        }

        var body = HttpMethods.IsPost(context.Request.Method) ? await WebhookBodies.ReadAsync(context.Request, cancellationToken) : [];
        if (settings.VonageSignatureSecret is { } secret)
        {
            var authorization = context.Request.Headers.Authorization;
            var check = VonageJwtCheck.Missing;
            string? tokenId = null;
            if (authorization.Count == 1 && BearerToken(authorization.ToString()) is { } token)
            {
                check = new VonageJwtValidator(secret, timeProvider).Validate(token, body, checkBody: body.Length > 0, out tokenId);
            }

            if (check != VonageJwtCheck.Valid)
            {
                WebhookLog.SignatureRefused(logger, Provider, check.ToString());
                return (WebhookResults.InvalidSignature("Authorization"), null);
            }

            // Either side of now, iat passes for twice the window: remember the token that long.
            var replay = await replays.TryAcceptAsync("vonage:" + tokenId, 2 * VonageJwtValidator.DefaultFreshness, cancellationToken);
            if (WebhookResults.Refusal(replay) is { } refusal)
            {
                WebhookLog.ReplayRefused(logger, Provider, replay);
                return (refusal, null);
            }
        }

        return (null, body);
    }

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, or null for any other header.</summary>
    private static string? BearerToken(string authorization)
    {
        const string Bearer = "Bearer ";
        return authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && authorization.Length > Bearer.Length
            ? authorization[Bearer.Length..].Trim()
            : null;
    }

    /// <summary>
    /// <c>to</c>, <c>from</c>, <c>uuid</c> and <c>conversation_uuid</c>: from the query of a GET, or the JSON object a
    /// POST carries (values that are not strings count as absent).
    /// </summary>
    private static bool TryReadCall(HttpRequest request, byte[] body, out (string? To, string? From, string? Uuid, string? Conversation) call)
    {
        if (body.Length == 0)
        {
            call = (Single(request.Query["to"]), Single(request.Query["from"]), Single(request.Query["uuid"]), Single(request.Query["conversation_uuid"]));
            return true;
        }

        call = default;
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            call = (Text(document.RootElement, "to"), Text(document.RootElement, "from"), Text(document.RootElement, "uuid"), Text(document.RootElement, "conversation_uuid"));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }

        static string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        static string? Single(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 1 ? values.ToString() : null;
    }

    private static bool IsUuid(string value) =>
        value.Length is > 0 and <= MaxUuidLength && value.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static void AddIfSet(List<(string Name, string Value)> values, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            values.Add((name, value));
        }
    }

    private static IResult Json(string ncco) => Results.Content(ncco, "application/json; charset=utf-8");

    private static partial class Log
    {
        [LoggerMessage(87, LogLevel.Warning, "A Vonage call is recorded by Vonage, but VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY are not set: the admin API cannot fetch Vonage calls' recordings until they are (said once).")]
        public static partial void RecordingsUnfetchable(ILogger logger);
    }
}
