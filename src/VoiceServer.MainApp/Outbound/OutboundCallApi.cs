using System.Globalization;
using Microsoft.Extensions.Options;
using VoiceServer.Calls;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.MainApp.Security;
using VoiceServer.MainApp.Twilio;

namespace VoiceServer.MainApp.Outbound;

/// <summary>
/// Outbound calls. <c>POST /api/calls</c> (admin, <c>X-Api-Key</c>) <c>{agentId, to, from?}</c> places a call through
/// Twilio's REST API whose <c>Url</c> is this app's own voice webhook, marked with the agent: when the callee answers,
/// Twilio fetches it with the new CallSid, signed, and gets the same TwiML an inbound call gets, its config token bound
/// to that CallSid. <c>POST /api/twilio/call-status</c> is Twilio's status callback: the call's final status, which
/// frees its place in the agent's concurrent limit. <c>POST /api/twilio/amd</c> is its answering-machine verdict.
/// </summary>
internal static partial class OutboundCallApi
{
    /// <summary>An agent id and two numbers: 16 KiB holds them many times over.</summary>
    public const long BodyBytes = 16 * 1024;

    /// <summary>Twilio's status callback: a few dozen short fields.</summary>
    public const long StatusCallbackBodyBytes = 64 * 1024;

    private const string LoggerName = "VoiceServer.MainApp.OutboundCalls";

    /// <summary>Twilio's final call statuses: the call is over, whether or not anyone answered.</summary>
    private static readonly HashSet<string> s_finalStatuses = new(["completed", "busy", "no-answer", "failed", "canceled"], StringComparer.Ordinal);

    public static void AddOutboundCalls(this IServiceCollection services)
    {
        services.AddHttpClient(TwilioCallPlacer.HttpClientName).AddHttpMessageHandler(static provider =>
            provider.GetRequiredService<IOptions<MainAppOptions>>().Value.TwilioApiBaseUrl is { } baseUrl
                ? new TwilioCallPlacer.ApiBaseUrlHandler(baseUrl)
                : new PassThroughHandler());
        services.AddSingleton<TwilioCallPlacer>();
        services.AddSingleton<OutboundCallLimiter>();
        services.AddSingleton<AnsweredByForwarder>();
    }

