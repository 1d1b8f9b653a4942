using System.ClientModel.Primitives;
using System.Text.Json.Nodes;
using VoiceServer.OpenAI;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The client events the voice server writes itself, against the official OpenAI .NET library's serialization of the
/// same command (the main app already takes the library): an independent check of their JSON shape.
/// </summary>
public sealed class RealtimeLibraryCrossCheckTests
{
    [Fact]
    public void ConversationItemDelete_HasTheShapeTheOfficialLibraryWrites()
    {
#pragma warning disable OPENAI002 // The library's Realtime types are marked experimental; only their serialization is used.
        var command = new global::OpenAI.Realtime.RealtimeClientCommandConversationItemDelete("item_7") { EventId = "voice_server_delete_1" };
        var official = JsonNode.Parse(ModelReaderWriter.Write(command).ToString())!;
#pragma warning restore OPENAI002
        var ours = JsonNode.Parse(RealtimeEventWriter.DeleteItem("item_7", "voice_server_delete_1"))!;

        Assert.True(JsonNode.DeepEquals(official, ours), $"the library writes {official.ToJsonString()}, the voice server {ours.ToJsonString()}");
    }
}
