using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VoiceServer.Calls;
using VoiceServer.Configuration;
using VoiceServer.Legs;
using VoiceServer.Secrets;

namespace VoiceServer.Security;

/// <summary>
/// The safe way to configure a call: with <c>CONFIG_SIGNING_KEY</c> set, a call's configuration arrives as one signed,
/// expiring JWT (HS256, audience <c>voice-server</c>) in the <c>config</c> parameter, usually encrypted as well (JWE,
/// see <see cref="SignedConfigurationKeys"/>). Plain parameters are then ignored. Expired, tampered and replayed
/// tokens (a <c>jti</c> seen before: <see cref="ITokenReplayGuard"/>) are refused. An agent's own <c>openAIKey</c> is taken only from an encrypted
/// token; otherwise the server's <c>OPENAI_API_KEY</c> is used. A <c>callSid</c> claim binds the token to one call,
/// and only such a short-lived token lets the agent act on the call through the telephony API.
/// </summary>
internal sealed partial class SignedCallConfiguration : ICallConfigurationResolver
{
    public const string ParameterName = "config";
    public const string Audience = SignedConfigurationKeys.Audience;

    /// <summary>The longest lifetime of a token that may vouch for call control: it is spent within seconds of the webhook.</summary>
    public static readonly TimeSpan MaxCallControlTokenLifetime = TimeSpan.FromMinutes(10);

    private static readonly string[] s_parameterClaims = [.. CallParameters.All];

    private static readonly IReadOnlyDictionary<string, string> s_noQuery = new Dictionary<string, string>();

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _validation;
    private readonly ITokenReplayGuard _replayGuard;
    private readonly CallResolutionRules _rules;
    private readonly ILogger _logger;
    private int _callControlOffReported;

    public SignedCallConfiguration(IOptions<VoiceServerOptions> options, CallResolutionRules rules, ITokenReplayGuard replayGuard, ILogger<SignedCallConfiguration> logger)
    {
        var settings = options.Value;
        _rules = rules;
        _replayGuard = replayGuard;
        _logger = logger;
        _validation = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(SignedConfigurationKeys.SigningKey(settings.ConfigSigningKey!)),
            TokenDecryptionKey = new SymmetricSecurityKey(SignedConfigurationKeys.EncryptionKey(settings.ConfigSigningKey!)) { KeyId = SignedConfigurationKeys.EncryptionKeyId },
            // The list covers the JWE's algorithms too: nothing else is accepted (no "none", no RSA key confusion).
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SignedConfigurationKeys.KeyManagementAlgorithm, SignedConfigurationKeys.ContentEncryptionAlgorithm],
            ValidateIssuer = false,
            ValidAudience = Audience,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    public async ValueTask<CallConfigurationResult> ResolveAsync(IReadOnlyDictionary<string, string> query, CallerStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        // A token with a long prompt or tools may be split over config.0, config.1, … like any parameter.
        var token = CallParameters.Read(start.CustomParameters, ParameterName) ?? CallParameters.Read(query, ParameterName);
        if (string.IsNullOrEmpty(token))
        {
            return Refuse("a signed config token is required (CONFIG_SIGNING_KEY is set)");
        }

        var result = await _handler.ValidateTokenAsync(token, _validation);
        if (!result.IsValid)
        {
            return Refuse(Describe(result.Exception));
        }

        var outer = (JsonWebToken)result.SecurityToken;
        // An encrypted token's claims are in the signed token inside it.
        var encrypted = outer.InnerToken is not null;
        var jwt = outer.InnerToken ?? outer;
        if (string.IsNullOrEmpty(jwt.Id))
        {
            return Refuse("the config token needs a jti (token id) so it cannot be replayed");
        }

        var boundToCall = jwt.TryGetPayloadValue<string>("callSid", out var boundCallSid);
        if (boundToCall && !string.Equals(boundCallSid, start.CallSid, StringComparison.Ordinal))
        {
            return Refuse("the config token belongs to another call");
        }

        if (!encrypted && ClaimText(jwt, CallParameters.OpenAIKey) is not null)
        {
            // A key in a token that is only signed is readable wherever the TwiML is (Twilio's logs included).
            return Refuse("the config token carries openAIKey without being encrypted");
        }

        // The id is remembered for as long as the token itself would be accepted: its exp plus the clock skew.
        var acceptedUntil = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) + _validation.ClockSkew;
        switch (await _replayGuard.UseAsync(jwt.Id, acceptedUntil, cancellationToken))
        {
            case TokenUse.Replay:
                return Refuse("the config token was already used");
            case TokenUse.CheckUnavailable:
                // Fail closed: without the check a token could be replayed.
                return Refuse("the replay check is unavailable");
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var claim in s_parameterClaims)
        {
            if (ClaimText(jwt, claim) is { } value)
            {
                parameters[claim] = value;
            }
        }

