using System.Net.WebSockets;
using VoiceServer.Configuration;
using VoiceServer.Endpoints;
using VoiceServer.Legs;
using VoiceServer.Tools;
using VoiceServer.WebSockets;

namespace VoiceServer.MediaStreams;

/// <summary>
/// The telephony provider behind one media-stream path: what proves an upgrade comes from it, the leg that speaks
/// its protocol, and the API that changes its calls. Everything else (origin rule, limits, drain, capacity, the
/// call itself) is the same for every provider and lives in <see cref="MediaStreamHandler"/>.
/// </summary>
internal interface ICallerProvider
{
    /// <summary>The provider's name in logs: <c>Twilio</c>, <c>Telnyx</c>, <c>Plivo</c>, <c>Vonage</c>.</summary>
    string Name { get; }

    /// <summary>Its name in <c>CALLER_PROVIDERS</c> (<see cref="CallerProviderKeys"/>).</summary>
    string Key { get; }

    /// <summary>True when a playground call (a browser, speaking Twilio's protocol) may use this path.</summary>
    bool AcceptsLiveView { get; }

    /// <summary>The calls' hang-up and transfer through this provider's API.</summary>
    ICallControl CallControl { get; }

    /// <summary>Null when the request may be upgraded; otherwise why not. Runs before anything but the origin rule.</summary>
    UpgradeRefusal? CheckUpgrade(HttpContext context);

    /// <summary><see cref="CheckUpgrade"/> for a provider whose proof takes an asynchronous check (a signed token).</summary>
    ValueTask<UpgradeRefusal?> CheckUpgradeAsync(HttpContext context) => ValueTask.FromResult(CheckUpgrade(context));

    ICallerLeg CreateLeg(WebSocket socket, VoiceServerOptions settings, MessageRateLimit rateLimit);

    /// <summary>The leg for an accepted upgrade, when the upgrade itself carries something the call needs.</summary>
    ICallerLeg CreateLeg(HttpContext context, WebSocket socket, VoiceServerOptions settings, MessageRateLimit rateLimit) =>
        CreateLeg(socket, settings, rateLimit);
}

/// <param name="Rejection">The <c>voice_server.rejection</c> tag.</param>
/// <param name="Error">The JSON body of the 403.</param>
/// <param name="ProofPresent">Whether the request carried the proof at all (logged, never its value).</param>
internal sealed record UpgradeRefusal(string Rejection, ErrorResponse Error, bool ProofPresent);
