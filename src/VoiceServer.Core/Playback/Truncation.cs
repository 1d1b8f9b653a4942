namespace VoiceServer.Playback;

/// <summary>Where one item must be cut after a barge-in.</summary>
public readonly record struct Truncation(string ItemId, int ContentIndex, int AudioEndMs);
