namespace VoiceServer.OpenAI;

/// <summary>The model connection: where, which model, how to authenticate, limits.</summary>
public sealed class RealtimeOptions
{
    public const string DefaultUrl = "wss://api.openai.com/v1/realtime";
    public const string DefaultModel = "gpt-realtime";

    /// <summary>The Realtime endpoint without <c>?model=</c> (<c>OPENAI_REALTIME_URL</c>).</summary>
    public Uri Url { get; set; } = new(DefaultUrl);

    /// <summary>The default model, overridden per call (<c>OPENAI_REALTIME_MODEL</c>).</summary>
    public string Model { get; set; } = DefaultModel;

    /// <summary><c>OPENAI_AUTH_HEADER</c>: auto, bearer or api-key.</summary>
    public RealtimeAuthHeader AuthHeader { get; set; } = RealtimeAuthHeader.Auto;

    /// <summary>How long one connection attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long connecting may take in all, retries included: transient failures (no answer, 408, 429, 5xx) are
    /// retried with exponential backoff until it passes; 401, 403 and other refusals are not retried.
    /// </summary>
    public TimeSpan ConnectDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt, within <see cref="ConnectDeadline"/>.</summary>
    public int ConnectRetries { get; set; } = 3;

    /// <summary>WebSocket pings keep NATs and proxies from dropping a quiet connection.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The largest model event accepted. Events carry base64 audio and transcripts; 4 MiB is far above any seen,
    /// and the receive buffer grows only as far as the largest real message.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Events queued for the model before it counts as too slow (≈ 20 s of 20 ms caller frames).</summary>
    public int OutboundCapacity { get; set; } = 1024;

    /// <summary>How long OpenAI keeps a Realtime session open before closing it with 1001.</summary>
    public static TimeSpan OpenAISessionCap { get; } = TimeSpan.FromMinutes(60);

    /// <summary>How long Azure OpenAI keeps a Realtime session open.</summary>
    public static TimeSpan AzureSessionCap { get; } = TimeSpan.FromMinutes(30);

    /// <summary>An Azure OpenAI host, or the Azure v1 path on any host (a proxy or the local emulator).</summary>
    public static bool IsAzureEndpoint(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.Host.EndsWith(".openai.azure.com", StringComparison.OrdinalIgnoreCase) ||
            url.Host.EndsWith(".cognitiveservices.azure.com", StringComparison.OrdinalIgnoreCase) ||
            url.Host.EndsWith(".services.ai.azure.com", StringComparison.OrdinalIgnoreCase) ||
            url.AbsolutePath.Contains("/openai/v1/realtime", StringComparison.OrdinalIgnoreCase);
    }
}
