namespace VoiceServer.Simulator.Scenarios;

/// <summary>Who grades the transcripts.</summary>
public enum GraderKind
{
    /// <summary>A model through Chat Completions with a strict JSON schema (needs a key).</summary>
    Model,

    /// <summary>Each criterion's <c>expect</c> and <c>expectNot</c> phrases, checked against the transcript: deterministic, no key.</summary>
    Phrases,
}

/// <summary>What <c>voice-sim test</c> was asked to do.</summary>
public sealed record TestRunOptions
{
    public const string DefaultCallerModel = "gpt-realtime";
    public const string DefaultCallerVoice = "cedar";
    public const string DefaultTranscriptionModel = "gpt-4o-mini-transcribe";
    public const string DefaultGraderModel = "gpt-4.1-mini";
    public const int DefaultConcurrency = 4;

    public static readonly Uri OpenAIRealtimeUrl = new("wss://api.openai.com/v1/realtime");
    public static readonly Uri OpenAIBaseUrl = new("https://api.openai.com/v1");

    /// <summary>The path the voice server serves its local Realtime emulator on (<c>--local-emulator</c>).</summary>
    public const string LocalEmulatorPath = "/local-realtime/v1/realtime";

    public required string ScenarioFile { get; init; }

    /// <summary>Calls placed at once.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    public string? JUnitPath { get; init; }

    /// <summary>For the caller's Realtime session and the grader; never printed. Null: the local emulator and the phrase grader.</summary>
    public string? OpenAIKey { get; init; }

    /// <summary>
    /// The caller's Realtime endpoint. Null: OpenAI's with a key; without one, the local emulator of the voice server
    /// the call goes to (its media-stream host, <see cref="LocalEmulatorPath"/>).
    /// </summary>
    public Uri? RealtimeUrl { get; init; }

    public string CallerModel { get; init; } = DefaultCallerModel;

    public string CallerVoice { get; init; } = DefaultCallerVoice;

    public string TranscriptionModel { get; init; } = DefaultTranscriptionModel;

    /// <summary>Null: the model with a key, the phrases without.</summary>
    public GraderKind? Grader { get; init; }

    public string GraderModel { get; init; } = DefaultGraderModel;

    /// <summary>An OpenAI-compatible API's base URL for the grader (Chat Completions).</summary>
    public Uri GraderBaseUrl { get; init; } = OpenAIBaseUrl;

    /// <summary>Twilio's Auth Token for targets whose entry names none; never printed.</summary>
    public string? AuthToken { get; init; }

    /// <summary>Null: a live display when the output is a terminal, plain lines otherwise.</summary>
    public bool? Live { get; init; }

    public GraderKind EffectiveGrader => Grader ?? (OpenAIKey is null ? GraderKind.Phrases : GraderKind.Model);

    /// <summary>Null when the options can run; otherwise what is wrong, as a usage error.</summary>
    public string? Validate() =>
        Concurrency is < 1 or > 100 ? $"--concurrency must be between 1 and 100, not {Concurrency}."
        : EffectiveGrader == GraderKind.Model && OpenAIKey is null ? "--grader model needs a key: --openai-key or OPENAI_API_KEY."
        : null;

    /// <summary>The caller session's URL for a call whose media stream is <paramref name="streamUrl"/>, with <c>?model=</c>.</summary>
    public Uri CallerRealtimeUrl(Uri streamUrl)
    {
        ArgumentNullException.ThrowIfNull(streamUrl);
        var url = RealtimeUrl
            ?? (OpenAIKey is not null ? OpenAIRealtimeUrl : new UriBuilder(streamUrl) { Path = LocalEmulatorPath, Query = string.Empty }.Uri);
        if (System.Web.HttpUtility.ParseQueryString(url.Query)["model"] is not null)
        {
            return url;
        }

        var builder = new UriBuilder(url);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : string.Empty) + "model=" + Uri.EscapeDataString(CallerModel);
        return builder.Uri;
    }
}
