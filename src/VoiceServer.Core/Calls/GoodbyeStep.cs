namespace VoiceServer.Calls;

/// <summary>What the session does after a <c>response.done</c>, for the goodbye.</summary>
internal enum GoodbyeStep
{
    None,

    /// <summary>Ask for the goodbye if the call is quiet now.</summary>
    RequestIfQuiet,

    /// <summary>The goodbye has been spoken: end once it has played.</summary>
    FinishIfPlayed,
}
