using System.Text.Json.Serialization;

namespace VoiceServer.Conversation;

/// <summary>Who spoke a turn.</summary>
public enum Speaker
{
    [JsonStringEnumMemberName("caller")]
    Caller,

    [JsonStringEnumMemberName("agent")]
    Agent,
}
