using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Twilio.Security;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Webhooks;

namespace VoiceServer.MainApp.Twilio;

/// <summary>
/// <c>POST /api/twilio/voice</c>: Twilio's voice webhook. Checks <c>X-Twilio-Signature</c> (the SDK's validator, over
/// <c>PUBLIC_URL</c> + the path), finds the agent for the dialled number (<c>To</c>), and answers with TwiML that
/// connects the call to the voice server, or apologises and hangs up when there is no enabled agent.
/// </summary>
internal static partial class VoiceWebhook
{
    public static void MapVoiceWebhook(this WebApplication app) =>
        app.MapPost("/api/twilio/voice", HandleAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(RequestLimits.VoiceWebhookBodyBytes)
            .WithFormOptions(valueCountLimit: RequestLimits.VoiceWebhookMaxFields, keyLengthLimit: 256, valueLengthLimit: (int)RequestLimits.VoiceWebhookBodyBytes);

    private static async Task<IResult> HandleAsync(
        HttpContext context,
        AgentStore agents,
        StreamTwiml twiml,
        IOptions<MainAppOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.VoiceWebhook");
        if (!options.Value.Serves(PhoneProvider.Twilio))
        {
            WebhookLog.ProviderNotServed(logger, "Twilio", "TWILIO_AUTH_TOKEN");
            return WebhookResults.NotServed(PhoneProvider.Twilio);
        }

        // Twilio posts application/x-www-form-urlencoded, nothing else; multipart would only widen what gets parsed.
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType) ||
            !contentType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Json(new ErrorBody("unsupported_media_type", "Twilio's webhook is form-encoded."), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        // Read within the endpoint's caps (body size, field count and length): a larger form is refused with a 4xx
        // (JsonErrors) before it is buffered, and the signature below is checked over what was read.
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var parameters = form.ToDictionary(field => field.Key, field => field.Value.ToString(), StringComparer.Ordinal);
        if (options.Value.TwilioAuthToken is { } token)
        {
            // The URL exactly as Twilio requested it: the public base (with any path prefix) + path + raw query.
            var url = MainAppOptions.PublicPath(options.Value.PublicUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}"), context.Request.Path + context.Request.QueryString.ToString());
            var signature = context.Request.Headers["X-Twilio-Signature"].ToString();
            if (signature.Length == 0 || !new RequestValidator(token).Validate(url, parameters, signature))
            {
                Log.SignatureRefused(logger, signature.Length > 0);
                return Results.Json(new ErrorBody("invalid_signature", "X-Twilio-Signature does not match this request."), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status403Forbidden);
            }
        }

        var to = parameters.GetValueOrDefault("To");
        var callSid = parameters.GetValueOrDefault("CallSid");
        var agent = string.IsNullOrEmpty(to) ? null : await agents.FindByNumberAsync(to, PhoneProvider.Twilio, cancellationToken);
        if (agent is null || !agent.Enabled)
        {
            Log.AgentNotFound(logger, to, callSid, agent is null ? "no agent has this number" : "the agent is disabled");
            return Results.Content(StreamTwiml.NotInService(), "application/xml");
        }

        Log.CallRouted(logger, callSid, to, agent.Id);
        return Results.Content(twiml.Connect(agent, parameters.GetValueOrDefault("From"), to, callSid), "application/xml");
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Warning, "Voice webhook refused: invalid Twilio signature (header present: {HeaderPresent}).")]
        public static partial void SignatureRefused(ILogger logger, bool headerPresent);

        [LoggerMessage(11, LogLevel.Warning, "Agent not found for {To} (CallSid {CallSid}): {Reason}; the caller hears an apology.")]
        public static partial void AgentNotFound(ILogger logger, string? to, string? callSid, string reason);

        [LoggerMessage(12, LogLevel.Information, "Call {CallSid} to {To} goes to agent {AgentId}.")]
        public static partial void CallRouted(ILogger logger, string? callSid, string? to, string agentId);
    }
}
