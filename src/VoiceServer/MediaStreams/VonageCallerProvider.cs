using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using VoiceServer.Configuration;
using VoiceServer.Endpoints;
using VoiceServer.Legs;
using VoiceServer.Security;
using VoiceServer.Tools;
using VoiceServer.Vonage;
using VoiceServer.WebSockets;

namespace VoiceServer.MediaStreams;

/// <summary>
/// Vonage Voice API WebSockets at <c>/api/vonage/media-stream</c> (docs/providers.md). The NCCO endpoint's
/// <c>authorization</c> sets the upgrade's <c>Authorization</c> header, which is what proves a Vonage call:
/// <list type="number">
/// <item>With <c>CONFIG_SIGNING_KEY</c>: <c>Bearer &lt;signed configuration&gt;</c> (<c>"type":"custom"</c>), checked
/// before the upgrade is accepted and handed to the call as its <c>config</c> parameter, which the call checks again and
/// spends at <c>start</c> (single use, bound to the <c>CallSid</c> header).</item>
/// <item>Otherwise, with <c>VONAGE_SIGNATURE_SECRET</c>: Vonage's own JWT (<c>"type":"vonage"</c>: HS256 with the
/// signature secret, fresh <c>iat</c>); the plain configuration travels in the NCCO <c>headers</c>.</item>
/// <item>With neither, never weaker than Twilio's path: while <c>TWILIO_AUTH_TOKEN</c> guards that one, refused.</item>
/// </list>
/// </summary>
internal sealed class VonageCallerProvider(
    IOptions<VoiceServerOptions> voiceOptions,
    IOptions<VonageOptions> vonageOptions,
    ICallControl callControl,
    TimeProvider timeProvider,
    IServiceProvider services) : ICallerProvider
{
    private const string BearerScheme = "Bearer ";

    /// <summary>Where the checked configuration token waits between the check and the leg.</summary>
    private static readonly object s_configTokenKey = new();

    private readonly VonageJwtValidator? _validator =
        vonageOptions.Value.SignatureSecret is { } secret ? new VonageJwtValidator(secret, timeProvider) : null;

    public string Name => "Vonage";

    public string Key => CallerProviderKeys.Vonage;

    public bool AcceptsLiveView => false;

    public ICallControl CallControl => callControl;

    public UpgradeRefusal? CheckUpgrade(HttpContext context)
    {
        var present = context.Request.Headers.ContainsKey("Authorization");
        var settings = voiceOptions.Value;
        if (settings.ConfigSigningKey is not null)
        {
            // Fail closed: only CheckUpgradeAsync, which the handler calls, can read a signed configuration.
            return new UpgradeRefusal("signature", new ErrorResponse("invalid_config_token", "The signed configuration is checked asynchronously.", SignedCallConfiguration.ParameterName), present);
        }

        if (_validator is not null)
        {
            var check = _validator.Validate(ReadBearer(context));
            return check == VonageJwtCheck.Valid
                ? null
                : new UpgradeRefusal(
                    "signature",
                    new ErrorResponse("invalid_signature", "Authorization: Bearer <Vonage JWT> is missing, not HS256 with VONAGE_SIGNATURE_SECRET, or not fresh."),
                    present);
        }

        return settings.TwilioAuthToken is not null
            ? new UpgradeRefusal(
                "signature",
                new ErrorResponse("vonage_not_proven", "Set CONFIG_SIGNING_KEY (signed configuration in Authorization) or VONAGE_SIGNATURE_SECRET (Vonage's JWT) to accept Vonage calls."),
                present)
            : null;
    }

    public async ValueTask<UpgradeRefusal?> CheckUpgradeAsync(HttpContext context)
    {
        if (voiceOptions.Value.ConfigSigningKey is null)
        {
            return CheckUpgrade(context);
        }

        var token = ReadBearer(context);
        var problem = token is null
            ? "Authorization: Bearer <signed configuration> is required (CONFIG_SIGNING_KEY is set)."
            : await services.GetRequiredService<SignedCallConfiguration>().CheckWithoutUsingAsync(token);
        if (problem is not null)
        {
            return new UpgradeRefusal("signature", new ErrorResponse("invalid_config_token", problem, SignedCallConfiguration.ParameterName), token is not null);
        }

        context.Items[s_configTokenKey] = token;
        return null;
    }

    public ICallerLeg CreateLeg(WebSocket socket, VoiceServerOptions settings, MessageRateLimit rateLimit) =>
        new VonageCallerLeg(socket, settings.MaxMessageBytes, settings.OutboundCapacity, rateLimit);

    public ICallerLeg CreateLeg(HttpContext context, WebSocket socket, VoiceServerOptions settings, MessageRateLimit rateLimit) =>
        context.Items[s_configTokenKey] is string token
            ? new VonageCallerLeg(
                socket,
                settings.MaxMessageBytes,
                settings.OutboundCapacity,
                rateLimit,
                new Dictionary<string, string> { [SignedCallConfiguration.ParameterName] = token })
            : CreateLeg(socket, settings, rateLimit);

    /// <summary>The token of a single <c>Authorization: Bearer</c> header; null when there is none or more than one.</summary>
    private static string? ReadBearer(HttpContext context)
    {
        var values = context.Request.Headers.Authorization;
        return values.Count == 1 && values[0] is { } header && header.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) &&
            header[BearerScheme.Length..].Trim() is { Length: > 0 } token
            ? token
            : null;
    }
}
