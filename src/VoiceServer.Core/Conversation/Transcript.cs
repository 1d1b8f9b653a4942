using VoiceServer.Audio;

namespace VoiceServer.Conversation;

/// <summary>
/// The call's conversation as text, turn by turn in the order the turns began: caller turns from the model's input
/// transcription, agent turns from its audio transcript, cut to what the caller heard when a barge-in truncated
/// them. It is what a replacement model session is told the conversation was. Not thread-safe: the call session
/// serialises access.
/// </summary>
public sealed class Transcript(TimeProvider timeProvider)
{
    private readonly List<TranscriptTurn> _turns = [];
    private readonly Dictionary<string, TranscriptTurn> _byItemId = new(StringComparer.Ordinal);
    private TranscriptTurn? _lastAgentTurn;

    public IReadOnlyList<TranscriptTurn> Turns => _turns;

    /// <summary>The call's audio format: it turns an agent item's audio bytes into milliseconds.</summary>
    public ModelAudioFormat AudioFormat { get; set; }

    /// <summary>
    /// The agent holding the call, which each new turn is tagged with. Turns only come from the current model
    /// session, so an agent turn is always the holder's own; a handoff changes it when the new agent's session takes over.
    /// </summary>
    public string? AgentId { get; set; }

    /// <summary>The caller's input was committed as an item; its text follows when transcription completes.</summary>
    public TranscriptTurn OnCallerTurn(string itemId) => GetOrAdd(Speaker.Caller, itemId);

    public TranscriptTurn OnCallerText(string itemId, string text)
    {
        var turn = GetOrAdd(Speaker.Caller, itemId);
        turn.SetFinalText(text);
        return turn;
    }

    /// <summary>Key presses, as the model was told them (a caller turn marked <see cref="TranscriptTurn.IsKeypad"/>).</summary>
    public TranscriptTurn AddKeypadInput(string text)
    {
        var turn = GetOrAdd(Speaker.Caller, $"voice_server_keypad_{_turns.Count}");
        turn.SetFinalText(text);
        turn.IsKeypad = true;
        return turn;
    }

    /// <summary>Per relayed chunk: the audio an agent item has produced so far (the measure a truncation is cut by).</summary>
    public TranscriptTurn OnAgentAudio(string itemId, int audioBytes)
    {
        // Deltas of one item arrive in a run, and item ids are interned: the common case is one reference check.
        var turn = ReferenceEquals(_lastAgentTurn?.ItemId, itemId) ? _lastAgentTurn! : GetOrAdd(Speaker.Agent, itemId);
        turn.AudioBytes += audioBytes;
        turn.BytesPerMillisecond = AudioFormat.BytesPerMillisecond();
        return turn;
    }

    public TranscriptTurn OnAgentTextDelta(string itemId, ReadOnlySpan<byte> utf8Text)
    {
        var turn = GetOrAdd(Speaker.Agent, itemId);
        turn.AppendText(utf8Text);
        return turn;
    }

    public TranscriptTurn OnAgentTextDone(string itemId, string text)
    {
        var turn = GetOrAdd(Speaker.Agent, itemId);
        turn.SetFinalText(text);
        return turn;
    }

    /// <summary>A barge-in cut the agent's item at <paramref name="heardMs"/> of its audio (null: no such agent turn).</summary>
    public TranscriptTurn? OnAgentTruncated(string itemId, int heardMs)
    {
        if (_byItemId.TryGetValue(itemId, out var turn) && turn.Speaker == Speaker.Agent)
        {
            turn.HeardMs = turn.HeardMs is { } earlier ? Math.Min(earlier, heardMs) : heardMs;
            return turn;
        }

        return null;
    }

    /// <summary>
    /// The most recent turns that have text, oldest first, as many as fit in <paramref name="maxCharacters"/>
    /// (a long call's early turns give way to its latest ones).
    /// </summary>
    public IReadOnlyList<(Speaker Speaker, string Text)> RecentTurns(int maxCharacters) =>
        [.. RecentTurnsWithItems(maxCharacters).Select(static turn => (turn.Speaker, turn.Text))];

    /// <summary><see cref="RecentTurns"/> with the item id of each turn (what a replayed item stands for).</summary>
    public IReadOnlyList<(Speaker Speaker, string Text, string ItemId)> RecentTurnsWithItems(int maxCharacters)
    {
        var recent = new List<(Speaker, string, string)>();
        var remaining = maxCharacters;
        for (var index = _turns.Count - 1; index >= 0; index--)
        {
            var text = _turns[index].Text;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (text.Length > remaining)
            {
                break;
            }

            remaining -= text.Length;
            recent.Add((_turns[index].Speaker, text, _turns[index].ItemId));
        }

        recent.Reverse();
        return recent;
    }

    /// <summary>The item ids of the last <paramref name="count"/> turns that have text, oldest first: the turns a <c>last_turns</c> handoff keeps.</summary>
    public IReadOnlyList<string> LastTurnItemIds(int count)
    {
        var ids = new List<string>();
        for (var index = _turns.Count - 1; index >= 0 && ids.Count < count; index--)
        {
            if (!string.IsNullOrWhiteSpace(_turns[index].Text))
            {
                ids.Add(_turns[index].ItemId);
            }
        }

        ids.Reverse();
        return ids;
    }

    private TranscriptTurn GetOrAdd(Speaker speaker, string itemId)
    {
        if (!_byItemId.TryGetValue(itemId, out var turn))
        {
            turn = new TranscriptTurn(speaker, itemId, timeProvider.GetUtcNow(), AgentId);
            _byItemId.Add(itemId, turn);
            _turns.Add(turn);
        }

        if (speaker == Speaker.Agent)
        {
            _lastAgentTurn = turn;
        }

        return turn;
    }
}
