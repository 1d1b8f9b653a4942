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
            writer.WriteStartObject("number");
            writer.WriteString("type", "string");
            writer.WriteString("description", "The E.164 number to transfer the caller to.");
            writer.WriteStartArray("enum");
            foreach (var number in numbers)
            {
                writer.WriteStringValue(number);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
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

    private static JsonElement Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return JsonElement.ParseValue(ref reader);
    }
}
