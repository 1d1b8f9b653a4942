using VoiceServer.Records;

namespace VoiceServer.CallRecords;

/// <summary>One model's prices in USD per million tokens.</summary>
internal sealed record ModelPrice(
    decimal TextInput,
    decimal CachedTextInput,
    decimal TextOutput,
    decimal AudioInput,
    decimal CachedAudioInput,
    decimal AudioOutput)
{
    public decimal Cost(ModelUsage usage) =>
        (((usage.InputTextTokens - usage.CachedTextTokens) * TextInput) +
         (usage.CachedTextTokens * CachedTextInput) +
         (usage.OutputTextTokens * TextOutput) +
         ((usage.InputAudioTokens - usage.CachedAudioTokens) * AudioInput) +
         (usage.CachedAudioTokens * CachedAudioInput) +
         (usage.OutputAudioTokens * AudioOutput)) / 1_000_000m;
}
