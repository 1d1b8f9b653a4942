using VoiceServer.Audio;

namespace VoiceServer.Playback;

/// <summary>
/// Per-call playback state: what was sent to the caller, what the caller has confirmed as played (through marks),
/// which responses are discarded, and the barge-in rule <c>audio_end_ms = min(sent, played + 50 ms)</c>.
/// Not thread-safe: the call session serialises access.
/// </summary>
public sealed class PlaybackTracker
{
    /// <summary>
    /// How far past the last acknowledged mark the caller is assumed to have heard: the mark lags the handset.
    /// </summary>
    public const int PlayedLeadMs = 50;

    private readonly List<PlaybackItem> _items = [];
    private readonly Dictionary<long, PendingMark> _pendingMarks = [];
    private readonly List<string> _discardedResponseIds = [];
    private long _markSequence;

    /// <summary>Bumped at <c>start</c> and at every barge-in; marks from an older generation are stale.</summary>
    public long Generation { get; private set; }

    /// <summary>The response between its <c>response.created</c> and <c>response.done</c>, if any.</summary>
    public string? ActiveResponseId { get; private set; }

    /// <summary>True while sent audio has not been confirmed as fully played.</summary>
    public bool IsPlaying => _items.Count > 0;

    public int PendingMarkCount => _pendingMarks.Count;

    /// <summary>The call's audio format: it turns the bytes sent and played into milliseconds.</summary>
    public ModelAudioFormat AudioFormat { get; set; }

    /// <summary>Starts a fresh playback queue (Twilio <c>start</c>).</summary>
    public void StartGeneration()
    {
        Generation++;
        _items.Clear();
        _pendingMarks.Clear();
    }

    /// <summary>
    /// Forgets the previous model session (it was replaced): its items, responses and marks. Audio of it still in
    /// the caller's buffer plays out; its marks come back stale.
    /// </summary>
    public void Reset()
    {
        StartGeneration();
        ActiveResponseId = null;
        _discardedResponseIds.Clear();
    }

    public void OnResponseCreated(string responseId) => ActiveResponseId = responseId;

    public void OnResponseDone(string responseId)
    {
        if (string.Equals(ActiveResponseId, responseId, StringComparison.Ordinal))
        {
            ActiveResponseId = null;
        }

        _discardedResponseIds.Remove(responseId);
    }

    public bool IsDiscarded(string responseId) => _discardedResponseIds.Contains(responseId);

    /// <summary>
    /// Records an audio chunk about to be sent and writes the name of the mark to send behind it.
    /// False when the response was discarded: send nothing.
    /// </summary>
    public bool TryTrackAudio(string responseId, string itemId, int contentIndex, int audioBytes, Span<byte> markName, out int markNameLength)
    {
        markNameLength = 0;
        if (IsDiscarded(responseId))
        {
            return false;
        }

        var item = FindItem(responseId, itemId, contentIndex);
        if (item is null)
        {
            item = new PlaybackItem(responseId, itemId, contentIndex);
            _items.Add(item);
        }

        item.SentBytes += audioBytes;
        var sequence = ++_markSequence;
        _pendingMarks[sequence] = new PendingMark(item, item.SentBytes, MarkKind.Audio);
        markNameLength = MarkName.Format(markName, MarkKind.Audio, Generation, sequence);
        return true;
    }

    /// <summary>
    /// Records the end of an item's audio and writes the name of its done mark. False when there is nothing to
    /// mark: unknown item, discarded response, or a done mark already sent.
    /// </summary>
    public bool TryTrackAudioDone(string responseId, string itemId, int contentIndex, Span<byte> markName, out int markNameLength)
    {
        markNameLength = 0;
        var item = IsDiscarded(responseId) ? null : FindItem(responseId, itemId, contentIndex);
        if (item is null || item.DoneMarkSent)
        {
            return false;
        }

        item.DoneMarkSent = true;
        var sequence = ++_markSequence;
        _pendingMarks[sequence] = new PendingMark(item, item.SentBytes, MarkKind.Done);
        markNameLength = MarkName.Format(markName, MarkKind.Done, Generation, sequence);
        return true;
    }

