using System.Globalization;
using System.Text.Json;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>The body of a Realtime <c>error</c> event. Messages follow the wording observed from the real API.</summary>
internal sealed record RealtimeError(string Code, string Message, string? Param, string Type = "invalid_request_error")
{
    public static RealtimeError UnknownParameter(string path) =>
        new("unknown_parameter", $"Unknown parameter: '{path}'.", path);

    public static RealtimeError MissingParameter(string path) =>
        new("missing_required_parameter", $"Missing required parameter: '{path}'.", path);

    public static RealtimeError InvalidType(string path, string expected, JsonElement actual) =>
        new("invalid_type", $"Invalid type for '{path}': expected {expected}, but got {Describe(actual)} instead.", path);

    public static RealtimeError InvalidValue(string path, string value, IEnumerable<string> supported) =>
        new(
            "invalid_value",
            $"Invalid value: '{value}'. Supported values are: {string.Join(", ", supported.Select(s => $"'{s}'"))}.",
            path);

    public static RealtimeError InvalidValue(string path, string message) => new("invalid_value", message, path);

    public static RealtimeError BelowMinimum(string path, double minimum, double actual, bool integer) =>
        new(
            integer ? "integer_below_min_value" : "decimal_below_min_value",
            string.Create(
                CultureInfo.InvariantCulture,
                $"Invalid '{path}': {(integer ? "integer" : "decimal")} below minimum value. Expected a value >= {minimum}, but got {actual} instead."),
            path);

    public static RealtimeError AboveMaximum(string path, double maximum, double actual, bool integer) =>
        new(
            integer ? "integer_above_max_value" : "decimal_above_max_value",
            string.Create(
                CultureInfo.InvariantCulture,
                $"Invalid '{path}': {(integer ? "integer" : "decimal")} above maximum value. Expected a value <= {maximum}, but got {actual} instead."),
            path);

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number when element.TryGetInt64(out _) => "an integer",
        JsonValueKind.Number => "a decimal number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
