using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VoiceServer.Calls;
using VoiceServer.Diagnostics;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Security;
using VoiceServer.Secrets;

namespace VoiceServer.MainApp.Webhooks;

/// <summary>
/// What the voice server is told about a call to an agent, whatever the provider carries it: with
/// <c>CONFIG_SIGNING_KEY</c>, one <c>config</c> token (a JWT bound to the provider's call id, encrypted as a JWE, so
/// the provider's logs show neither the agent's key nor its prompt); without it, the agent's settings as plain
/// name/value pairs, never its key.
/// </summary>
internal sealed class AgentCallConfiguration(IOptions<MainAppOptions> options, KeyProtector keys, TimeProvider timeProvider)
{
    /// <summary>The name the signed token travels under, on every provider.</summary>
    public const string ConfigName = "config";

    /// <summary>Twilio's limit is name + value under 500 characters; a little is kept in hand.</summary>
    private const int MaxParameterLength = 490;

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

    // The payload is base64url-encoded, never embedded in markup: escaping beyond JSON's own only adds length.
    private static readonly JsonSerializerOptions s_payloadJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly MainAppOptions _options = options.Value;

    /// <summary>Whether calls get a signed token (<c>CONFIG_SIGNING_KEY</c> is set) rather than plain settings.</summary>
    public bool IsSigned => _options.ConfigSigningKey is not null;

    /// <summary>
    /// The configuration for one call: <c>[("config", token)]</c> when signed (the token's <c>callSid</c> claim is
    /// <paramref name="callSid"/>, the id the provider's stream will carry), or else the plain settings. A call the app
    /// placed with answering-machine detection (<paramref name="awaitsVerdict"/>) carries the agent's voicemail policy
    /// in the signed token only: the voice server then waits for the verdict, which only a signed command can bring.
    /// </summary>
    public List<(string Name, string Value)> ForCall(Agent agent, string? callSid, bool awaitsVerdict = false)
    {
        var settings = Settings(agent);
        // The span of the request that routes the call (the voice webhook's, when traced): the call's span is its child
        // when this travels signed, only linked to it when plain (docs/operations.md#traces). Only a recorded span is
        // sent: an untraced main app must not make a traced voice server drop its calls' spans as unsampled.
        if (Activity.Current is { Recorded: true } current && TraceParent.Format(current) is { } traceParent)
        {
            settings.Add((CallParameters.TraceParentParameter, traceParent));
        }

        if (_options.ConfigSigningKey is not { } signingKey)
        {
            // Plain settings are readable wherever the provider keeps its instructions: never a key.
            return settings;
        }

        if (awaitsVerdict)
        {
            // A policy without its message (saved before the rule) would make the voice server refuse the call.
            var outbound = agent.Outbound;
            var leavesMessage = outbound.VoicemailPolicy == AgentOutbound.LeaveMessage && outbound.VoicemailMessage is not null;
            settings.Add((CallParameters.VoicemailPolicy, leavesMessage ? AgentOutbound.LeaveMessage : AgentOutbound.HangUp));
            if (leavesMessage)
            {
                settings.Add((CallParameters.VoicemailMessage, outbound.VoicemailMessage!));
            }
        }

        // The agent's own key travels only inside the encrypted token; without one the voice server's key is used.
        if (agent.OpenAIKeyEncrypted is { } encrypted && Unprotect(encrypted) is { } key)
        {
            settings.Add((CallParameters.OpenAIKey, key));
        }

        // Handoffs only in a token bound to the call: the voice server fetches a destination for that CallSid alone,
        // from this app's public address.
        if (agent.Handoffs.Count > 0 && callSid is not null && _options.PublicUrl is { } publicUrl)
        {
            settings.Add((CallParameters.Handoffs, HandoffDestinations(agent.Handoffs)));
            settings.Add((CallParameters.HandoffUrl, MainAppOptions.PublicPath(publicUrl, Handoffs.HandoffEndpoint.Path)));
        }

        return [(ConfigName, SignedToken(signingKey, settings, callSid))];
    }

