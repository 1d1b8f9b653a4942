namespace VoiceServer.OpenAI;

internal sealed class RealtimeAudioInput
{
    public RealtimeAudioFormat Format { get; init; } = RealtimeAudioFormat.MuLaw;

    public RealtimeTranscription? Transcription { get; init; }

    public RealtimeNoiseReduction? NoiseReduction { get; init; }

    public required RealtimeTurnDetection TurnDetection { get; init; }
}
