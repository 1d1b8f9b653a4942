namespace VoiceServer.OpenAI;

/// <summary>Which header carries the key.</summary>
public enum RealtimeAuthHeader
{
    /// <summary><c>api-key</c> for Azure OpenAI hosts and paths, <c>Authorization: Bearer</c> otherwise.</summary>
    Auto,

    /// <summary><c>Authorization: Bearer &lt;key&gt;</c> (OpenAI).</summary>
    Bearer,

    /// <summary><c>api-key: &lt;key&gt;</c> (Azure OpenAI).</summary>
    ApiKey,
}
