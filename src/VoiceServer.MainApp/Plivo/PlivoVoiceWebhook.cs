using Microsoft.Extensions.Options;
using VoiceServer.Calls;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Webhooks;
using VoiceServer.Plivo;

namespace VoiceServer.MainApp.Plivo;

/// <summary>
/// A Plivo application's two URLs. <c>POST /api/plivo/voice</c> (the answer URL) finds the agent of the dialled number
/// (<c>To</c>) among the numbers registered for Plivo and answers Plivo XML that streams the call to the voice
/// server, its configuration bound to <c>CallUUID</c>. <c>POST /api/plivo/transfer?to=+1…</c> (the voice server's
/// <c>PLIVO_TRANSFER_URL</c>) answers a <c>&lt;Dial&gt;</c> to that number. Both require <c>X-Plivo-Signature-V3</c>
/// (or the main account's <c>X-Plivo-Signature-Ma-V3</c>) with <c>PLIVO_AUTH_TOKEN</c> over <c>PUBLIC_URL</c> + path
/// + query and the form, checked by the voice server's validator, and let each nonce in once.
/// </summary>
internal static class PlivoVoiceWebhook
{
    public const string AnswerPath = "/api/plivo/voice";
    public const string TransferPath = "/api/plivo/transfer";

    /// <summary>A subaccount's calls signed with the main account's token.</summary>
    public const string MainAccountSignatureHeader = "X-Plivo-Signature-Ma-V3";

    /// <summary>
    /// How long a nonce is remembered. Plivo's V3 signature carries no timestamp, so nothing else ages a captured
    /// request; a call is long over by then, and a replay after it would configure a call that no longer exists.
    /// </summary>
    public static readonly TimeSpan NonceMemory = TimeSpan.FromHours(24);

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
        ReplayGuard replays,
        IOptions<MainAppOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.PlivoVoiceWebhook");
        var (refusal, form) = await ReadSignedFormAsync(context, options.Value, replays, logger, cancellationToken);
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
        var xml = PlivoXml.Stream(new Uri(options.Value.VoiceServerUrl, "/api/plivo/media-stream"), configuration.ForCall(agent, callUuid));
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
        var (refusal, form) = await ReadSignedFormAsync(context, options.Value, replays, logger, cancellationToken);
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

    /// <summary>The form of a request Plivo signed, or else (form null) the refusal to answer instead.</summary>
    private static async Task<(IResult? Refusal, Dictionary<string, string>? Form)> ReadSignedFormAsync(
        HttpContext context, MainAppOptions settings, ReplayGuard replays, ILogger logger, CancellationToken cancellationToken)
    {
        if (!settings.Serves(PhoneProvider.Plivo))
        {
            WebhookLog.ProviderNotServed(logger, Provider, "PLIVO_AUTH_TOKEN");
            return (WebhookResults.NotServed(PhoneProvider.Plivo), null);
        }

        if (!WebhookBodies.IsForm(context.Request))
        {
            return (WebhookResults.NotForm(Provider), null);
        }

        var form = WebhookBodies.ParseForm(await WebhookBodies.ReadAsync(context.Request, cancellationToken));
        if (settings.PlivoAuthToken is { } token)
        {
            // The URL Plivo requested, from configuration (never Host or X-Forwarded-*), with the raw query.
            var url = MainAppOptions.PublicPath(settings.PublicUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}"), context.Request.Path + context.Request.QueryString.ToString());
            var check = Verify(new PlivoSignatureValidator(token), context.Request.Headers, url, form);
            if (check != PlivoSignatureCheck.Valid)
            {
                WebhookLog.SignatureRefused(logger, Provider, check.ToString());
                return (WebhookResults.InvalidSignature(PlivoSignatureValidator.SignatureHeader), null);
            }

            // The signature covers the nonce, a random string Plivo generates per request: a nonce seen before is a
            // signed request sent again. Checked after the MAC, so an unsigned request cannot use up a genuine nonce;
            // a refusal for an unavailable database stores nothing, so Plivo's retry of it is let in.
            var replay = await replays.TryAcceptAsync("plivo:" + context.Request.Headers[PlivoSignatureValidator.NonceHeader], NonceMemory, cancellationToken);
            if (WebhookResults.Refusal(replay) is { } refusal)
            {
                WebhookLog.ReplayRefused(logger, Provider, replay);
                return (refusal, null);
            }
        }

        return (null, form);
    }

    private static PlivoSignatureCheck Verify(PlivoSignatureValidator validator, IHeaderDictionary headers, string url, Dictionary<string, string> form)
    {
        var nonce = headers[PlivoSignatureValidator.NonceHeader];
        var result = PlivoSignatureCheck.MissingHeaders;
        foreach (var header in (ReadOnlySpan<string>)[PlivoSignatureValidator.SignatureHeader, MainAccountSignatureHeader])
        {
            var signatures = headers[header];
            if (nonce.Count != 1 || signatures.Count != 1)
            {
                continue;
            }

            result = validator.Verify("POST", url, nonce, signatures, form);
            if (result == PlivoSignatureCheck.Valid)
            {
                return result;
            }
        }

        return result;
    }

    private static bool IsCallUuid(string value) =>
        value.Length is > 0 and <= MaxCallUuidLength && value.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
