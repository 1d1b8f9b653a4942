namespace VoiceServer.Security;

/// <summary>What the replay guard knows about a token id it was asked to use.</summary>
internal enum TokenUse
{
    /// <summary>The id had not been used: it is now remembered, and the token may configure the call.</summary>
    First,

    /// <summary>The id was used before (on any instance sharing the store): the token is a replay.</summary>
    Replay,

    /// <summary>The store could not be asked in time. The token must be refused: a guard that fails open is no guard.</summary>
    CheckUnavailable,
}
