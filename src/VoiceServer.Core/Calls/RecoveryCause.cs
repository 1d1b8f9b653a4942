namespace VoiceServer.Calls;

/// <summary>Why a model session was replaced, as a log value and metric tag.</summary>
internal enum RecoveryCause
{
    Dropped,
    SessionCap,
    ServerError,
    Recycle,

    /// <summary>Not a failure: the call is handed to another agent, whose session replaces this one.</summary>
    Handoff,
}
