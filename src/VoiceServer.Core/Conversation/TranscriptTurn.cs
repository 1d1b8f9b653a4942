using System.Text;
using VoiceServer.Audio;

namespace VoiceServer.Conversation;

/// <summary>One turn of the <see cref="Transcript"/>.</summary>
public sealed class TranscriptTurn
{
    private StringBuilder? _streamed;
    private string? _final;

    internal TranscriptTurn(Speaker speaker, string itemId, DateTimeOffset startedAt, string? agentId)
    {
        Speaker = speaker;
        ItemId = itemId;
        StartedAt = startedAt;
        AgentId = agentId;
    }

    public Speaker Speaker { get; }

    /// <summary>The agent holding the call when the turn began: for an agent turn, the one that spoke it.</summary>
    public string? AgentId { get; }

    /// <summary>The model's conversation item id.</summary>
    public string ItemId { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Key presses rather than speech: often PINs, so kept out of logs.</summary>
    public bool IsKeypad { get; internal set; }

    /// <summary>The text is the model's final transcript (not still streaming, or awaited).</summary>
    public bool IsFinal => _final is not null;

    /// <summary>Agent turns: from the caller's end of speech to this turn's first audio relayed (null if it answered no speech).</summary>
    public long? ResponseLatencyMs { get; internal set; }

    /// <summary>True when a barge-in cut the agent off: <see cref="Text"/> then holds only what the caller heard.</summary>
    public bool Interrupted => HeardMs is not null;

    /// <summary>
    /// The words of the turn (null until known). An interrupted agent turn is cut in proportion to the audio heard,
    /// back to a word boundary: the transcript carries no timing, so this is the closest text to what was heard.
    /// </summary>
    public string? Text
    {
        get
        {
            var full = _final ?? _streamed?.ToString();
            if (full is null || HeardMs is not { } heardMs)
            {
                return full;
            }

            var generatedMs = AudioBytes / BytesPerMillisecond;
            return generatedMs <= 0 ? string.Empty : CutAtWord(full, Math.Min(1.0, (double)heardMs / generatedMs));
        }
    }

    internal long AudioBytes { get; set; }

    /// <summary>Of the call's audio format (μ-law: 8).</summary>
    internal int BytesPerMillisecond { get; set; } = MuLaw.BytesPerMillisecond;

    internal int? HeardMs { get; set; }

    internal void AppendText(ReadOnlySpan<byte> utf8Text)
    {
        if (_final is not null)
        {
            return;
        }

        _streamed ??= new StringBuilder();
        Span<char> chars = utf8Text.Length <= 512 ? stackalloc char[utf8Text.Length] : new char[utf8Text.Length];
        var length = Encoding.UTF8.GetChars(utf8Text, chars);
        _streamed.Append(chars[..length]);
    }

    internal void SetFinalText(string text)
    {
        _final = text;
        _streamed = null;
    }

    private static string CutAtWord(string text, double fraction)
    {
        var length = (int)Math.Round(text.Length * fraction);
        if (length >= text.Length)
        {
            return text;
        }

        // A word is heard whole or not at all.
        var space = text.LastIndexOf(' ', length);
        return (space > 0 ? text[..space] : text[..length]).TrimEnd();
    }
}