    /// <summary>Applies a mark Twilio sent back. Echoes flushed by a <c>clear</c> never count as played.</summary>
    public MarkOutcome OnMarkReturned(ReadOnlySpan<byte> name)
    {
        if (!MarkName.TryParse(name, out _, out var generation, out var sequence))
        {
            return MarkOutcome.Unknown;
        }

        if (!_pendingMarks.Remove(sequence, out var mark))
        {
            return generation < Generation ? MarkOutcome.Stale : MarkOutcome.Unknown;
        }

        var item = mark.Item;
        if (!_items.Contains(item))
        {
            return MarkOutcome.Played;
        }

        if (mark.Kind == MarkKind.Audio)
        {
            item.PlayedBytes = Math.Max(item.PlayedBytes, mark.BytesAtMark);
            return MarkOutcome.Played;
        }

        item.PlayedBytes = item.SentBytes;
        _items.Remove(item);
        return _items.Count == 0 ? MarkOutcome.PlaybackFinished : MarkOutcome.ItemFinished;
    }

    /// <summary>
    /// The caller started talking. Returns null when nothing is playing and no response is active (not a barge-in).
    /// Otherwise records the truncation points, discards the responses being played, starts a new generation and
    /// says whether a <c>response.cancel</c> is needed (only when the server will not cancel by itself).
    /// </summary>
    public BargeInPlan? TryBargeIn(bool serverCancelsOnSpeech)
    {
        if (_items.Count == 0 && ActiveResponseId is null)
        {
            return null;
        }

        var truncations = new List<Truncation>(_items.Count);
        for (var i = 0; i < _items.Count; i++)
        {
            var item = _items[i];
            var audioEndMs = 0;
            if (i == 0 || item.PlayedBytes > 0)
            {
                var bytesPerMillisecond = AudioFormat.BytesPerMillisecond();
                var sentMs = item.SentBytes / bytesPerMillisecond;
                var playedMs = item.PlayedBytes / bytesPerMillisecond;
                audioEndMs = Math.Max(0, Math.Min(sentMs, playedMs + PlayedLeadMs));
            }

            truncations.Add(new Truncation(item.ItemId, item.ContentIndex, audioEndMs));
            AddDiscarded(item.ResponseId);
        }

        if (ActiveResponseId is not null)
        {
            AddDiscarded(ActiveResponseId);
        }

        Generation++;
        _pendingMarks.Clear();
        _items.Clear();
        return new BargeInPlan(CancelResponse: ActiveResponseId is not null && !serverCancelsOnSpeech, truncations);
    }

    private void AddDiscarded(string responseId)
    {
        if (!_discardedResponseIds.Contains(responseId))
        {
            _discardedResponseIds.Add(responseId);
        }
    }

    private PlaybackItem? FindItem(string responseId, string itemId, int contentIndex)
    {
        // Newest first: deltas almost always belong to the last item.
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            var item = _items[i];
            if (item.ContentIndex == contentIndex &&
                string.Equals(item.ItemId, itemId, StringComparison.Ordinal) &&
                string.Equals(item.ResponseId, responseId, StringComparison.Ordinal))
            {
                return item;
            }
        }

        return null;
    }

    private sealed class PlaybackItem(string responseId, string itemId, int contentIndex)
    {
        public string ResponseId { get; } = responseId;

        public string ItemId { get; } = itemId;

        public int ContentIndex { get; } = contentIndex;

        public int SentBytes { get; set; }

        public int PlayedBytes { get; set; }

        public bool DoneMarkSent { get; set; }
    }

    private readonly record struct PendingMark(PlaybackItem Item, int BytesAtMark, MarkKind Kind);
}
