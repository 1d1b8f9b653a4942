using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceServer.TwilioEmulator;

/// <summary>JSON helpers shared by the fakes; deliberately independent of any production codec.</summary>
internal static class FakeJson
{
    // Both real peers write base64 with raw '+' and '/'; the default encoder would emit \u002B instead.
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(JsonNode node) => node.ToJsonString(Options);

    /// <summary>Parses a text frame; null when it is not valid JSON (duplicate keys included).</summary>
    public static JsonNode? TryParse(ReadOnlySpan<byte> utf8, out string? error)
    {
        try
        {
            var node = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
            error = null;
            return node;
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            return null;
        }
    }

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
        if (Kind(node) != JsonValueKind.Number)
        {
            return false;
        }

        return double.TryParse(node!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
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
