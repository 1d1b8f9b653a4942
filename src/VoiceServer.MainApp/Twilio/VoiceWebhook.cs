using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.MainApp.Webhooks;

namespace VoiceServer.MainApp.Twilio;

/// <summary>
/// <c>POST /api/twilio/voice</c>: Twilio's voice webhook. Checks <c>X-Twilio-Signature</c> (the SDK's validator, over
/// <c>PUBLIC_URL</c> + the path), finds the agent for the dialled number (<c>To</c>), or for a call the app placed the
/// agent its URL names, and answers with TwiML that connects the call to the voice server, or apologises and hangs up
/// when there is no enabled agent. An inbound call to an agent that records its calls is recorded by Twilio from here
/// (<c>&lt;Start&gt;&lt;Recording&gt;</c>); a call the app placed is already recorded from its REST request.
/// </summary>
internal static partial class VoiceWebhook
{
    public static void MapVoiceWebhook(this WebApplication app) =>
        app.MapPost("/api/twilio/voice", HandleAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(RequestLimits.VoiceWebhookBodyBytes)
            .WithFormOptions(valueCountLimit: RequestLimits.VoiceWebhookMaxFields, keyLengthLimit: 256, valueLengthLimit: (int)RequestLimits.VoiceWebhookBodyBytes);

    /// <summary>The query parameter that marks the voice webhook's URL for a call the app placed, naming its agent.</summary>
    public const string OutboundAgentParameter = "outboundAgent";

    private static async Task<IResult> HandleAsync(
        HttpContext context,
        AgentStore agents,
        CallRecordingStore recordings,
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

        var (parameters, refusal, signatureRefused) = await TwilioForm.ReadSignedAsync(context, options.Value, cancellationToken);
        if (parameters is null)
        {
            if (signatureRefused is { } headerPresent)
            {
                Log.SignatureRefused(logger, headerPresent);
            }

            return refusal!;
        }

        var to = parameters.GetValueOrDefault("To");
        var callSid = parameters.GetValueOrDefault("CallSid");
        // A call the app placed (POST /api/calls) names its agent in the URL Twilio was given: the signature covers
        // the query, so only Twilio, fetching the URL this app chose, gets here with it. To is then the number called.
        var outboundAgent = context.Request.Query[OutboundAgentParameter].ToString();
        var agent = outboundAgent.Length > 0
            ? await agents.GetAsync(outboundAgent, cancellationToken)
            : string.IsNullOrEmpty(to) ? null : await agents.FindByNumberAsync(to, PhoneProvider.Twilio, cancellationToken);
        if (agent is null || !agent.Enabled)
        {
            Log.AgentNotFound(logger, to, callSid, agent is null ? (outboundAgent.Length > 0 ? "the agent of this outbound call is gone" : "no agent has this number") : "the agent is disabled");
            return Results.Content(StreamTwiml.NotInService(), "application/xml");
        }

        Log.CallRouted(logger, callSid, to, agent.Id);
        // Recorded only under a CallSid Twilio's callback can name, so the recording is found with the call. A call the
        // app placed is recorded from its REST request already.
        var record = agent.RecordCalls && outboundAgent.Length == 0 && TwilioRecording.IsCallSid(callSid);
        if (record)
        {
            await recordings.RequestedAsync(callSid!, agent.Id, PhoneProvider.Twilio, cancellationToken);
        }

        return Results.Content(twiml.Connect(agent, parameters.GetValueOrDefault("From"), to, callSid, outbound: outboundAgent.Length > 0, record: record), "application/xml");
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
