using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Webhooks;
using VoiceServer.Telnyx;

namespace VoiceServer.MainApp.Telnyx;

/// <summary>
/// A request from Telnyx: a form whose <c>telnyx-signature-ed25519</c> over <c>telnyx-timestamp|body</c> matches
/// <c>TELNYX_PUBLIC_KEY</c> (the voice server's validator: 300 s window), each signature let in once. Every Telnyx
/// callback the app takes is read through here.
/// </summary>
internal static class TelnyxSignedForm
{
    public const string Provider = "Telnyx";

    /// <summary>The form's fields, or the refusal to answer with (404 not served, 415 not a form, 403 unsigned, wrongly signed, stale or replayed, 503 the replay check could not be made).</summary>
    public static async Task<(Dictionary<string, string>? Fields, IResult? Refusal)> ReadAsync(
        HttpContext context, MainAppOptions settings, ReplayGuard replays, TimeProvider timeProvider, ILogger logger, CancellationToken cancellationToken)
    {
        if (!settings.Serves(PhoneProvider.Telnyx))
        {
            WebhookLog.ProviderNotServed(logger, Provider, "TELNYX_PUBLIC_KEY");
            return (null, WebhookResults.NotServed(PhoneProvider.Telnyx));
        }

        if (!WebhookBodies.IsForm(context.Request))
        {
            return (null, WebhookResults.NotForm(Provider));
        }

        // The signature covers the exact bytes: read them (within the cap) before anything parses them.
        var body = await WebhookBodies.ReadAsync(context.Request, cancellationToken);
        if (settings.TelnyxPublicKey is { } publicKey)
        {
            var headers = context.Request.Headers;
            var signature = headers[TelnyxWebhookSignatureValidator.SignatureHeader];
            var timestamp = headers[TelnyxWebhookSignatureValidator.TimestampHeader];
            var check = signature.Count == 1 && timestamp.Count == 1
                ? new TelnyxWebhookSignatureValidator(publicKey, timeProvider).Verify(body, signature, timestamp)
                : TelnyxSignatureCheck.MissingHeaders;
            if (check != TelnyxSignatureCheck.Valid)
            {
                WebhookLog.SignatureRefused(logger, Provider, check.ToString());
                return (null, WebhookResults.InvalidSignature(TelnyxWebhookSignatureValidator.SignatureHeader));
            }

            // Either side of now, the timestamp passes for twice the tolerance: remember the signature that long.
            var replay = await replays.TryAcceptAsync("telnyx:" + signature, 2 * TelnyxWebhookSignatureValidator.Tolerance, cancellationToken);
            if (WebhookResults.Refusal(replay) is { } refusal)
            {
                WebhookLog.ReplayRefused(logger, Provider, replay);
                return (null, refusal);
            }
        }

        return (WebhookBodies.ParseForm(body), null);
    }
}
