namespace VoiceServer.MainApp.Analysis;

/// <summary>The post-call analysis settings, from environment variables (see docs/main-app.md).</summary>
internal sealed class AnalysisOptions
{
    /// <summary>Structured outputs with a strict schema and a low price per call; any model that supports them will do.</summary>
    public const string DefaultModel = "gpt-4.1-mini";

    /// <summary><c>ANALYSIS_MODEL</c>: the Chat Completions model (for Azure OpenAI: the deployment name).</summary>
    public string Model { get; set; } = DefaultModel;

    /// <summary><c>ANALYSIS_OPENAI_BASE_URL</c>: where requests go instead of <c>https://api.openai.com/v1</c> (tests, proxies, compatible APIs).</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// <c>ANALYSIS_AZURE_OPENAI_ENDPOINT</c>: an Azure OpenAI resource (<c>https://&lt;resource&gt;.openai.azure.com</c>),
    /// reached through its v1 API; then <see cref="Model"/> names the deployment.
    /// </summary>
    public Uri? AzureEndpoint { get; set; }

    /// <summary><c>ANALYSIS_OPENAI_API_KEY</c>: the key every analysis uses; unset, each agent's own key. Never logged or stored.</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>ANALYSIS_MAX_ATTEMPTS</c>: requests made for one analysis before it is stored as an error.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary><c>ANALYSIS_RETRY_DELAY_SECONDS</c>: the wait before the second attempt; each later one waits twice the one before.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>ANALYSIS_RETRY_MAX_DELAY_SECONDS</c>: the longest wait between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>One request's limit: a long call's transcript takes the model a while to read and answer.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a worker holds the analysis it took: past it (the worker died), another takes it again.</summary>
    public TimeSpan Lease => RequestTimeout + TimeSpan.FromMinutes(1);

    /// <summary>How often an idle worker looks for due rows, besides being woken by a new record: rows another instance queued.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait after attempt <paramref name="attempt"/> (1 for the first) failed: doubling from <see cref="RetryDelay"/>, capped.</summary>
    public TimeSpan BackoffAfter(int attempt)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var delay = RetryDelay.TotalMilliseconds * factor;
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxRetryDelay.TotalMilliseconds));
    }
}
