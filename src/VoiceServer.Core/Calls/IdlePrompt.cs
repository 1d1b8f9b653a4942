namespace VoiceServer.Calls;

/// <summary>What the agent does about a silent caller.</summary>
internal enum IdlePrompt
{
    /// <summary>The first silence: ask whether the caller is still there.</summary>
    AskStillThere,

    /// <summary>The second: say goodbye and end the call.</summary>
    SayGoodbye,
}
