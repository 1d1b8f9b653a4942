namespace VoiceServer.Tools;

/// <summary>What happened when the live phone call was changed through the telephony provider's API.</summary>
public enum CallControlOutcome
{
    /// <summary>Done (or the call had already ended, which counts as done for a hang-up).</summary>
    Done,

    /// <summary>No API credentials are configured: the caller's socket is the only lever.</summary>
    NotConfigured,

    /// <summary>The provider refused or could not be reached.</summary>
    Failed,
}
