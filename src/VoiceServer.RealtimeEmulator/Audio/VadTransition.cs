namespace VoiceServer.RealtimeEmulator.Audio;

internal enum VadTransition
{
    SpeechStarted,
    SpeechStopped,
}
