namespace VoiceServer.Legs;

/// <summary>What a model connection needs. <see cref="ToString"/> never shows the key.</summary>
public sealed class ModelConnectRequest(string apiKey, string? model)
{
    public string ApiKey { get; } = apiKey;

    /// <summary>Null means the server's default model.</summary>
    public string? Model { get; } = model;

    public override string ToString() => $"ModelConnectRequest {{ Model = {Model ?? "(default)"}, ApiKey = *** }}";
}
