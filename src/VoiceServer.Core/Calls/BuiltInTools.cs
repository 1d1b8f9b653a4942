using System.Buffers;
using System.Text.Json;

namespace VoiceServer.Calls;

/// <summary>The tools the server itself carries out, described to the model like any other.</summary>
public static class BuiltInTools
{
    /// <summary>An empty argument schema.</summary>
    public static JsonElement NoArguments { get; } = Parse("""{"type":"object","properties":{}}"""u8);

    public static ToolDefinition EndCall { get; } = new(
        ToolDefinition.EndCall,
        "Hang up the call. Say a short goodbye in the same turn first; the call ends once the goodbye has played.",
        NoArguments,
        Url: null);

    /// <summary>The model may only pick from <paramref name="numbers"/> (an enum in the schema, checked again on use).</summary>
    public static ToolDefinition TransferCall(IReadOnlyList<string> numbers)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteStartObject("properties");
            WriteChoice(writer, "number", "The E.164 number to transfer the caller to.", numbers);
            writer.WriteEndObject();
            writer.WriteStartArray("required");
            writer.WriteStringValue("number");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new ToolDefinition(
            ToolDefinition.TransferCall,
            "Transfer the caller to a person at one of the allowed numbers. Tell the caller you are transferring them first, in the same turn.",
            Parse(buffer.WrittenSpan),
            Url: null);
    }

    /// <summary>
    /// Hands the call to another agent: <c>agent</c> is one of <paramref name="destinations"/> (an enum, checked again
    /// on use), the description lists when each is the right one; <c>reason</c> and free-form <c>arguments</c> are
    /// passed on to the next agent.
    /// </summary>
    public static ToolDefinition TransferToAgent(IReadOnlyList<VoiceServer.Handoffs.HandoffDestination> destinations)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteStartObject("properties");
            WriteChoice(writer, "agent", "The agent to hand the call to.", destinations.Select(static destination => destination.AgentId));
            writer.WriteStartObject("reason");
            writer.WriteString("type", "string");
            writer.WriteString("description", "Why the call is handed over, in a sentence the next agent reads.");
            writer.WriteEndObject();
            writer.WriteStartObject("arguments");
            writer.WriteString("type", "object");
            writer.WriteString("description", "Anything the next agent should know (e.g. an order number), as named values.");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartArray("required");
            writer.WriteStringValue("agent");
            writer.WriteStringValue("reason");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var description = new System.Text.StringBuilder(
            "Hand the call to another agent, who takes over the conversation with the caller. Tell the caller you are passing them on first, in the same turn. The agents:");
        foreach (var destination in destinations)
        {
            description.Append("\n- ").Append(destination.AgentId).Append(": ").Append(destination.Description);
        }

        return new ToolDefinition(ToolDefinition.TransferToAgent, description.ToString(), Parse(buffer.WrittenSpan), Url: null);
    }

    /// <summary>A string property the model must fill with one of <paramref name="choices"/>.</summary>
    private static void WriteChoice(Utf8JsonWriter writer, string property, string description, IEnumerable<string> choices)
    {
        writer.WriteStartObject(property);
        writer.WriteString("type", "string");
        writer.WriteString("description", description);
        writer.WriteStartArray("enum");
        foreach (var choice in choices)
        {
            writer.WriteStringValue(choice);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static JsonElement Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return JsonElement.ParseValue(ref reader);
    }
}
