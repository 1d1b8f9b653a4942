using VoiceServer.Legs;

namespace VoiceServer.Calls;

/// <summary>
/// The ids of one model session's conversation items, in the conversation's order, from its
/// <c>conversation.item.added</c> events: what trimming the live conversation (a handoff in place with the
/// <c>last_turns</c> or <c>summary</c> context) must name to delete. Per item, never per audio frame.
/// </summary>
/// <remarks>
/// Bounded: past <c>capacity</c> items, or once an item arrives after one it does not know, the list is dropped and
/// marked incomplete for the rest of the session, and a trim is done by replacing the session instead. Each item is
/// tied to the transcript turn it is, when it is one: the model's own audio items by their id, the text items the voice
/// server adds (replayed turns, key presses) by the order they were sent in. Not thread-safe: the call serialises access.
/// </remarks>
internal sealed class ConversationItems(int capacity)
{
    /// <summary>The cap when none is configured (<c>MODEL_MAX_TRACKED_ITEMS</c>).</summary>
    public const int DefaultCapacity = 1000;

    private readonly List<Item> _items = [];

    // The turns of the text items sent and not yet added, oldest first (null: a text item that is no turn).
    private readonly Queue<string?> _expectedText = new();

    /// <summary>Why the list cannot be relied on (null while it can).</summary>
    public string? Incomplete { get; private set; }

    public int Count => _items.Count;

    /// <summary>The voice server is sending a user or assistant text item standing for <paramref name="turnId"/> (null: no turn).</summary>
    public void ExpectTextItem(string? turnId)
    {
        if (Incomplete is null)
        {
            _expectedText.Enqueue(turnId);
        }
    }

    public void OnAdded(string itemId, string? previousItemId, ModelItemKind kind, string? callId)
    {
        if (Incomplete is not null || IndexOf(itemId) >= 0)
        {
            // Gone, or announced twice (conversation.item.added and the older .created).
            return;
        }

        var index = previousItemId is null ? 0 : IndexOf(previousItemId) + 1;
        if (index == 0 && previousItemId is not null)
        {
            GiveUp($"item {itemId} came after an item the voice server does not know");
            return;
        }

        if (_items.Count >= capacity)
        {
            GiveUp($"the session has more than {capacity} conversation items");
            return;
        }

        var turnId = kind switch
        {
            ModelItemKind.UserAudio or ModelItemKind.AssistantAudio => itemId,
            ModelItemKind.UserText or ModelItemKind.AssistantText => _expectedText.TryDequeue(out var expected) ? expected : null,
            _ => null,
        };
        _items.Insert(index, new Item(itemId, kind, callId, turnId));
    }

    public void OnDeleted(string itemId)
    {
        var index = IndexOf(itemId);
        if (index >= 0)
        {
            _items.RemoveAt(index);
        }
    }

    /// <summary>
    /// The items to delete so the conversation starts at the item of <paramref name="keptTurnIds"/>' oldest turn
    /// (oldest first; none: at <paramref name="handoffCallId"/>'s function call), oldest first: every item before it,
    /// and the outputs of the function calls among those (an output never stays without its call). The handoff's own
    /// call is always kept, as its output is still to come. Null, with <paramref name="problem"/>, when the list cannot say.
    /// </summary>
    public List<string>? PlanTrim(IReadOnlyList<string> keptTurnIds, string handoffCallId, out string? problem)
    {
        problem = Incomplete;
        if (problem is not null)
        {
            return null;
        }

        var cut = _items.FindIndex(item => item.Kind == ModelItemKind.FunctionCall && item.CallId == handoffCallId);
        if (cut < 0)
        {
            problem = "the handoff's own function call is not among the session's items";
            return null;
        }

        var found = false;
        foreach (var turnId in keptTurnIds)
        {
            var index = _items.FindIndex(item => item.TurnId == turnId);
            if (index < 0)
            {
                // Turns older than the session (a replacement is told only what fits its budget) are simply not in it;
                // a missing turn among ones it has means the list does not match the conversation.
                if (found)
                {
                    problem = "a turn to keep is not among the session's items";
                    return null;
                }

                continue;
            }

            found = true;
            cut = Math.Min(cut, index);
        }

        var deletedCalls = new HashSet<string>(StringComparer.Ordinal);
        var deletes = new List<string>();
        for (var i = 0; i < _items.Count; i++)
        {
            var item = _items[i];
            if (i < cut)
            {
                deletes.Add(item.Id);
                if (item.Kind == ModelItemKind.FunctionCall && item.CallId is { } call)
                {
                    deletedCalls.Add(call);
                }
            }
            else if (item.Kind == ModelItemKind.FunctionCallOutput && item.CallId is { } call && deletedCalls.Contains(call))
            {
                deletes.Add(item.Id);
            }
        }

        return deletes;
    }

    private int IndexOf(string itemId) => _items.FindIndex(item => string.Equals(item.Id, itemId, StringComparison.Ordinal));

    private void GiveUp(string why)
    {
        Incomplete = why;
        _items.Clear();
        _expectedText.Clear();
    }

    private sealed record Item(string Id, ModelItemKind Kind, string? CallId, string? TurnId);
}
