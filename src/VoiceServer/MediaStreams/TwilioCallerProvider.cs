using System.Net.WebSockets;
using VoiceServer.Configuration;
using VoiceServer.Endpoints;
using VoiceServer.Legs;
using VoiceServer.Tools;
using VoiceServer.Twilio;
using VoiceServer.WebSockets;

namespace VoiceServer.MediaStreams;

/// <summary>
/// Twilio Media Streams at <c>/api/twilio/media-stream</c>: <c>X-Twilio-Signature</c> over <c>PUBLIC_BASE_URL</c> +
/// the request path when <c>TWILIO_AUTH_TOKEN</c> is set, and Twilio's REST API for call control.
/// </summary>
internal sealed class TwilioCallerProvider(UpgradeSignatureCheck signatureCheck, ICallControl callControl) : ICallerProvider
{
    public string Name => "Twilio";

    public string Key => CallerProviderKeys.Twilio;

    public bool AcceptsLiveView => true;

    public ICallControl CallControl => callControl;

    public UpgradeRefusal? CheckUpgrade(HttpContext context) =>
        signatureCheck.Validator is { } validator &&
        !validator.IsValid(context.Request.PathBase + context.Request.Path + context.Request.QueryString, context.Request.Headers["X-Twilio-Signature"])
            ? new UpgradeRefusal(
                "signature",
                new ErrorResponse("invalid_signature", "X-Twilio-Signature is missing or does not match PUBLIC_BASE_URL + the request path."),
                context.Request.Headers.ContainsKey("X-Twilio-Signature"))
            : null;

    public ICallerLeg CreateLeg(WebSocket socket, VoiceServerOptions settings, MessageRateLimit rateLimit) =>
        new TwilioCallerLeg(socket, settings.MaxMessageBytes, settings.OutboundCapacity, rateLimit);
}
