namespace VoiceServer.VonageEmulator;

/// <summary>When the fake answers a <c>notify</c> with <c>websocket:notify</c>.</summary>
public enum VonageNotifyMode
{
    /// <summary>At once, as if the audio before it had played.</summary>
    Immediate,

    /// <summary>Only when the test says the audio played (<see cref="FakeVonageCaller.AckPendingNotifiesAsync"/>).</summary>
    Manual,
}
