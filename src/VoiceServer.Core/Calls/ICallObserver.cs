using VoiceServer.Conversation;

namespace VoiceServer.Calls;

/// <summary>
/// Watches one call as it happens (the playground's live view). Nothing here is on the per-frame path: the session
/// reports turns, speech and the call's state, never audio. Called under the call's lock (all but
/// <see cref="OnEnded"/>), so an implementation must return at once and never call back into the session.
/// </summary>
public interface ICallObserver
{
    /// <summary>The model confirmed the session: audio flows both ways.</summary>
    void OnReady();

    /// <summary>The model's VAD heard the caller start or stop; or the agent's first audio of a reply went out, or the reply ended.</summary>
    void OnSpeech(Speaker speaker, bool started);

    /// <summary>A turn began or changed (text arrived, became final, was cut by a barge-in, got its latency).</summary>
    void OnTurn(TranscriptTurn turn);

    /// <summary>The caller talked over the agent; <paramref name="count"/> barge-ins so far.</summary>
    void OnBargeIn(int count);

    /// <summary>The call ended; nothing follows.</summary>
    void OnEnded(CallEndReason reason, string detail, TimeSpan duration);
}
