using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using VoiceServer.Handoffs;

namespace VoiceServer.Calls;

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
    public const string Language = "language";
    public const string Vad = "vad";
    public const string VadThreshold = "vadThreshold";
    public const string VadSilenceMs = "vadSilenceMs";
    public const string VadPrefixPaddingMs = "vadPrefixPaddingMs";
    public const string VadEagerness = "vadEagerness";
    public const string NoiseReduction = "noiseReduction";
    public const string MaxDurationSec = "maxDurationSec";
    public const string IdleTimeoutSec = "idleTimeoutSec";
    public const string Tools = "tools";
    public const string EndCall = "endCall";
    public const string TransferNumbers = "transferNumbers";
    public const string Dtmf = "dtmf";
    public const string VoicemailPolicy = "voicemailPolicy";
    public const string VoicemailMessage = "voicemailMessage";
    public const string Handoffs = "handoffs";
    public const string HandoffUrl = "handoffUrl";

    /// <summary>The main app's webhook span, as a W3C <c>traceparent</c>: the call span's parent when signed (docs/operations.md#traces).</summary>
    public const string TraceParentParameter = Diagnostics.TraceParent.ParameterName;

    /// <summary>Every parameter a call may carry, in the order they are checked.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        AgentId, OpenAIKey, Prompt, Voice, Temperature, Model, Greeting, CallbackUrl, Language, Vad, VadThreshold,
        VadSilenceMs, VadPrefixPaddingMs, VadEagerness, NoiseReduction, MaxDurationSec, IdleTimeoutSec, Tools, EndCall,
        TransferNumbers, Dtmf, VoicemailPolicy, VoicemailMessage, Handoffs, HandoffUrl, TraceParentParameter,
    ];

    /// <summary>Parameters longer than one Twilio <c>&lt;Parameter&gt;</c> (under 500 characters with its name) may be split into <c>name.0</c>, <c>name.1</c>, ….</summary>
    public const int MaxChunks = 128;

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
    private const int MaxTools = 32;
    private const int MaxToolsLength = 32_768;

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
    /// and validates the result. What <paramref name="rules"/>' trust does not cover is dropped and named in
    /// <see cref="CallConfiguration.IgnoredParameters"/>: an unproven call's record goes to the server's own
    /// destination, and it cannot reach the telephony API.
    /// </summary>
    public static bool TryResolve(
        IReadOnlyDictionary<string, string> query,
        IReadOnlyDictionary<string, string>? customParameters,
        CallResolutionRules rules,
        [NotNullWhen(true)] out CallConfiguration? configuration,
        [NotNullWhen(false)] out CallParameterError? error)
    {
        ArgumentNullException.ThrowIfNull(rules);
        configuration = null;
        string? Get(string name) => Read(customParameters, name) ?? Read(query, name);

        foreach (var name in All)
        {
            if (HasChunkGap(customParameters, name))
            {
                error = new CallParameterError(name, $"{name} must be split into {name}.0, {name}.1, … without gaps, in at most {MaxChunks} parts.");
                return false;
            }

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
        var apiKey = callKey ?? (string.IsNullOrWhiteSpace(rules.ServerApiKey) ? null : rules.ServerApiKey);
        if (apiKey is null)
        {
            error = new CallParameterError(OpenAIKey, "openAIKey is required: the call gave none and the server has no OPENAI_API_KEY.");
            return false;
        }

        var model = Get(Model);
        if (callKey is null && model is not null && rules.ServerKeyModels is { } allowedModels && !allowedModels.Contains(model))
        {
            error = new CallParameterError(Model, $"model {model} is not one the server's key may be used with (OPENAI_REALTIME_MODELS).");
            return false;
        }

        var ignored = new List<string>();
        var callbackUrl = Get(CallbackUrl);
        if (callbackUrl is not null && !rules.Trust.SignedByOperator)
        {
            ignored.Add(CallbackUrl);
            callbackUrl = null;
        }

        var temperatureText = Get(Temperature);
        var transferNumbers = Get(TransferNumbers) is { } numbers ? SplitList(numbers) : [];
        if (transferNumbers.Length > 0 && !rules.Trust.BoundToCall)
        {
            ignored.Add(TransferNumbers);
            transferNumbers = [];
        }

        // Awaiting a machine verdict silences the agent until a command for this very call arrives: only a
        // configuration bound to the call may ask for that, never the caller.
        var voicemailPolicy = Get(VoicemailPolicy);
        var voicemailMessage = Get(VoicemailMessage);
        if (!rules.Trust.BoundToCall)
        {
            if (voicemailPolicy is not null)
            {
                ignored.Add(VoicemailPolicy);
            }

            if (voicemailMessage is not null)
            {
                ignored.Add(VoicemailMessage);
            }

            voicemailPolicy = voicemailMessage = null;
        }

        if (voicemailPolicy == VoicemailSettings.LeaveMessage && voicemailMessage is null)
        {
            error = new CallParameterError(VoicemailMessage, "voicemailMessage is required with voicemailPolicy leave_message.");
            return false;
        }

        if (voicemailPolicy is null && voicemailMessage is not null)
        {
            error = new CallParameterError(VoicemailPolicy, "voicemailMessage needs voicemailPolicy.");
            return false;
        }

        var handoffs = Get(Handoffs) is { } handoffsJson ? HandoffList.Parse(handoffsJson, out _)! : [];
        var handoffUrl = Get(HandoffUrl);
        if (!rules.Trust.BoundToCall)
        {
            // A handoff fetches another agent's configuration, keys included, for this CallSid: only a configuration the
            // main app signed for this call may say from where, and to whom.
            if (handoffs.Count > 0)
            {
                ignored.Add(Handoffs);
            }

            if (handoffUrl is not null)
            {
                ignored.Add(HandoffUrl);
            }

            handoffs = [];
            handoffUrl = null;
        }

        if (handoffs.Count > 0 != handoffUrl is not null)
        {
            error = new CallParameterError(handoffs.Count > 0 ? HandoffUrl : Handoffs, "handoffs and handoffUrl go together: the destinations, and where their configuration is fetched from.");
            return false;
        }

        var tools = Get(Tools) is { } toolsJson ? ParseTools(toolsJson, out _)! : [];
        if (string.Equals(Get(EndCall), "true", StringComparison.OrdinalIgnoreCase))
        {
            tools = [.. tools, BuiltInTools.EndCall];
        }

        if (transferNumbers.Length > 0)
        {
            tools = [.. tools, BuiltInTools.TransferCall(transferNumbers)];
        }

        if (handoffs.Count > 0)
        {
            tools = [.. tools, BuiltInTools.TransferToAgent(handoffs)];
        }

        configuration = new CallConfiguration
        {
            AgentId = agentId,
            ApiKey = apiKey,
            ApiKeyFromCall = callKey is not null,
            Prompt = Get(Prompt),
            Voice = Get(Voice) ?? DefaultVoice,
            Temperature = temperatureText is null ? null : double.Parse(temperatureText, NumberStyles.Float, CultureInfo.InvariantCulture),
            Model = model,
            Greeting = Get(Greeting),
            CallbackUrl = callbackUrl is null ? null : new Uri(callbackUrl, UriKind.Absolute),
            Language = Get(Language),
            TurnDetection = new TurnDetectionSettings(
                Get(Vad) ?? TurnDetectionSettings.ServerVad,
                Get(VadThreshold) is { } threshold ? double.Parse(threshold, NumberStyles.Float, CultureInfo.InvariantCulture) : null,
                Get(VadSilenceMs) is { } silence ? int.Parse(silence, CultureInfo.InvariantCulture) : null,
                Get(VadPrefixPaddingMs) is { } padding ? int.Parse(padding, CultureInfo.InvariantCulture) : null,
                Get(VadEagerness)),
            NoiseReduction = Get(NoiseReduction) is { } noise && noise != "off" ? noise : null,
            MaxDuration = Get(MaxDurationSec) is { } maxSeconds ? TimeSpan.FromSeconds(int.Parse(maxSeconds, CultureInfo.InvariantCulture)) : null,
            IdleTimeout = Get(IdleTimeoutSec) is { } idleSeconds ? TimeSpan.FromSeconds(int.Parse(idleSeconds, CultureInfo.InvariantCulture)) : null,
            Tools = tools,
            TransferNumbers = transferNumbers,
            Handoffs = handoffs,
            HandoffUrl = handoffUrl is null ? null : new Uri(handoffUrl, UriKind.Absolute),
            Dtmf = Get(Dtmf) == "collect" ? DtmfMode.Collect : DtmfMode.Each,
            CallControlAllowed = rules.Trust.BoundToCall,
            Voicemail = voicemailPolicy is null ? null : new VoicemailSettings(voicemailPolicy, voicemailMessage),
            // Tracing never refuses a call: a malformed traceparent is dropped here, whatever its source.
            TraceParent = Diagnostics.TraceParent.TryParse(Get(TraceParentParameter), out var traceParent) ? traceParent : null,
            TraceParentSigned = rules.Trust.SignedByOperator,
            IgnoredParameters = ignored,
        };
        var vad = configuration.TurnDetection;
        var semantic = vad.Type == TurnDetectionSettings.SemanticVad;
        if (semantic && (vad.Threshold ?? vad.SilenceMs ?? vad.PrefixPaddingMs) is not null)
        {
            configuration = null;
            error = new CallParameterError(Vad, "vadThreshold, vadSilenceMs and vadPrefixPaddingMs apply to server_vad only.");
            return false;
        }

        if (!semantic && vad.Eagerness is not null)
        {
            configuration = null;
            error = new CallParameterError(VadEagerness, "vadEagerness applies to semantic_vad only.");
            return false;
        }

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
        Language when !IsLanguage(value) =>
            new(Language, "language must be an ISO 639-1 code such as en, de or pt (optionally with a region, e.g. en-US)."),
        Vad when value is not (TurnDetectionSettings.ServerVad or TurnDetectionSettings.SemanticVad) =>
            new(Vad, "vad must be server_vad or semantic_vad."),
        VadThreshold when !IsNumberIn(value, 0, 1) =>
            new(VadThreshold, "vadThreshold must be a number between 0 and 1."),
        VadSilenceMs when !IsIntegerIn(value, 0, 10_000) =>
            new(VadSilenceMs, "vadSilenceMs must be a whole number of milliseconds from 0 to 10000."),
        VadPrefixPaddingMs when !IsIntegerIn(value, 0, 10_000) =>
            new(VadPrefixPaddingMs, "vadPrefixPaddingMs must be a whole number of milliseconds from 0 to 10000."),
        VadEagerness when value is not ("low" or "medium" or "high" or "auto") =>
            new(VadEagerness, "vadEagerness must be low, medium, high or auto."),
        NoiseReduction when value is not ("near_field" or "far_field" or "off") =>
            new(NoiseReduction, "noiseReduction must be near_field, far_field or off."),
        MaxDurationSec when !IsIntegerIn(value, 10, 86_400) =>
            new(MaxDurationSec, "maxDurationSec must be a whole number of seconds from 10 to 86400."),
        IdleTimeoutSec when !IsIntegerIn(value, 5, 3_600) =>
            new(IdleTimeoutSec, "idleTimeoutSec must be a whole number of seconds from 5 to 3600."),
        Tools when ParseTools(value, out var toolsError) is null =>
            new(Tools, toolsError!),
        EndCall when !bool.TryParse(value, out _) =>
            new(EndCall, "endCall must be true or false."),
        TransferNumbers when SplitList(value) is var list && (list.Length is 0 or > 16 || !list.All(IsE164)) =>
            new(TransferNumbers, "transferNumbers must be a comma-separated list of up to 16 E.164 numbers, e.g. +15557654321."),
        Dtmf when value is not ("each" or "collect") =>
            new(Dtmf, "dtmf must be each or collect."),
        VoicemailPolicy when !VoicemailSettings.IsKnownPolicy(value) =>
            new(VoicemailPolicy, "voicemailPolicy must be hangup or leave_message."),
        VoicemailMessage when !Commands.CallCommandRules.IsValidText(value) =>
            new(VoicemailMessage, $"voicemailMessage must be 1-{Commands.CallCommandRules.MaxTextLength} characters, without control characters."),
        Handoffs when HandoffList.Parse(value, out var handoffsError) is null =>
            new(Handoffs, handoffsError!),
        HandoffUrl when !IsHttpUrl(value) =>
            new(HandoffUrl, $"handoffUrl must be an absolute http(s) URL of at most {MaxUrlLength} characters, without user info."),
        _ => null,
    };

    private static bool IsValidTemperature(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var temperature) &&
        double.IsFinite(temperature) && temperature is >= 0 and <= 2;

    /// <summary>
    /// A parameter's value: whole under <paramref name="name"/>, or split over <c>name.0</c>, <c>name.1</c>, … (read
    /// until the first missing index) when it does not fit one Twilio <c>&lt;Parameter&gt;</c>.
    /// </summary>
    public static string? Read(IReadOnlyDictionary<string, string>? parameters, string name)
    {
        if (parameters is null)
        {
            return null;
        }

        if (parameters.TryGetValue(name, out var whole) && !string.IsNullOrEmpty(whole))
        {
            return whole;
        }

        if (!parameters.ContainsKey(name + ".0"))
        {
            return null;
        }

        var joined = new System.Text.StringBuilder();
        for (var index = 0; index < MaxChunks && parameters.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"{name}.{index}"), out var chunk); index++)
        {
            joined.Append(chunk);
        }

        return joined.Length == 0 ? null : joined.ToString();
    }

    /// <summary>True when <paramref name="name"/>'s numbered parts skip an index or go past <see cref="MaxChunks"/>: joining them would cut the value short.</summary>
    private static bool HasChunkGap(IReadOnlyDictionary<string, string>? parameters, string name)
    {
        if (parameters is null)
        {
            return false;
        }

        var prefix = name + ".";
        var indices = new List<int>();
        foreach (var key in parameters.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (!int.TryParse(key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return true;
                }

                indices.Add(index);
            }
        }

        return indices.Count > 0 && (indices.Count > MaxChunks || indices.Max() != indices.Count - 1);
    }

    /// <summary>
    /// Reads <c>[{"name","description","parameters","url"}]</c>: webhook tools, each with a JSON-schema object for its
    /// arguments. Null with a problem when the text is not that.
    /// </summary>
    public static IReadOnlyList<ToolDefinition>? ParseTools(string json, out string? problem)
    {
        problem = null;
        if (json.Length > MaxToolsLength)
        {
            problem = $"tools must be at most {MaxToolsLength} characters of JSON.";
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            problem = "tools must be a JSON array of {name, description, parameters, url}.";
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.GetArrayLength() > MaxTools)
            {
                problem = $"tools must be a JSON array of at most {MaxTools} tools.";
                return null;
            }

            var tools = new List<ToolDefinition>();
            var index = 0;
            foreach (var tool in document.RootElement.EnumerateArray())
            {
                var at = $"tools[{index++}]";
                if (tool.ValueKind != JsonValueKind.Object)
                {
                    problem = $"{at} must be an object.";
                    return null;
                }

                var name = tool.TryGetProperty("name", out var nameElement) && nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString()! : null;
                if (name is null || name.Length is 0 or > 64 || !name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                {
                    problem = $"{at}.name must be 1-64 letters, digits, '_' or '-'.";
                    return null;
                }

                if (name is ToolDefinition.EndCall or ToolDefinition.TransferCall or ToolDefinition.TransferToAgent || tools.Any(t => t.Name == name))
                {
                    problem = $"{at}.name '{name}' is taken (built-in tools are turned on with endCall, transferNumbers and handoffs).";
                    return null;
                }

                var description = tool.TryGetProperty("description", out var descriptionElement) && descriptionElement.ValueKind == JsonValueKind.String
                    ? descriptionElement.GetString()!
                    : string.Empty;
                var parameters = tool.TryGetProperty("parameters", out var parametersElement) ? parametersElement : BuiltInTools.NoArguments;
                if (parameters.ValueKind != JsonValueKind.Object)
                {
                    problem = $"{at}.parameters must be a JSON-schema object.";
                    return null;
                }

                if (!tool.TryGetProperty("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String || !IsHttpUrl(urlElement.GetString()!))
                {
                    problem = $"{at}.url must be the absolute http(s) URL the tool's arguments are POSTed to.";
                    return null;
                }

                tools.Add(new ToolDefinition(name, description, parameters.Clone(), new Uri(urlElement.GetString()!, UriKind.Absolute)));
            }

            return tools;
        }
    }

    private static string[] SplitList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>E.164: a plus, a non-zero country digit, at most 15 digits in all.</summary>
    public static bool IsE164(string value) =>
        value.Length is >= 3 and <= 16 && value[0] == '+' && value[1] is >= '1' and <= '9' && value.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    private static bool IsLanguage(string value) =>
        value.Length is 2 or 3 or 5 or 6 &&
        value.Split('-') is [var code, ..] parts && code.Length is 2 or 3 && code.All(char.IsAsciiLetterLower) &&
        (parts.Length == 1 || (parts.Length == 2 && parts[1].Length is 2 && parts[1].All(char.IsAsciiLetterUpper)));

    private static bool IsNumberIn(string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && number >= min && number <= max;

    private static bool IsIntegerIn(string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max;

    private static bool IsHttpUrl(string value) =>
        value.Length <= MaxUrlLength &&
        Uri.TryCreate(value, UriKind.Absolute, out var url) &&
        url.Scheme is "https" or "http" &&
        string.IsNullOrEmpty(url.UserInfo);

    private static bool IsModelCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_';
}
