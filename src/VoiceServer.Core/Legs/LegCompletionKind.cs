namespace VoiceServer.Legs;

/// <summary>How a leg's receive loop ended. Expected endings are values, not exceptions.</summary>
public enum LegCompletionKind
{
    /// <summary>The peer sent a close frame.</summary>
    ClosedByPeer,

    /// <summary>The connection dropped without a close handshake.</summary>
    ConnectionLost,

    /// <summary>A message exceeded the leg's size limit.</summary>
    MessageTooBig,

    /// <summary>The peer sent messages faster than its rate limit allows.</summary>
    RateLimited,

    /// <summary>A binary frame arrived on a text-only protocol.</summary>
    BinaryMessage,

    /// <summary>The call's cancellation stopped the loop.</summary>
    Cancelled,
}
