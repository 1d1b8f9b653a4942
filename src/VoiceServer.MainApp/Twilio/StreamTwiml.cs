using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using VoiceServer.Calls;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Security;
using VoiceServer.Secrets;

namespace VoiceServer.MainApp.Twilio;

/// <summary>
/// The TwiML that sends a call to the voice server, built with the Twilio SDK (every value escaped):
/// <c>&lt;Connect&gt;&lt;Stream url="{VOICE_SERVER_URL}/api/twilio/media-stream"&gt;</c> with one <c>config</c> token
/// (with <c>CONFIG_SIGNING_KEY</c>: signed, bound to the CallSid, and encrypted, so Twilio's logs show neither the
/// agent's key nor its prompt) or, without it, the agent's configuration as plain <c>&lt;Parameter&gt;</c>s (never its
/// key), plus <c>From</c>, <c>To</c> and <c>CallSid</c>. A value too long for one parameter (name and value under 500
/// characters) is split over <c>name.0</c>, <c>name.1</c>, ….
/// </summary>
internal sealed class StreamTwiml(IOptions<MainAppOptions> options, KeyProtector keys, TimeProvider timeProvider)
{
    /// <summary>Twilio's limit is name + value under 500 characters; a little is kept in hand.</summary>
    private const int MaxParameterLength = 490;

    private const string Apology = "Sorry, this number is not in service right now. Goodbye.";

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

    // The payload is base64url-encoded, never embedded in markup: escaping beyond JSON's own only adds length.
    private static readonly JsonSerializerOptions s_payloadJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly MainAppOptions _options = options.Value;

    /// <summary>Twilio refuses TwiML over 64 KB; a little is kept in hand.</summary>
    public const int MaxTwimlCharacters = 64_000;

    public string Connect(Agent agent, string? from, string? to, string? callSid)
    {
        var stream = new global::Twilio.TwiML.Voice.Stream(url: new Uri(_options.VoiceServerUrl, "/api/twilio/media-stream").ToString());
        foreach (var (name, value) in Parameters(agent, from, to, callSid))
        {
            stream.Parameter(name: name, value: value);
        }

        var connect = new Connect();
        connect.Append(stream);
        return new VoiceResponse().Append(connect).ToString();
    }

    /// <summary>
    /// Whether a call to <paramref name="agent"/> would reach the voice server whole: its TwiML within Twilio's size
    /// limit, and no value split into more parts than the voice server joins. Checked when the agent is saved, with
    /// the longest phone numbers and CallSid a call can bring, so a saved agent's calls never fail on size.
    /// </summary>
    public bool Fits(Agent agent, [NotNullWhen(false)] out string? problem)
    {
        const string LongestNumber = "+123456789012345";
        var callSid = "CA" + new string('0', 32);
        var parts = Parameters(agent, LongestNumber, LongestNumber, callSid);
        var mostParts = parts.GroupBy(static part => part.Name.Split('.')[0]).Max(static group => group.Count());
        var twimlLength = Connect(agent, LongestNumber, LongestNumber, callSid).Length;
        problem = mostParts > CallParameters.MaxChunks || twimlLength > MaxTwimlCharacters
            ? $"prompt, tools and greeting together are too long to fit in Twilio's TwiML ({twimlLength} characters, at most {MaxTwimlCharacters}; a value in at most {CallParameters.MaxChunks} parts)."
            : null;
        return problem is null;
    }

    /// <summary>Every <c>&lt;Parameter&gt;</c> of the Stream, long values already split.</summary>
    private List<(string Name, string Value)> Parameters(Agent agent, string? from, string? to, string? callSid)
    {
        var values = new List<(string Name, string Value)>();
        var configuration = new List<(string Name, string Value)> { (CallParameters.AgentId, agent.Id), (CallParameters.Voice, agent.Voice) };
        AddIfSet(configuration, CallParameters.Prompt, agent.Prompt);
        AddIfSet(configuration, CallParameters.Temperature, agent.Temperature?.ToString(CultureInfo.InvariantCulture));
        AddIfSet(configuration, CallParameters.Greeting, agent.Greeting);
        AddIfSet(configuration, CallParameters.Tools, agent.Tools);
        if (_options.PublicUrl is { } publicUrl)
        {
            configuration.Add((CallParameters.CallbackUrl, MainAppOptions.PublicPath(publicUrl, "/api/calls/events")));
        }

        if (_options.ConfigSigningKey is { } signingKey)
        {
            // The agent's own key travels only inside the encrypted token; without one the voice server's key is used.
            if (agent.OpenAIKeyEncrypted is { } encrypted && Unprotect(encrypted) is { } key)
            {
                configuration.Add((CallParameters.OpenAIKey, key));
            }

            values.Add(("config", SignConfig(signingKey, configuration, callSid)));
        }
        else
        {
            // Plain parameters are readable wherever the TwiML is (Twilio's request logs and console): never a key.
            values.AddRange(configuration);
        }

        AddIfSet(values, "From", from);
        AddIfSet(values, "To", to);
        AddIfSet(values, "CallSid", callSid);
        return [.. values.SelectMany(static value => Split(value.Name, value.Value))];
    }

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

    /// <summary>The guide's "Agent Not Found": a spoken apology, then the call ends.</summary>
    public static string NotInService() => new VoiceResponse().Say(Apology).Hangup().ToString();

    private static void AddIfSet(List<(string Name, string Value)> values, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            values.Add((name, value));
        }
    }

    private static IEnumerable<(string Name, string Value)> Split(string name, string value)
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

    private string SignConfig(string signingKey, List<(string Name, string Value)> configuration, string? callSid)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            [JwtRegisteredClaimNames.Aud] = SignedConfigurationKeys.Audience,
            [JwtRegisteredClaimNames.Iat] = now,
            [JwtRegisteredClaimNames.Nbf] = now,
            // Spent within seconds, when Twilio's start arrives; short enough to vouch for call control.
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
}
