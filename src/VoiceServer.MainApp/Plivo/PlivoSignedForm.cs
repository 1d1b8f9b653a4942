using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Webhooks;
using VoiceServer.Plivo;

namespace VoiceServer.MainApp.Plivo;

/// <summary>
/// A request from Plivo: a form with <c>X-Plivo-Signature-V3</c> (or the main account's <c>X-Plivo-Signature-Ma-V3</c>)
/// with <c>PLIVO_AUTH_TOKEN</c> over <c>PUBLIC_URL</c> + path + query and the form, checked by the voice server's
/// validator, each nonce let in once. Every Plivo request the app takes (answer, transfer, recording callback) is read
/// through here.
/// </summary>
internal static class PlivoSignedForm
{
    /// <summary>A subaccount's calls signed with the main account's token.</summary>
    public const string MainAccountSignatureHeader = "X-Plivo-Signature-Ma-V3";

    /// <summary>
    /// How long a nonce is remembered. Plivo's V3 signature carries no timestamp, so nothing else ages a captured
    /// request; a call is long over by then, and a replay after it would configure a call that no longer exists.
    /// </summary>
    public static readonly TimeSpan NonceMemory = TimeSpan.FromHours(24);

    private const string Provider = "Plivo";

    /// <summary>The form of a request Plivo signed, or else (form null) the refusal to answer instead (404 not served, 415 not a form, 403 unsigned, wrongly signed or replayed, 503 the replay check could not be made).</summary>
    public static async Task<(IResult? Refusal, Dictionary<string, string>? Form)> ReadAsync(
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
}
