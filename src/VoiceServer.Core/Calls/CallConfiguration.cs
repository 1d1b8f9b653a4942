using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VoiceServer.Calls;

/// <summary>
/// The validated configuration of one call, merged from the upgrade's query string and Twilio's
/// <c>start.customParameters</c> (the custom parameters win).
/// </summary>
public sealed class CallConfiguration
{
    public required string AgentId { get; init; }

    /// <summary>The key used for the model connection. Never logged: <see cref="ToString"/> redacts it.</summary>
    public required string ApiKey { get; init; }

    /// <summary>True when the key came from the call rather than the server's own setting.</summary>
    public required bool ApiKeyFromCall { get; init; }

    public string? Prompt { get; init; }

    public required string Voice { get; init; }

    /// <summary>Accepted and recorded for compatibility with beta-era main apps; never sent to the model.</summary>
    public double? Temperature { get; init; }

    /// <summary>Per-call model override; null means the server default.</summary>
    public string? Model { get; init; }

    public string? Greeting { get; init; }

    /// <summary>Where this call's record is POSTed; null for the server's <c>CALL_EVENTS_URL</c>.</summary>
    public Uri? CallbackUrl { get; init; }

    /// <summary>True when both configurations would open the same model connection (same key and model).</summary>
    public bool SharesConnectionWith(CallConfiguration other) =>
        string.Equals(ApiKey, other.ApiKey, StringComparison.Ordinal) &&
        string.Equals(Model, other.Model, StringComparison.Ordinal);

    /// <summary>True when both configurations produce the same <c>session.update</c>.</summary>
    public bool SharesSessionWith(CallConfiguration other) =>
        string.Equals(Prompt, other.Prompt, StringComparison.Ordinal) &&
        string.Equals(Voice, other.Voice, StringComparison.Ordinal);

    public override string ToString() =>
        $"CallConfiguration {{ AgentId = {AgentId}, ApiKey = ***, Voice = {Voice}, Model = {Model ?? "(default)"}, " +
        $"Temperature = {Temperature?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, Greeting = {(Greeting is null ? "no" : "yes")} }}";
}

/// <summary>A configuration problem, naming the field. The message never contains a secret.</summary>
public sealed record CallParameterError(string Field, string Message);

/// <summary>The per-call parameter names and their validation: one place, one clear error naming the field.</summary>
public static class CallParameters
{
    public const string AgentId = "agentId";
    public const string OpenAIKey = "openAIKey";
    public const string Prompt = "prompt";
    public const string Voice = "voice";
    public const string Temperature = "temperature";
    public const string Model = "model";
    public const string Greeting = "greeting";
    public const string CallbackUrl = "callbackUrl";

    public const string DefaultVoice = "alloy";

    /// <summary>The GA Realtime voices (custom voice ids are not accepted per call).</summary>
    public static readonly IReadOnlyList<string> Voices =
        ["alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"];

    // Bounds that keep a hostile value from reaching the model or a log line: a prompt fits a real system prompt,
    // an agent id or model name is an identifier, a greeting is a sentence or two.
    private const int MaxAgentIdLength = 128;
    private const int MaxPromptLength = 32_768;
    private const int MaxModelLength = 128;
    private const int MaxGreetingLength = 2_048;
    private const int MaxKeyLength = 512;
    private const int MaxUrlLength = 2_048;

