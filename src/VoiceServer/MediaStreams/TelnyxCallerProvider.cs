using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VoiceServer.Configuration;
using VoiceServer.Endpoints;
using VoiceServer.Legs;
using VoiceServer.Telnyx;
using VoiceServer.Tools;
using VoiceServer.WebSockets;

namespace VoiceServer.MediaStreams;

/// <summary>
/// Telnyx media streaming at <c>/api/telnyx/media-stream</c> (docs/providers.md). Telnyx signs no upgrade
/// (telnyx-media-streaming §5.3), so a Telnyx call proves itself by its signed configuration in
/// <c>custom_parameters</c>, and optionally by Call Control's <c>stream_auth_token</c>. This path is never weaker
/// than Twilio's: while <c>TWILIO_AUTH_TOKEN</c> guards that one, Telnyx upgrades need <c>CONFIG_SIGNING_KEY</c> or
/// <c>TELNYX_STREAM_AUTH_TOKEN</c>.
/// </summary>
internal sealed class TelnyxCallerProvider(
    IOptions<VoiceServerOptions> voiceOptions,
    IOptions<TelnyxOptions> telnyxOptions,
    ICallControl callControl,
    ILoggerFactory loggerFactory) : ICallerProvider
{
    /// <summary>The header Telnyx sends <c>stream_auth_token</c> in.</summary>
    public const string StreamAuthTokenHeader = "x-telnyx-streaming-auth-token";

    private readonly byte[]? _streamAuthToken = telnyxOptions.Value.StreamAuthToken is { } token ? Encoding.UTF8.GetBytes(token) : null;

    public string Name => "Telnyx";

    public string Key => CallerProviderKeys.Telnyx;

    public bool AcceptsLiveView => false;

    public ICallControl CallControl => callControl;

    public UpgradeRefusal? CheckUpgrade(HttpContext context)
    {
        var present = context.Request.Headers.TryGetValue(StreamAuthTokenHeader, out var values);
        if (_streamAuthToken is not null)
        {
            var received = values.Count == 1 ? Encoding.UTF8.GetBytes(values[0] ?? string.Empty) : [];
            return CryptographicOperations.FixedTimeEquals(received, _streamAuthToken)
                ? null
                : new UpgradeRefusal("signature", new ErrorResponse("invalid_stream_auth_token", $"{StreamAuthTokenHeader} is missing or wrong."), present);
        }

        var settings = voiceOptions.Value;
        return settings.TwilioAuthToken is not null && settings.ConfigSigningKey is null
            ? new UpgradeRefusal(
                "signature",
                new ErrorResponse("telnyx_not_proven", "Telnyx signs no upgrade: set CONFIG_SIGNING_KEY (signed configuration) or TELNYX_STREAM_AUTH_TOKEN to accept Telnyx calls."),
                present)
            : null;
    }

    public ICallerLeg CreateLeg(WebSocket socket, VoiceServerOptions settings, MessageRateLimit rateLimit) =>
        new TelnyxCallerLeg(socket, settings.MaxMessageBytes, settings.OutboundCapacity, rateLimit, loggerFactory.CreateLogger<TelnyxCallerLeg>());
}