        var trust = new CallTrust(SignedByOperator: true, BoundToCall: boundToCall && IsShortLived(jwt));
        if (!CallParameters.TryResolve(s_noQuery, parameters, _rules with { Trust = trust }, out var configuration, out var error))
        {
            return CallConfigurationResult.Failure(error);
        }

        if (configuration.IgnoredParameters.Count > 0 && Interlocked.Exchange(ref _callControlOffReported, 1) == 0)
        {
            Log.CallControlOff(_logger, string.Join(", ", configuration.IgnoredParameters), (int)MaxCallControlTokenLifetime.TotalMinutes);
        }

        return CallConfigurationResult.Success(configuration);
    }

    /// <summary>
    /// Checks a token's signature, encryption, audience and lifetime without spending it: for a provider whose upgrade
    /// carries the token (Vonage's <c>Authorization</c>), before the upgrade is accepted. The call's <c>start</c> checks
    /// it again in full and spends it. Null when it passes; otherwise why not.
    /// </summary>
    public async ValueTask<string?> CheckWithoutUsingAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _validation);
        return result.IsValid ? null : Describe(result.Exception);
    }

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "the config token has expired",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the config token's signature is invalid",
        SecurityTokenInvalidAudienceException => $"the config token's audience must be {Audience}",
        SecurityTokenDecryptionFailedException => "the config token could not be decrypted (another CONFIG_SIGNING_KEY?)",
        _ => "the config token is invalid",
    };

    private static bool IsShortLived(JsonWebToken jwt)
    {
        var issued = jwt.IssuedAt != DateTime.MinValue ? jwt.IssuedAt : jwt.ValidFrom;
        return issued != DateTime.MinValue && jwt.ValidTo - issued <= MaxCallControlTokenLifetime;
    }

    /// <summary>A claim as parameter text: strings as they are, numbers and booleans in invariant form, arrays as JSON.</summary>
    private static string? ClaimText(JsonWebToken jwt, string name)
    {
        if (jwt.TryGetPayloadValue<JsonElement>(name, out var element))
        {
            return element.ValueKind switch
            {
                JsonValueKind.String => element.GetString(),
                JsonValueKind.Number => element.GetDouble().ToString(CultureInfo.InvariantCulture),
                JsonValueKind.True or JsonValueKind.False => element.GetBoolean() ? "true" : "false",
                // tools may be a JSON array in the token rather than a string holding one.
                JsonValueKind.Array => element.GetRawText(),
                _ => null,
            };
        }

        return jwt.TryGetPayloadValue<string>(name, out var text) ? text : null;
    }

    private CallConfigurationResult Refuse(string problem)
    {
        Log.ConfigTokenRefused(_logger, problem);
        return CallConfigurationResult.Failure(new CallParameterError(ParameterName, problem));
    }

    private static partial class Log
    {
        [LoggerMessage(500, LogLevel.Warning, "Signed call configuration refused: {Problem}")]
        public static partial void ConfigTokenRefused(ILogger logger, string problem);

        [LoggerMessage(501, LogLevel.Warning, "A signed configuration without a callSid claim, or valid for more than {MaxMinutes} minutes, cannot set {Parameters}: call control (transfer, hang-up through the telephony API) is off for such calls. Logged once.")]
        public static partial void CallControlOff(ILogger logger, string parameters, int maxMinutes);
    }
}
