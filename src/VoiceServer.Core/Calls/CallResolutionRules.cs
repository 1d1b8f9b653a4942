namespace VoiceServer.Calls;

/// <summary>The server-wide rules a call's parameters are resolved under.</summary>
public sealed record CallResolutionRules
{
    /// <summary><c>OPENAI_API_KEY</c>: used by calls that bring no key of their own.</summary>
    public string? ServerApiKey { get; init; }

    /// <summary>
    /// The models a call may name when it runs on <see cref="ServerApiKey"/> (<c>OPENAI_REALTIME_MODELS</c>); null allows
    /// any. A call on its own key may name any model: it pays for it.
    /// </summary>
    public IReadOnlyCollection<string>? ServerKeyModels { get; init; }

    public CallTrust Trust { get; init; } = CallTrust.Unproven;
}
