using Microsoft.Extensions.Options;
using VoiceServer.Calls;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.MainApp.Webhooks;

namespace VoiceServer.MainApp.Plivo;

/// <summary>
/// A Plivo application's two URLs. <c>POST /api/plivo/voice</c> (the answer URL) finds the agent of the dialled number
/// (<c>To</c>) among the numbers registered for Plivo and answers Plivo XML that streams the call to the voice
/// server, its configuration bound to <c>CallUUID</c> (with a <c>&lt;Record&gt;</c> first for an agent that records
/// its calls). <c>POST /api/plivo/transfer?to=+1…</c> (the voice server's <c>PLIVO_TRANSFER_URL</c>) answers a
/// <c>&lt;Dial&gt;</c> to that number. Both are read through <see cref="PlivoSignedForm"/>.
/// </summary>
internal static class PlivoVoiceWebhook
{
    public const string AnswerPath = "/api/plivo/voice";
    public const string TransferPath = "/api/plivo/transfer";

    private const string Provider = "Plivo";

    /// <summary>
    /// Kestrel's default request-line limit (8 KiB) on the voice server, which the stream URL's query must fit: the
    /// whole document is compared, a little longer than the URL, so a warning comes slightly early rather than late.
    /// </summary>
    private const int MaxStreamRequestLine = 8 * 1024;

    /// <summary>A CallUUID is a UUID; the voice server refuses anything but letters, digits and <c>-</c> up to this length.</summary>
    private const int MaxCallUuidLength = 64;

    public static void MapPlivoVoiceWebhook(this WebApplication app)
    {
        app.MapPost(AnswerPath, AnswerAsync).DisableAntiforgery().WithRequestBodyLimit(RequestLimits.VoiceWebhookBodyBytes);
        app.MapPost(TransferPath, TransferAsync).DisableAntiforgery().WithRequestBodyLimit(RequestLimits.VoiceWebhookBodyBytes);
    }

    private static async Task<IResult> AnswerAsync(
        HttpContext context,
        AgentStore agents,
        AgentCallConfiguration configuration,
        CallRecordingStore recordings,
        ReplayGuard replays,
        IOptions<MainAppOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.PlivoVoiceWebhook");
        var (refusal, form) = await PlivoSignedForm.ReadAsync(context, options.Value, replays, logger, cancellationToken);
        if (form is null)
        {
            return refusal!;
        }

        var to = form.GetValueOrDefault("To");
        var callUuid = form.GetValueOrDefault("CallUUID");
        if (callUuid is not null && !IsCallUuid(callUuid))
        {
            WebhookLog.FieldRefused(logger, Provider, "CallUUID");
            return WebhookResults.InvalidField("CallUUID");
        }

        // Plivo writes numbers without the "+" (14155551234); they are stored in E.164.
        var number = to is { Length: > 0 } && to[0] != '+' ? "+" + to : to;
        var agent = string.IsNullOrEmpty(number) ? null : await agents.FindByNumberAsync(number, PhoneProvider.Plivo, cancellationToken);
        if (agent is null || !agent.Enabled)
        {
            WebhookLog.AgentNotFound(logger, Provider, to, callUuid, agent is null ? "no agent has this Plivo number" : "the agent is disabled");
            return WebhookResults.Xml(PlivoXml.NotInService());
        }

        WebhookLog.CallRouted(logger, Provider, callUuid, to, agent.Id);
        // Recorded only under a CallUUID Plivo's callback can name, so the recording is found with the call.
        var record = agent.RecordCalls && PlivoRecording.IsCallUuid(callUuid);
        if (record)
        {
            await recordings.RequestedAsync(callUuid!, agent.Id, PhoneProvider.Plivo, cancellationToken);
        }

        var xml = PlivoXml.Stream(new Uri(options.Value.VoiceServerUrl, "/api/plivo/media-stream"), configuration.ForCall(agent, callUuid), record ? options.Value : null);
        if (xml.Length > MaxStreamRequestLine)
        {
            // The call is still answered (a voice server with a larger limit takes it), but the likely failure is named.
            WebhookLog.StreamUrlTooLong(logger, Provider, agent.Id, xml.Length, MaxStreamRequestLine);
        }

        return WebhookResults.Xml(xml);
    }

    private static async Task<IResult> TransferAsync(HttpContext context, ReplayGuard replays, IOptions<MainAppOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.PlivoVoiceWebhook");
        var (refusal, form) = await PlivoSignedForm.ReadAsync(context, options.Value, replays, logger, cancellationToken);
        if (form is null)
        {
            return refusal!;
        }

        // Exactly one number, in E.164: nothing else reaches the <Dial>.
        var to = context.Request.Query["to"];
        if (to.Count != 1 || !CallParameters.IsE164(to.ToString()))
        {
            WebhookLog.FieldRefused(logger, Provider, "to");
            return WebhookResults.InvalidField("to");
        }

        WebhookLog.TransferAnswered(logger, Provider, to.ToString());
        return WebhookResults.Xml(PlivoXml.Dial(to.ToString()));
    }

    private static bool IsCallUuid(string value) =>
        value.Length is > 0 and <= MaxCallUuidLength && value.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
