namespace VoiceServer.Calls;

/// <summary>How one attempt to replace the model session went.</summary>
internal enum ReplacementAttempt
{
    /// <summary>The replacement is the call's model now.</summary>
    Switched,

    /// <summary>The call ended meanwhile: nothing left to replace.</summary>
    CallEnded,

    /// <summary>It failed; another attempt may succeed.</summary>
    Failed,

    /// <summary>It failed in a way that would repeat (a refused key or session), or the time is up.</summary>
    FailedForGood,
}
