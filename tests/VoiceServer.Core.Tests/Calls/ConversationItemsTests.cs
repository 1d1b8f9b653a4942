using VoiceServer.Calls;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

public sealed class ConversationItemsTests
{
    private readonly ConversationItems _items = new(capacity: 50);

    private void Add(string id, ModelItemKind kind, string? callId = null, string? previous = "last")
    {
        _items.OnAdded(id, previous == "last" ? _last : previous, kind, callId);
        _last = id;
    }

    private string? _last;

    [Fact]
    public void LastTurns_DeletesEveryItemBeforeTheOldestKeptTurn_OldestFirst()
    {
        Add("c1", ModelItemKind.UserAudio);
        Add("a1", ModelItemKind.AssistantAudio);
        Add("c2", ModelItemKind.UserAudio);
        Add("a2", ModelItemKind.AssistantAudio);
        Add("fc", ModelItemKind.FunctionCall, "call_handoff");

        Assert.Equal(["c1", "a1"], _items.PlanTrim(["c2", "a2"], "call_handoff", out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void AnOutputWhoseCallIsDeleted_IsDeletedToo_AndTheHandoffsOwnCallIsAlwaysKept()
    {
        Add("c1", ModelItemKind.UserAudio);
        Add("fc_lookup", ModelItemKind.FunctionCall, "call_lookup");
        Add("fc_handoff", ModelItemKind.FunctionCall, "call_handoff");
        Add("out_lookup", ModelItemKind.FunctionCallOutput, "call_lookup");
        Add("c2", ModelItemKind.UserAudio);

        // No turn kept (a summary): everything before the handoff's call goes, and the lookup's output with its call.
        Assert.Equal(["c1", "fc_lookup", "out_lookup"], _items.PlanTrim([], "call_handoff", out _));
        // A kept turn after the handoff's call does not move the cut past it.
        Assert.Equal(["c1", "fc_lookup", "out_lookup"], _items.PlanTrim(["c2"], "call_handoff", out _));
    }

    [Fact]
    public void TextItemsTheVoiceServerAdds_AreTiedToTheirTurnsInTheOrderSent()
    {
        _items.ExpectTextItem("old_caller_turn");
        _items.ExpectTextItem(turnId: null);
        _items.ExpectTextItem("keypad_turn");
        Add("replayed", ModelItemKind.UserText);
        Add("system", ModelItemKind.System);
        Add("directive", ModelItemKind.UserText);
        Add("keys", ModelItemKind.UserText);
        Add("fc", ModelItemKind.FunctionCall, "call_handoff");

        Assert.Equal(["replayed", "system", "directive"], _items.PlanTrim(["keypad_turn"], "call_handoff", out _));
        Assert.Empty(_items.PlanTrim(["old_caller_turn"], "call_handoff", out _)!);
    }

    [Fact]
    public void TurnsOlderThanTheSession_AreSkipped_ButAMissingTurnAmongKeptOnesFallsBack()
    {
        Add("c2", ModelItemKind.UserAudio);
        Add("a2", ModelItemKind.AssistantAudio);
        Add("fc", ModelItemKind.FunctionCall, "call_handoff");

        Assert.Empty(_items.PlanTrim(["turn_of_an_earlier_session", "c2", "a2"], "call_handoff", out _)!);
        Assert.Null(_items.PlanTrim(["c2", "unknown", "a2"], "call_handoff", out var problem));
        Assert.Contains("not among the session's items", problem, StringComparison.Ordinal);
        Assert.Null(_items.PlanTrim(["c2"], "call_other", out problem));
        Assert.Contains("own function call", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ItemsFollowPreviousItemId_DeletionsLeaveTheList_AndDuplicatesAreIgnored()
    {
        Add("a1", ModelItemKind.AssistantAudio);
        Add("fc", ModelItemKind.FunctionCall, "call_handoff");
        // The caller's turn committed while the response was under way lands after the item it names.
        _items.OnAdded("c1", "a1", ModelItemKind.UserAudio, null);
        _items.OnAdded("c1", "a1", ModelItemKind.UserAudio, null);
        _items.OnAdded("c0", null, ModelItemKind.UserAudio, null);
        Assert.Equal(4, _items.Count);
        Assert.Equal(["c0", "a1"], _items.PlanTrim(["c1"], "call_handoff", out _));

        _items.OnDeleted("c0");
        Assert.Equal(["a1"], _items.PlanTrim(["c1"], "call_handoff", out _));
    }

    [Fact]
    public void PastItsCapacity_OrAfterAnUnknownItem_TheListIsGivenUp()
    {
        var small = new ConversationItems(capacity: 2);
        small.OnAdded("i1", null, ModelItemKind.UserAudio, null);
        small.OnAdded("i2", "i1", ModelItemKind.AssistantAudio, null);
        small.OnAdded("i3", "i2", ModelItemKind.FunctionCall, "call_handoff");
        Assert.Contains("more than 2 conversation items", small.Incomplete, StringComparison.Ordinal);
        Assert.Equal(0, small.Count);
        Assert.Null(small.PlanTrim([], "call_handoff", out var problem));
        Assert.Equal(small.Incomplete, problem);

        _items.OnAdded("i2", "never_seen", ModelItemKind.UserAudio, null);
        Assert.Contains("does not know", _items.Incomplete, StringComparison.Ordinal);
    }
}
