using VoiceServer.TwilioEmulator;

namespace VoiceServer.Simulator;

/// <summary>What a simulated caller reports as it happens, on its receive loop or the sending loop.</summary>
internal interface ISimulatedCallEvents
{
    void AudioReceived();

    void ClearReceived();

    void MarkReturned(ReturnedMark mark);
}
