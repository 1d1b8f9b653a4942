namespace VoiceServer.Calls;

/// <summary>How caller key presses reach the model.</summary>
public enum DtmfMode
{
    /// <summary>Each key as soon as it is pressed.</summary>
    Each,

    /// <summary>Keys gathered until <c>#</c> or a short pause, then sent as one entry (PINs, account numbers).</summary>
    Collect,
}
