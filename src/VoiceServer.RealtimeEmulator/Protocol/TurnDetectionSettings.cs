using VoiceServer.RealtimeEmulator.Audio;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>The effective <c>audio.input.turn_detection</c>, reduced to what the emulator acts on.</summary>
internal sealed record TurnDetectionSettings(VadSettings Vad, bool CreateResponse, bool InterruptResponse);
