namespace VoiceServer.Playback;

/// <summary>What became of a returned mark.</summary>
public enum MarkOutcome
{
    /// <summary>An audio mark: the item's played position moved forward.</summary>
    Played,

    /// <summary>A done mark: the whole item played and left the queue.</summary>
    ItemFinished,

    /// <summary>A done mark that emptied the queue: playback finished.</summary>
    PlaybackFinished,

    /// <summary>An echo from before the last <c>clear</c>: ignored.</summary>
    Stale,

    /// <summary>A name we never sent (or sent twice back): ignored.</summary>
    Unknown,
}
