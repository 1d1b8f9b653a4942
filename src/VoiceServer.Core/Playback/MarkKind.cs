namespace VoiceServer.Playback;

/// <summary>The kind of a playback mark.</summary>
public enum MarkKind : byte
{
    /// <summary>Sent behind each audio chunk: its return means the audio up to it has played.</summary>
    Audio = (byte)'a',

    /// <summary>Sent after an item's last chunk: its return means the whole item has played.</summary>
    Done = (byte)'d',
}
