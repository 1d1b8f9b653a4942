namespace VoiceServer.MainApp.Vonage;

/// <summary>How a Vonage webhook's JWT check ended; only <see cref="Valid"/> lets the request in.</summary>
internal enum VonageSignatureCheck
{
    Valid,

    /// <summary>No <c>Authorization: Bearer …</c> header, or more than one.</summary>
    MissingToken,

    /// <summary>Not an HS256 JWT signed with the signature secret (any other algorithm included).</summary>
    InvalidToken,

    /// <summary><c>iat</c> missing, or further from now than the window: a replay, or a clock gone wrong.</summary>
    Stale,

    /// <summary><c>payload_hash</c> missing on a request with a body, or not the SHA-256 of this body.</summary>
    BodyMismatch,
}
