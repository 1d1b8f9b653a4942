namespace VoiceServer.RealtimeEmulator.Session;

/// <summary>The ordered items of the session's default conversation.</summary>
internal sealed class Conversation
{
    private readonly List<ConversationItem> _items = [];

    public string? LastItemId => _items.Count == 0 ? null : _items[^1].Id;

    public int InputAudioBytes { get; private set; }

    public int Count => _items.Count;

    public ConversationItem? Find(string id) => _items.Find(item => item.Id == id);

    /// <summary>Adds <paramref name="item"/> at the end; returns the id of the item before it.</summary>
    public string? Append(ConversationItem item)
    {
        var previous = LastItemId;
        _items.Add(item);
        InputAudioBytes += item.InputAudioBytes;
        return previous;
    }

    /// <summary>
    /// Inserts <paramref name="item"/> after <paramref name="previousItemId"/> ("root": first; null: last);
    /// returns the id of the item before it.
    /// </summary>
    public string? Insert(ConversationItem item, string? previousItemId)
    {
        if (previousItemId is null)
        {
            return Append(item);
        }

        var index = previousItemId == "root" ? 0 : _items.FindIndex(i => i.Id == previousItemId) + 1;
        _items.Insert(index, item);
        InputAudioBytes += item.InputAudioBytes;
        return index == 0 ? null : _items[index - 1].Id;
    }

    public bool Remove(string id)
    {
        var index = _items.FindIndex(item => item.Id == id);
        if (index < 0)
        {
            return false;
        }

        InputAudioBytes -= _items[index].InputAudioBytes;
        _items.RemoveAt(index);
        return true;
    }

    public bool HasFunctionCall(string callId) =>
        _items.Exists(item => item.Type == "function_call" && item.CallId == callId);
}
