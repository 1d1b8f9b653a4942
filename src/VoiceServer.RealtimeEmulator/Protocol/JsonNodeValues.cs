using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>What a JSON value is, read the way the real API reads it (an integer is written without a point).</summary>
internal static class JsonNodeValues
{
    public static JsonNode? FromElement(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? null : JsonNode.Parse(element.GetRawText());

    public static JsonValueKind Kind(JsonNode? node) => node switch
    {
        null => JsonValueKind.Null,
        JsonObject => JsonValueKind.Object,
        JsonArray => JsonValueKind.Array,
        _ => node.GetValueKind(),
    };

    public static bool IsString(JsonNode? node, out string value)
    {
        if (Kind(node) == JsonValueKind.String)
        {
            value = node!.GetValue<string>();
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>An integer in JSON syntax: "12" but not "12.0" or "1e2".</summary>
    public static bool IsInteger(JsonNode? node, out long value)
    {
        value = 0;
        if (Kind(node) != JsonValueKind.Number)
        {
            return false;
        }

        // The raw text decides: the real API rejects 1240.0 where an integer is required.
        var raw = node!.ToJsonString();
        return !raw.Contains('.', StringComparison.Ordinal)
            && !raw.Contains('e', StringComparison.OrdinalIgnoreCase)
            && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool IsNumber(JsonNode? node, out double value)
    {
        value = 0;
        return Kind(node) == JsonValueKind.Number
            && double.TryParse(node!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>How the real API names a JSON type in "expected X, but got Y" messages.</summary>
    public static string Describe(JsonNode? node) => Kind(node) switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Number => IsInteger(node, out _) ? "an integer" : "a decimal",
        _ => "an unknown value",
    };
}
