namespace VoiceServer.Simulator;

/// <summary>Whose caller the simulator plays: each speaks its own media-stream protocol on its own path.</summary>
public enum TelephonyProvider
{
    /// <summary>Twilio Media Streams on <c>/api/twilio/media-stream</c>.</summary>
    Twilio,

    /// <summary>Telnyx media streaming on <c>/api/telnyx/media-stream</c>.</summary>
    Telnyx,

    /// <summary>Plivo audio streams on <c>/api/plivo/media-stream</c>.</summary>
    Plivo,

    /// <summary>Vonage Voice API WebSockets on <c>/api/vonage/media-stream</c>: binary 16 kHz L16 audio.</summary>
    Vonage,
}
