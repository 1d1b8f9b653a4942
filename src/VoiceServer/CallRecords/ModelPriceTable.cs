using System.Text.Json;

namespace VoiceServer.CallRecords;

/// <summary>
/// Prices by model name. A dated snapshot (<c>gpt-realtime-2025-08-28</c>) is priced as its family: the longest
/// name in the table that it starts with.
/// </summary>
internal sealed class ModelPriceTable(IReadOnlyDictionary<string, ModelPrice> prices)
{
    /// <summary>OpenAI's published Realtime prices when this table was written; override with <c>MODEL_PRICES</c>.</summary>
    public static ModelPriceTable Default { get; } = new(new Dictionary<string, ModelPrice>(StringComparer.Ordinal)
    {
        ["gpt-realtime"] = new(TextInput: 4m, CachedTextInput: 0.4m, TextOutput: 16m, AudioInput: 32m, CachedAudioInput: 0.4m, AudioOutput: 64m),
        ["gpt-realtime-mini"] = new(TextInput: 0.6m, CachedTextInput: 0.06m, TextOutput: 2.4m, AudioInput: 10m, CachedAudioInput: 0.3m, AudioOutput: 20m),
    });

    public IReadOnlyDictionary<string, ModelPrice> Prices => prices;

    public ModelPrice? Find(string model) =>
        prices.Where(entry => model.StartsWith(entry.Key, StringComparison.Ordinal))
            .OrderByDescending(entry => entry.Key.Length)
            .Select(entry => entry.Value)
            .FirstOrDefault();

    /// <summary>
    /// Reads <c>{"model":{"textInput":4,"cachedTextInput":0.4,"textOutput":16,"audioInput":32,"cachedAudioInput":0.4,"audioOutput":64}}</c>.
    /// </summary>
    public static ModelPriceTable Parse(string json)
    {
        var parsed = JsonSerializer.Deserialize(json, ModelPriceJsonContext.Default.DictionaryStringModelPrice)
            ?? throw new JsonException("MODEL_PRICES must be a JSON object of models.");
        if (parsed.Values.Any(static price => price is null))
        {
            throw new JsonException("MODEL_PRICES: every model needs its six prices.");
        }

        return new ModelPriceTable(new Dictionary<string, ModelPrice>(parsed, StringComparer.Ordinal));
    }
}
