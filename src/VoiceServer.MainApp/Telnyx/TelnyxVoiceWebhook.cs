using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.MainApp.Webhooks;

namespace VoiceServer.MainApp.Telnyx;

/// <summary>
/// <c>POST /api/telnyx/voice</c>: a TeXML application's voice webhook. Checks <c>telnyx-signature-ed25519</c> over
/// <c>telnyx-timestamp|body</c> with <c>TELNYX_PUBLIC_KEY</c> (the voice server's validator: 300 s window) and lets
/// each signature in once, finds the agent of the dialled number (<c>To</c>) among the numbers registered for Telnyx,
/// and answers TeXML that connects the call to the voice server, its configuration bound to <c>CallSid</c> (TeXML's
/// <c>v3:</c> id, the <c>call_control_id</c> the stream's <c>start</c> carries). A call to an agent that records its
/// calls is recorded by Telnyx from here (<c>&lt;Start&gt;&lt;Recording&gt;</c>).
/// </summary>
internal static class TelnyxVoiceWebhook
{
    public const string Path = "/api/telnyx/voice";

    private const string Provider = "Telnyx";

    /// <summary>A call control id is <c>v2:</c> or <c>v3:</c> and base64url; far shorter than this.</summary>
    private const int MaxCallSidLength = 256;

    public static void MapTelnyxVoiceWebhook(this WebApplication app) =>
        app.MapPost(Path, HandleAsync)
            .DisableAntiforgery()
            .WithRequestBodyLimit(RequestLimits.VoiceWebhookBodyBytes);

    private static async Task<IResult> HandleAsync(
        HttpContext context,
        AgentStore agents,
        AgentCallConfiguration configuration,
        CallRecordingStore recordings,
        ReplayGuard replays,
        IOptions<MainAppOptions> options,
        TimeProvider timeProvider,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.TelnyxVoiceWebhook");
        var settings = options.Value;
        var (form, refusal) = await TelnyxSignedForm.ReadAsync(context, settings, replays, timeProvider, logger, cancellationToken);
        if (form is null)
        {
            return refusal!;
        }

        var to = form.GetValueOrDefault("To");
        var callSid = form.GetValueOrDefault("CallSid");
        if (callSid is not null && !IsCallControlId(callSid))
        {
            WebhookLog.FieldRefused(logger, Provider, "CallSid");
            return WebhookResults.InvalidField("CallSid");
        }

        var agent = string.IsNullOrEmpty(to) ? null : await agents.FindByNumberAsync(to, PhoneProvider.Telnyx, cancellationToken);
        if (agent is null || !agent.Enabled)
        {
            WebhookLog.AgentNotFound(logger, Provider, to, callSid, agent is null ? "no agent has this Telnyx number" : "the agent is disabled");
            return WebhookResults.Xml(Texml.NotInService());
        }

        WebhookLog.CallRouted(logger, Provider, callSid, to, agent.Id);
        var parameters = configuration.ForCall(agent, callSid).SelectMany(static value => AgentCallConfiguration.Split(value.Name, value.Value));
        // Recorded only under a CallSid Telnyx's callback can name, so the recording is found with the call.
        var record = agent.RecordCalls && TelnyxRecording.IsCallSid(callSid);
        if (record)
        {
            await recordings.RequestedAsync(callSid!, agent.Id, PhoneProvider.Telnyx, cancellationToken);
        }

        return WebhookResults.Xml(Texml.Connect(new Uri(settings.VoiceServerUrl, "/api/telnyx/media-stream"), parameters, record ? settings : null));
    }

    /// <summary>
    /// What the voice server accepts as a call control id (it refuses <c>/</c>, <c>.</c>, <c>?</c>, <c>%</c> and spaces
    /// before one reaches a URL): letters, digits, <c>:</c>, <c>_</c> and <c>-</c>.
    /// </summary>
    private static bool IsCallControlId(string value) =>
        value.Length is > 0 and <= MaxCallSidLength &&
        value.All(static c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '-');
}
