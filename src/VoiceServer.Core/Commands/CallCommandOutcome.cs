namespace VoiceServer.Commands;

/// <summary>What the instance holding a call made of a command; each maps to one HTTP status for the operator.</summary>
public enum CallCommandOutcome
{
    /// <summary>Carried out: the call was hung up or transferred (200).</summary>
    Done,

    /// <summary>Taken on: the agent was asked to say the message (202).</summary>
    Accepted,

    /// <summary>No live call with this id here, or it ended meanwhile (404).</summary>
    NotFound,

    /// <summary>This call cannot do it: no telephony API for a transfer, a call that is ending, another command under way (409).</summary>
    Conflict,

    /// <summary>The telephony provider refused or did not answer; the call goes on (502).</summary>
    Failed,

    /// <summary>The command itself is malformed (400).</summary>
    Invalid,

    /// <summary>Not signed with the shared key, stale, or already used (401; refused before anything else).</summary>
    Refused,
}