    public static void MapOutboundCalls(this WebApplication app)
    {
        app.MapPost("/api/calls", PlaceAsync)
            .RequireAuthorization(AdminApiKeyAuthentication.PolicyName)
            .WithRequestBodyLimit(BodyBytes);
        app.MapPost("/api/twilio/call-status", StatusAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(StatusCallbackBodyBytes)
            .WithFormOptions(valueCountLimit: RequestLimits.VoiceWebhookMaxFields, keyLengthLimit: 256, valueLengthLimit: (int)StatusCallbackBodyBytes);
        app.MapPost("/api/twilio/amd", AnsweredByAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(StatusCallbackBodyBytes)
            .WithFormOptions(valueCountLimit: RequestLimits.VoiceWebhookMaxFields, keyLengthLimit: 256, valueLengthLimit: (int)StatusCallbackBodyBytes);
    }

    private static async Task<IResult> PlaceAsync(
        OutboundCallInput input,
        AgentStore store,
        CallRecordingStore recordings,
        TwilioCallPlacer placer,
        OutboundCallLimiter limiter,
        IOptions<MainAppOptions> options,
        ILoggerFactory loggers,
        HttpContext context,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        if (!placer.IsConfigured)
        {
            return AdminApi.Error(StatusCodes.Status409Conflict, "outbound_unavailable", "Outbound calls need TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_URL on the main app.");
        }

        if (string.IsNullOrEmpty(input.AgentId))
        {
            return Invalid("agentId", "agentId is required.");
        }

        if (!CallParameters.IsE164(input.To ?? string.Empty))
        {
            return Invalid("to", "to must be an E.164 number, e.g. +15557654321.");
        }

        var agent = await store.GetAsync(input.AgentId, cancellationToken);
        if (agent is null)
        {
            return AdminApi.Error(StatusCodes.Status404NotFound, "not_found", $"No agent {input.AgentId}.");
        }

        if (!agent.Enabled)
        {
            return AdminApi.Error(StatusCodes.Status409Conflict, "agent_disabled", $"Agent {agent.Id} is disabled.");
        }

        // The caller id is one the app knows belongs to the Twilio account: one of the agent's Twilio numbers (so a call
        // back reaches the same agent; another carrier's number is not Twilio's to send), or TWILIO_CALLER_ID.
        // Omitted: the agent's first Twilio number, else TWILIO_CALLER_ID.
        var settings = options.Value;
        var numbers = (await store.PhoneNumbersOfAsync(agent.Id, cancellationToken))
            .Where(static phone => phone.Provider == PhoneProvider.Twilio)
            .Select(static phone => phone.Number)
            .ToList();
        var from = input.From ?? (numbers.Count > 0 ? numbers[0] : settings.TwilioCallerId);
        if (from is null)
        {
            return Invalid("from", $"Agent {agent.Id} has no number to call from, and TWILIO_CALLER_ID is not set.");
        }

        if (!numbers.Contains(from, StringComparer.Ordinal) && !string.Equals(from, settings.TwilioCallerId, StringComparison.Ordinal))
        {
            return Invalid("from", "from must be one of the agent's numbers or TWILIO_CALLER_ID.");
        }

        if (!limiter.TryTake(agent.Id, agent.Outbound, out var slot, out var retryAfter))
        {
            Log.RateLimited(logger, agent.Id);
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return AdminApi.Error(StatusCodes.Status429TooManyRequests, "rate_limited", $"Agent {agent.Id} is at its outbound limit ({agent.Outbound.CallsPerMinute} a minute, {agent.Outbound.MaxConcurrentCalls} at once).");
        }

        var publicUrl = settings.PublicUrl!;
        var call = TwilioCallPlacer.Options(input.To!, from);
        call.Url = new Uri(MainAppOptions.PublicPath(publicUrl, $"/api/twilio/voice?{VoiceWebhook.OutboundAgentParameter}={Uri.EscapeDataString(agent.Id)}"));
        call.Method = global::Twilio.Http.HttpMethod.Post;
        call.StatusCallback = new Uri(MainAppOptions.PublicPath(publicUrl, "/api/twilio/call-status"));
        call.StatusCallbackMethod = global::Twilio.Http.HttpMethod.Post;
        call.StatusCallbackEvent = ["completed"];
        // Asynchronous detection: the call connects to the agent at once, and Twilio's verdict arrives separately,
        // after the machine's greeting and beep when it is one (DetectMessageEnd).
        call.MachineDetection = "DetectMessageEnd";
        call.AsyncAmd = "true";
        call.AsyncAmdStatusCallback = new Uri(MainAppOptions.PublicPath(publicUrl, "/api/twilio/amd"));
        call.AsyncAmdStatusCallbackMethod = global::Twilio.Http.HttpMethod.Post;
        if (agent.RecordCalls)
        {
            TwilioRecording.Record(call, settings);
        }

        var placed = await placer.PlaceAsync(call, cancellationToken);
        if (placed.CallSid is null)
        {
            limiter.Release(slot!);
            Log.NotPlaced(logger, agent.Id, placed.Problem!);
            return placed.TwilioCode switch
            {
                // Twilio's codes for a caller id the account may not use, and for a number it cannot call.
                21210 or 21212 => Invalid("from", $"Twilio does not let this account call from {from} ({placed.Problem})."),
                21211 or 21214 or 21215 or 21217 => Invalid("to", $"Twilio cannot call {input.To} ({placed.Problem})."),
                _ => AdminApi.Error(StatusCodes.Status502BadGateway, "not_placed", placed.Problem!),
            };
        }

        limiter.Bind(slot!, placed.CallSid);
        await store.AddOutboundCallAsync(placed.CallSid, agent.Id, input.To!, from, CancellationToken.None);
        if (agent.RecordCalls)
        {
            await recordings.RequestedAsync(placed.CallSid, agent.Id, PhoneProvider.Twilio, CancellationToken.None);
        }

        Log.Placed(logger, placed.CallSid, agent.Id);
        return Results.Json(new OutboundCallView(placed.CallSid, agent.Id, input.To!, from), MainAppJsonContext.Default.OutboundCallView, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> StatusAsync(
        HttpContext context,
        AgentStore store,
        OutboundCallLimiter limiter,
        IOptions<MainAppOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var (fields, refusal) = await ReadCallbackAsync(context, options.Value, logger, "call-status", cancellationToken);
        if (fields is null)
        {
            return refusal!;
        }

        var callSid = fields.GetValueOrDefault("CallSid");
        var status = fields.GetValueOrDefault("CallStatus");
        // Only a final status of a call this app placed changes anything; any other is acknowledged and ignored.
        if (callSid is not null && status is not null && s_finalStatuses.Contains(status) &&
            await store.OutboundAgentOfAsync(callSid, cancellationToken) is { } agentId)
        {
            await store.SetOutboundStatusAsync(callSid, status, cancellationToken);
            limiter.Ended(agentId, callSid);
            Log.Ended(logger, callSid, agentId, status);
        }

        return Results.NoContent();
    }

    /// <summary>
    /// A Twilio callback about a call: its form read within the caps, its signature checked, and from this app's
    /// account (<c>TWILIO_ACCOUNT_SID</c>); otherwise the refusal to answer with.
    /// </summary>
    private static async Task<(Dictionary<string, string>? Fields, IResult? Refusal)> ReadCallbackAsync(
        HttpContext context,
        MainAppOptions options,
        ILogger logger,
        string callback,
        CancellationToken cancellationToken)
    {
        var (fields, refusal, signatureRefused) = await TwilioForm.ReadSignedAsync(context, options, cancellationToken);
        if (fields is null)
        {
            if (signatureRefused is not null)
            {
                Log.CallbackRefused(logger, callback);
            }

            return (null, refusal);
        }

        return TwilioForm.IsOurAccount(fields, options, out var problem)
            ? (fields, null)
            : (null, AdminApi.Error(StatusCodes.Status403Forbidden, "wrong_account", problem));
    }

    /// <summary>
    /// Twilio's asynchronous answering-machine detection: <c>AnsweredBy</c> for a call the app placed is stored with
    /// it (and listed with its record), and sent on to the voice server holding the call, which acts on the agent's
    /// voicemail policy (<see cref="AnsweredByForwarder"/>). A value Twilio does not send is refused; another call's
    /// verdict changes nothing.
    /// </summary>
    private static async Task<IResult> AnsweredByAsync(
        HttpContext context,
        AgentStore store,
        AnsweredByForwarder forwarder,
        IOptions<MainAppOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var (fields, refusal) = await ReadCallbackAsync(context, options.Value, logger, "amd", cancellationToken);
        if (fields is null)
        {
            return refusal!;
        }

        var answeredBy = fields.GetValueOrDefault("AnsweredBy");
        if (!AnsweredBy.IsKnown(answeredBy))
        {
            return Invalid("AnsweredBy", "AnsweredBy is not one of Twilio's values.");
        }

        if (fields.GetValueOrDefault("CallSid") is { } callSid && await store.SetAnsweredByAsync(callSid, answeredBy, cancellationToken))
        {
            Log.Answered(logger, callSid, answeredBy);
            // Only a call the app placed: its stream's configuration awaits this verdict (signed mode).
            if (forwarder.IsConfigured)
            {
                forwarder.Forward(callSid, answeredBy);
            }
        }

        return Results.NoContent();
    }

    private static IResult Invalid(string field, string message) =>
        Results.Json(new ErrorBody("invalid_field", message, field), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status400BadRequest);

    private sealed class PassThroughHandler : DelegatingHandler;

    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Information, "Outbound call {CallSid} placed for agent {AgentId}.")]
        public static partial void Placed(ILogger logger, string callSid, string agentId);

        [LoggerMessage(61, LogLevel.Warning, "Outbound call for agent {AgentId} not placed: {Problem}")]
        public static partial void NotPlaced(ILogger logger, string agentId, string problem);

        [LoggerMessage(62, LogLevel.Warning, "Outbound call for agent {AgentId} refused: the agent is at its outbound limit.")]
        public static partial void RateLimited(ILogger logger, string agentId);

        [LoggerMessage(63, LogLevel.Information, "Outbound call {CallSid} of agent {AgentId} ended: {Status}.")]
        public static partial void Ended(ILogger logger, string callSid, string agentId, string status);

        [LoggerMessage(65, LogLevel.Information, "Outbound call {CallSid} answered by: {AnsweredBy}.")]
        public static partial void Answered(ILogger logger, string callSid, string answeredBy);

        [LoggerMessage(64, LogLevel.Warning, "Twilio {Callback} callback refused: invalid Twilio signature.")]
        public static partial void CallbackRefused(ILogger logger, string callback);
    }
}
