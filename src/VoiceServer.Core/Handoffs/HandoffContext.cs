namespace VoiceServer.Handoffs;

/// <summary>What the next agent is told of the conversation so far, as the origin agent's handoff says.</summary>
public enum HandoffContext
{
    /// <summary>The whole conversation (within the replay's character budget, as after a dropped session).</summary>
    Full,

    /// <summary>The last N turns.</summary>
    LastTurns,

    /// <summary>A summary the origin's model writes out of band; the last turns when it does not come in time.</summary>
    Summary,
}
