namespace VoiceServer.Legs;

/// <summary>What a conversation item of the model session is, as far as trimming the conversation needs to know.</summary>
public enum ModelItemKind
{
    Other,

    /// <summary>A caller turn the model heard (<c>input_audio</c>).</summary>
    UserAudio,

    /// <summary>A user text item the voice server added (a replayed caller turn, key presses, a directive).</summary>
    UserText,

    /// <summary>An agent turn the model spoke.</summary>
    AssistantAudio,

    /// <summary>An assistant text item the voice server added (a replayed agent turn).</summary>
    AssistantText,

    System,

    FunctionCall,

    FunctionCallOutput,
}
