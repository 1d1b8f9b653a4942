namespace VoiceServer.Calls;

/// <summary>What a function call from the model does.</summary>
internal enum ToolCallKind
{
    /// <summary>Not run: the model gets an error as the output (no such tool, a refused number, the call is ending, …).</summary>
    Refused,

    /// <summary><c>end_call</c>: the goodbye plays, then the call is hung up.</summary>
    HangUp,

    /// <summary><c>transfer_call</c> to an allowed number: the announcement plays, then the call is redirected.</summary>
    Transfer,

    /// <summary><c>transfer_to_agent</c> to a listed agent: its configuration is fetched, then the session switches to it.</summary>
    Handoff,

    /// <summary>A webhook tool, run off the audio path.</summary>
    Webhook,
}
