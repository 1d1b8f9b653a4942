using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>
/// The body of a Realtime <c>error</c> event, for the emulator and the tests' fake Realtime server alike. Messages
/// follow the wording observed from the real API (docs/reference/openai-realtime.md).
/// </summary>
public sealed record RealtimeError(string Code, string Message, string? Param, string Type = "invalid_request_error")
{
    public static RealtimeError UnknownParameter(string path) =>
        new("unknown_parameter", $"Unknown parameter: '{path}'.", path);

    public static RealtimeError MissingParameter(string path) =>
        new("missing_required_parameter", $"Missing required parameter: '{path}'.", path);

    public static RealtimeError InvalidType(string path, string expected, JsonElement actual) =>
        InvalidType(path, expected, JsonNodeValues.FromElement(actual));

    public static RealtimeError InvalidType(string path, string expected, JsonNode? actual) =>
        new("invalid_type", $"Invalid type for '{path}': expected {expected}, but got {JsonNodeValues.Describe(actual)} instead.", path);

    public static RealtimeError InvalidValue(string path, string value, IEnumerable<string> supported) =>
        new("invalid_value", $"Invalid value: '{value}'. Supported values are: {JoinSupported([.. supported])}.", path);

    public static RealtimeError InvalidValue(string path, string message) => new("invalid_value", message, path);

    public static RealtimeError BelowMinimum(string path, double minimum, double actual, bool isInteger) =>
        new(
            isInteger ? "integer_below_min_value" : "decimal_below_min_value",
            string.Create(
                CultureInfo.InvariantCulture,
                $"Invalid '{path}': {(isInteger ? "integer" : "decimal")} below minimum value. Expected a value >= {minimum}, but got {actual} instead."),
            path);

    public static RealtimeError AboveMaximum(string path, double maximum, double actual, bool isInteger) =>
        new(
            isInteger ? "integer_above_max_value" : "decimal_above_max_value",
            string.Create(
                CultureInfo.InvariantCulture,
                $"Invalid '{path}': {(isInteger ? "integer" : "decimal")} above maximum value. Expected a value <= {maximum}, but got {actual} instead."),
            path);

    private static string JoinSupported(IReadOnlyList<string> values) => values.Count switch
    {
        1 => $"'{values[0]}'",
        2 => $"'{values[0]}' and '{values[1]}'",
        _ => string.Join(", ", values.Take(values.Count - 1).Select(v => $"'{v}'")) + $", and '{values[^1]}'",
    };
}
