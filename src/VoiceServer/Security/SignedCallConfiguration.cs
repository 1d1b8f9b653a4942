using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VoiceServer.Calls;
using VoiceServer.Configuration;
using VoiceServer.Legs;

namespace VoiceServer.Security;

/// <summary>
/// The safe alternative to keys in URLs: with <c>CONFIG_SIGNING_KEY</c> set, a call's configuration arrives as one
/// signed, expiring JWT (HS256, audience <c>voice-server</c>) in the <c>config</c> parameter, and the model is called
/// with the server's <c>OPENAI_API_KEY</c>. Plain parameters are then ignored. Expired, tampered and replayed tokens
/// (a <c>jti</c> seen before: <see cref="ITokenReplayGuard"/>) are refused; a <c>callSid</c> claim binds it to one call.
/// </summary>
internal sealed partial class SignedCallConfiguration : ICallConfigurationResolver
{
    public const string ParameterName = "config";
    public const string Audience = "voice-server";

    // Claims that map onto call parameters. openAIKey is deliberately absent: the server's key is used.
    private static readonly string[] s_parameterClaims = [.. CallParameters.All.Where(static name => name != CallParameters.OpenAIKey)];

    private static readonly IReadOnlyDictionary<string, string> s_noQuery = new Dictionary<string, string>();

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _validation;
    private readonly ITokenReplayGuard _replayGuard;
    private readonly string? _serverApiKey;
    private readonly ILogger _logger;

    public SignedCallConfiguration(IOptions<VoiceServerOptions> options, ITokenReplayGuard replayGuard, ILogger<SignedCallConfiguration> logger)
    {
        var settings = options.Value;
        _serverApiKey = settings.OpenAIApiKey;
        _replayGuard = replayGuard;
        _logger = logger;
        _validation = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.ConfigSigningKey!)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidAudience = Audience,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    public async ValueTask<CallConfigurationResult> ResolveAsync(IReadOnlyDictionary<string, string> query, CallerStart? start, CancellationToken cancellationToken)
    {
        if (start is null)
        {
            // A token is used once: it is checked when start arrives, not spent on an early connection.
            return CallConfigurationResult.Failure(new CallParameterError(ParameterName, "waiting for start"));
        }

        // A token with a long prompt or tools may be split over config.0, config.1, … like any parameter.
        var token = CallParameters.Read(start.CustomParameters, ParameterName) ?? CallParameters.Read(query, ParameterName);
        if (string.IsNullOrEmpty(token))
        {
            return Refuse("a signed config token is required (CONFIG_SIGNING_KEY is set)");
        }

        var result = await _handler.ValidateTokenAsync(token, _validation);
        if (!result.IsValid)
        {
            return Refuse(result.Exception switch
            {
                SecurityTokenExpiredException => "the config token has expired",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the config token's signature is invalid",
                SecurityTokenInvalidAudienceException => $"the config token's audience must be {Audience}",
                _ => "the config token is invalid",
            });
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (string.IsNullOrEmpty(jwt.Id))
        {
            return Refuse("the config token needs a jti (token id) so it cannot be replayed");
        }

        if (jwt.TryGetPayloadValue<string>("callSid", out var boundCallSid) && !string.Equals(boundCallSid, start.CallSid, StringComparison.Ordinal))
        {
            return Refuse("the config token belongs to another call");
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

        return CallParameters.TryResolve(s_noQuery, parameters, _serverApiKey, out var configuration, out var error)
            ? CallConfigurationResult.Success(configuration)
            : CallConfigurationResult.Failure(error);
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
    }
}
