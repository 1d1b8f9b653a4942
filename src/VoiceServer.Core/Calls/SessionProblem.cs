namespace VoiceServer.Calls;

/// <summary>Why a <c>session.update</c> was not confirmed.</summary>
internal enum SessionProblem
{
    None,

    /// <summary>The model was not accepting messages.</summary>
    NotSent,

    /// <summary>No <c>session.updated</c> within <see cref="CallSessionOptions.SessionSetupTimeout"/>.</summary>
    TimedOut,

    /// <summary>An <c>error</c> named the update's event id.</summary>
    Rejected,

    /// <summary>The connection ended first.</summary>
    Lost,
}
