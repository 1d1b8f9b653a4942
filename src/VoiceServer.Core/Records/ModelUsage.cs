namespace VoiceServer.Records;

/// <summary>
/// Tokens a model session billed, as <c>response.done</c> reports them. Input counts include the cached tokens
/// (billed at the cached rate), as the provider reports them.
/// </summary>
public readonly record struct ModelUsage(
    long InputTextTokens,
    long InputAudioTokens,
    long CachedTextTokens,
    long CachedAudioTokens,
    long OutputTextTokens,
    long OutputAudioTokens)
{
    public long InputTokens => InputTextTokens + InputAudioTokens;

    public long OutputTokens => OutputTextTokens + OutputAudioTokens;

    public static ModelUsage operator +(ModelUsage left, ModelUsage right) => new(
        left.InputTextTokens + right.InputTextTokens,
        left.InputAudioTokens + right.InputAudioTokens,
        left.CachedTextTokens + right.CachedTextTokens,
        left.CachedAudioTokens + right.CachedAudioTokens,
        left.OutputTextTokens + right.OutputTextTokens,
        left.OutputAudioTokens + right.OutputAudioTokens);
}