    /// <summary>
    /// Checks every value that is present (used before the upgrade on the query string): presence rules wait
    /// until the custom parameters of <c>start</c> are known.
    /// </summary>
    public static bool TryValidatePresent(IReadOnlyDictionary<string, string> values, [NotNullWhen(false)] out CallParameterError? error)
    {
        foreach (var (name, value) in values)
        {
            error = ValidateValue(name, value);
            if (error is not null)
            {
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Merges the query string and the custom parameters (custom wins), applies the server key as a fallback,
    /// and validates the result.
    /// </summary>
    public static bool TryResolve(
        IReadOnlyDictionary<string, string> query,
        IReadOnlyDictionary<string, string>? customParameters,
        string? serverApiKey,
        [NotNullWhen(true)] out CallConfiguration? configuration,
        [NotNullWhen(false)] out CallParameterError? error)
    {
        configuration = null;
        string? Get(string name)
        {
            if (customParameters is not null && customParameters.TryGetValue(name, out var custom) && !string.IsNullOrEmpty(custom))
            {
                return custom;
            }

            return query.TryGetValue(name, out var fromQuery) && !string.IsNullOrEmpty(fromQuery) ? fromQuery : null;
        }

        foreach (var name in (ReadOnlySpan<string>)[AgentId, OpenAIKey, Prompt, Voice, Temperature, Model, Greeting, CallbackUrl])
        {
            var value = Get(name);
            if (value is not null && ValidateValue(name, value) is { } invalid)
            {
                error = invalid;
                return false;
            }
        }

        var agentId = Get(AgentId);
        if (agentId is null)
        {
            error = new CallParameterError(AgentId, "agentId is required.");
            return false;
        }

        var callKey = Get(OpenAIKey);
        var apiKey = callKey ?? (string.IsNullOrWhiteSpace(serverApiKey) ? null : serverApiKey);
        if (apiKey is null)
        {
            error = new CallParameterError(OpenAIKey, "openAIKey is required: the call gave none and the server has no OPENAI_API_KEY.");
            return false;
        }

        var temperatureText = Get(Temperature);
        configuration = new CallConfiguration
        {
            AgentId = agentId,
            ApiKey = apiKey,
            ApiKeyFromCall = callKey is not null,
            Prompt = Get(Prompt),
            Voice = Get(Voice) ?? DefaultVoice,
            Temperature = temperatureText is null ? null : double.Parse(temperatureText, NumberStyles.Float, CultureInfo.InvariantCulture),
            Model = Get(Model),
            Greeting = Get(Greeting),
            CallbackUrl = Get(CallbackUrl) is { } url ? new Uri(url, UriKind.Absolute) : null,
        };
        error = null;
        return true;
    }

    private static CallParameterError? ValidateValue(string name, string value) => name switch
    {
        AgentId when value.Length > MaxAgentIdLength || string.IsNullOrWhiteSpace(value) =>
            new(AgentId, $"agentId must be 1-{MaxAgentIdLength} characters."),
        OpenAIKey when value.Length > MaxKeyLength || value.Any(char.IsWhiteSpace) =>
            new(OpenAIKey, "openAIKey is malformed."),
        Prompt when value.Length > MaxPromptLength =>
            new(Prompt, $"prompt must be at most {MaxPromptLength} characters."),
        Voice when !Voices.Contains(value) =>
            new(Voice, $"voice must be one of: {string.Join(", ", Voices)}."),
        Temperature when !IsValidTemperature(value) =>
            new(Temperature, "temperature must be a number between 0 and 2."),
        Model when value.Length > MaxModelLength || !value.All(IsModelCharacter) =>
            new(Model, "model must be a model name (letters, digits, '-', '.', '_')."),
        Greeting when value.Length > MaxGreetingLength =>
            new(Greeting, $"greeting must be at most {MaxGreetingLength} characters."),
        CallbackUrl when !IsHttpUrl(value) =>
            new(CallbackUrl, $"callbackUrl must be an absolute http(s) URL of at most {MaxUrlLength} characters, without user info."),
        _ => null,
    };

    private static bool IsValidTemperature(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var temperature) &&
        double.IsFinite(temperature) && temperature is >= 0 and <= 2;

    private static bool IsHttpUrl(string value) =>
        value.Length <= MaxUrlLength &&
        Uri.TryCreate(value, UriKind.Absolute, out var url) &&
        url.Scheme is "https" or "http" &&
        string.IsNullOrEmpty(url.UserInfo);

    private static bool IsModelCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_';
}
