using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Legs;

namespace VoiceServer.OpenAI.Tests;

/// <summary>The events that track and trim a session's conversation: items added and deleted, and the delete itself.</summary>
public sealed class ConversationItemEventTests
{
    [Fact]
    public void DeleteItem_CarriesTheItemIdAndTheEventIdAnErrorWouldEcho()
    {
        var json = Encoding.UTF8.GetString(RealtimeEventWriter.DeleteItem("item_7", "voice_server_delete_1"));
        Assert.Equal("""{"type":"conversation.item.delete","event_id":"voice_server_delete_1","item_id":"item_7"}""", json);
    }

    [Theory]
    [InlineData("""{"type":"message","role":"user","content":[{"type":"input_audio","transcript":null}]}""", ModelItemKind.UserAudio, null)]
    [InlineData("""{"type":"message","role":"user","content":[{"type":"input_text","text":"The caller pressed 5."}]}""", ModelItemKind.UserText, null)]
    [InlineData("""{"type":"message","role":"assistant","status":"in_progress","content":[]}""", ModelItemKind.AssistantAudio, null)]
    [InlineData("""{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hello."}]}""", ModelItemKind.AssistantText, null)]
    [InlineData("""{"type":"message","role":"system","content":[{"type":"input_text","text":"Summary."}]}""", ModelItemKind.System, null)]
    [InlineData("""{"type":"function_call","name":"lookup","call_id":"call_1","arguments":""}""", ModelItemKind.FunctionCall, "call_1")]
    [InlineData("""{"type":"function_call_output","call_id":"call_1","output":"{}"}""", ModelItemKind.FunctionCallOutput, "call_1")]
    [InlineData("""{"type":"mcp_call"}""", ModelItemKind.Other, null)]
    public void ItemAdded_IsReadWithItsKindPreviousItemAndCallId(string item, ModelItemKind kind, string? callId)
    {
        var itemObject = JsonNode.Parse(item)!.AsObject();
        itemObject["id"] = "item_2";
        itemObject["object"] = "realtime.item";
        var bytes = Encoding.UTF8.GetBytes($$"""{"type":"conversation.item.added","event_id":"event_1","previous_item_id":"item_1","item":{{itemObject.ToJsonString()}}}""");

        Assert.True(RealtimeEventReader.TryRead(bytes, new byte[bytes.Length], out var serverEvent, out _));
        Assert.Equal(RealtimeEventType.ItemAdded, serverEvent.Type);
        Assert.Equal("item_1", Encoding.UTF8.GetString(serverEvent.PreviousItemId));
        Assert.Equal(("item_2", kind, callId), RealtimeEventReader.ReadItem(serverEvent.Body));
    }

    [Fact]
    public void TheFirstItem_HasNoPreviousItem_AndItemDeletedNamesItsItem()
    {
        var first = Encoding.UTF8.GetBytes("""{"type":"conversation.item.added","event_id":"event_1","previous_item_id":null,"item":{"id":"item_1","type":"message","role":"user","content":[]}}""");
        Assert.True(RealtimeEventReader.TryRead(first, new byte[first.Length], out var added, out _));
        Assert.True(added.PreviousItemId.IsEmpty);

        var deleted = Encoding.UTF8.GetBytes("""{"type":"conversation.item.deleted","event_id":"event_2","item_id":"item_1"}""");
        Assert.True(RealtimeEventReader.TryRead(deleted, new byte[deleted.Length], out var serverEvent, out _));
        Assert.Equal(RealtimeEventType.ItemDeleted, serverEvent.Type);
        Assert.Equal("item_1", Encoding.UTF8.GetString(serverEvent.ItemId));
    }
}
