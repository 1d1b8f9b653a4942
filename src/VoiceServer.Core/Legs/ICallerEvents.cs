namespace VoiceServer.Legs;

/// <summary>What the caller's side reports. Called from the receive loop, one event at a time.</summary>
public interface ICallerEvents
{
    void OnConnected();

    void OnStart(CallerStart start);

    /// <summary>
    /// Caller audio as base64 in the call's <see cref="Audio.ModelAudioFormat"/> (an L16 leg converts to 24 kHz PCM); the span is only valid during the call. <paramref name="timestampMs"/> is the
    /// frame's position in the stream (Twilio's <c>media.timestamp</c>), or -1 when unknown.
    /// </summary>
    void OnMedia(ReadOnlySpan<byte> base64Audio, long timestampMs);

    /// <summary>A mark came back: the audio before it played, or a <c>clear</c> flushed it.</summary>
    void OnMark(ReadOnlySpan<byte> name);

    void OnDtmf(string digit);

    void OnStop();

    /// <summary>A message that could not be understood and was ignored.</summary>
    void OnMalformedMessage(string detail);
}
