using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using VoiceServer.Configuration;
using VoiceServer.Endpoints;
using VoiceServer.Legs;
using VoiceServer.Plivo;
using VoiceServer.Tools;
using VoiceServer.WebSockets;

namespace VoiceServer.MediaStreams;

/// <summary>
/// Plivo audio streams at <c>/api/plivo/media-stream</c> (docs/providers.md). Plivo signs the upgrade with
/// <c>X-Plivo-Signature-V3</c>: with <c>PLIVO_AUTH_TOKEN</c> it is checked over <c>PUBLIC_BASE_URL</c> + the request
/// path and query, never over the request's own <c>Host</c>. Without it, the path is never weaker than Twilio's: while
/// <c>TWILIO_AUTH_TOKEN</c> guards that one, Plivo upgrades need <c>CONFIG_SIGNING_KEY</c>.
/// </summary>
internal sealed class PlivoCallerProvider(
    IOptions<VoiceServerOptions> voiceOptions,
    IOptions<PlivoOptions> plivoOptions,
    ICallControl callControl) : ICallerProvider
{
    /// <summary>The header Plivo fills when the signing token is the main account's (subaccounts, §5.1).</summary>
    public const string MainAccountSignatureHeader = "X-Plivo-Signature-Ma-V3";

    private readonly PlivoSignatureValidator? _validator =
        plivoOptions.Value.AuthToken is { } token ? new PlivoSignatureValidator(token) : null;

    public string Name => "Plivo";

    public string Key => CallerProviderKeys.Plivo;

    public bool AcceptsLiveView => false;

    public ICallControl CallControl => callControl;

    public UpgradeRefusal? CheckUpgrade(HttpContext context)
    {
        var headers = context.Request.Headers;
        var present = headers.ContainsKey(PlivoSignatureValidator.SignatureHeader) || headers.ContainsKey(MainAccountSignatureHeader);
        var settings = voiceOptions.Value;
        if (_validator is not null)
        {
            return IsSigned(context, _validator, settings.PublicBaseUrl!)
                ? null
                : new UpgradeRefusal(
                    "signature",
                    new ErrorResponse("invalid_signature", "X-Plivo-Signature-V3 is missing or does not match PUBLIC_BASE_URL + the request path and query."),
                    present);
        }

        return settings.TwilioAuthToken is not null && settings.ConfigSigningKey is null
            ? new UpgradeRefusal(
                "signature",
                new ErrorResponse("plivo_not_proven", "Set PLIVO_AUTH_TOKEN (X-Plivo-Signature-V3) or CONFIG_SIGNING_KEY (signed configuration) to accept Plivo calls."),
                present)
            : null;
    }

    public ICallerLeg CreateLeg(WebSocket socket, VoiceServerOptions settings, MessageRateLimit rateLimit) =>
        new PlivoCallerLeg(socket, settings.MaxMessageBytes, settings.OutboundCapacity, rateLimit);

    /// <summary>
    /// Which scheme Plivo signs for a <c>wss://</c> stream URL is unconfirmed (plivo-audio-streams §5.3): the URL as
    /// the XML writes it, or the <c>https://</c> form Plivo's own stream SDK checks. Both are tried.
    /// </summary>
    private static bool IsSigned(HttpContext context, PlivoSignatureValidator validator, string publicBaseUrl)
    {
        var headers = context.Request.Headers;
        var nonce = headers[PlivoSignatureValidator.NonceHeader];
        if (nonce.Count != 1)
        {
            return false;
        }

        var pathAndQuery = (context.Request.PathBase + context.Request.Path).ToUriComponent() + context.Request.QueryString.ToUriComponent();
        var asWritten = publicBaseUrl.TrimEnd('/') + pathAndQuery;
        var asHttps = "https" + asWritten["wss".Length..];
        foreach (var header in (ReadOnlySpan<string>)[PlivoSignatureValidator.SignatureHeader, MainAccountSignatureHeader])
        {
            var signatures = headers[header];
            if (signatures.Count != 1)
            {
                continue;
            }

            if (validator.Verify("GET", asWritten, nonce, signatures) == PlivoSignatureCheck.Valid ||
                validator.Verify("GET", asHttps, nonce, signatures) == PlivoSignatureCheck.Valid)
            {
                return true;
            }
        }

        return false;
    }
}
