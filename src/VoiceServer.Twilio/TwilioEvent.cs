namespace VoiceServer.Twilio;

/// <summary>The inbound Twilio events (twilio-media-streams §3).</summary>
internal enum TwilioEvent
{
    Unknown,
    Connected,
    Start,
    Media,
    Mark,
    Dtmf,
    Stop,
}
