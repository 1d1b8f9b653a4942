using StackExchange.Redis;

namespace VoiceServer.Security;

/// <summary>Where used token ids are kept: <c>REDIS_URL</c>, or this process when it is not set.</summary>
internal sealed class TokenReplayOptions
{
    /// <summary><c>REDIS_URL</c>, parsed; null keeps the ids in memory. Holds the password: never log it whole.</summary>
    public ConfigurationOptions? Redis { get; set; }
}
