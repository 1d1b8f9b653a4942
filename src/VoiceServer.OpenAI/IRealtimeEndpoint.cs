namespace VoiceServer.OpenAI;

/// <summary>Where the model connection goes; the local emulator replaces it with its own address.</summary>
public interface IRealtimeEndpoint
{
    Uri Url { get; }
}