    /// <summary>The agent's settings as the voice server's parameters, with <c>callbackUrl</c> when <c>PUBLIC_URL</c> is set.</summary>
    private List<(string Name, string Value)> Settings(Agent agent)
    {
        var settings = new List<(string Name, string Value)> { (CallParameters.AgentId, agent.Id), (CallParameters.Voice, agent.Voice) };
        AddIfSet(settings, CallParameters.Prompt, agent.Prompt);
        AddIfSet(settings, CallParameters.Temperature, agent.Temperature?.ToString(CultureInfo.InvariantCulture));
        AddIfSet(settings, CallParameters.Greeting, agent.Greeting);
        AddIfSet(settings, CallParameters.Tools, agent.Tools);
        if (_options.PublicUrl is { } publicUrl)
        {
            settings.Add((CallParameters.CallbackUrl, MainAppOptions.PublicPath(publicUrl, "/api/calls/events")));
        }

        return settings;
    }

    /// <summary>
    /// The destinations as the first agent's configuration names them: ids and descriptions only. Their prompts, tools
    /// and keys are fetched, signed, when the model hands over: with a few destinations
    /// they would not fit in the TwiML, and an agent the call never reaches need not travel at all.
    /// </summary>
    private static string HandoffDestinations(IReadOnlyList<AgentHandoff> handoffs) =>
        new JsonArray([.. handoffs.Select(static handoff => new JsonObject { ["agentId"] = handoff.AgentId, ["description"] = handoff.Description })])
            .ToJsonString(s_payloadJson);

    /// <summary>A key that no longer decrypts (ENCRYPTION_KEY changed) leaves the call on the voice server's key.</summary>
    private string? Unprotect(string encrypted)
    {
        try
        {
            return keys.Unprotect(encrypted);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static void AddIfSet(List<(string Name, string Value)> values, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            values.Add((name, value));
        }
    }

    private string SignedToken(string signingKey, List<(string Name, string Value)> configuration, string? callSid)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            [JwtRegisteredClaimNames.Aud] = SignedConfigurationKeys.Audience,
            [JwtRegisteredClaimNames.Iat] = now,
            [JwtRegisteredClaimNames.Nbf] = now,
            // Spent within seconds, when the provider's start arrives; short enough to vouch for call control.
            [JwtRegisteredClaimNames.Exp] = now + (long)TokenLifetime.TotalSeconds,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        foreach (var (name, value) in configuration)
        {
            payload[name] = value;
        }

        if (callSid is not null)
        {
            payload["callSid"] = callSid;
        }

        // Encryption adds about a third twice over (the signed token, then the ciphertext, each in base64): the payload
        // is deflated first ("zip": "DEF"), so a long prompt still fits in Twilio's TwiML. Non-ASCII stays as it is.
        return new JsonWebTokenHandler().CreateToken(
            payload.ToJsonString(s_payloadJson),
            new SigningCredentials(new SymmetricSecurityKey(SignedConfigurationKeys.SigningKey(signingKey)), SecurityAlgorithms.HmacSha256),
            new EncryptingCredentials(
                new SymmetricSecurityKey(SignedConfigurationKeys.EncryptionKey(signingKey)) { KeyId = SignedConfigurationKeys.EncryptionKeyId },
                SignedConfigurationKeys.KeyManagementAlgorithm,
                SignedConfigurationKeys.ContentEncryptionAlgorithm),
            CompressionAlgorithms.Deflate);
    }

    /// <summary>A value too long for one TwiML or TeXML <c>&lt;Parameter&gt;</c>, over <c>name.0</c>, <c>name.1</c>, … (the voice server joins them).</summary>
    public static IEnumerable<(string Name, string Value)> Split(string name, string value)
    {
        if (name.Length + value.Length <= MaxParameterLength)
        {
            yield return (name, value);
            yield break;
        }

        var partLength = MaxParameterLength - name.Length - 5;
        for (int index = 0, offset = 0; offset < value.Length; index++)
        {
            var length = Math.Min(partLength, value.Length - offset);
            // A surrogate pair stays whole: half of one is not a character XML can carry.
            if (offset + length < value.Length && char.IsHighSurrogate(value[offset + length - 1]))
            {
                length--;
            }

            yield return (string.Create(CultureInfo.InvariantCulture, $"{name}.{index}"), value.Substring(offset, length));
            offset += length;
        }
    }
}
