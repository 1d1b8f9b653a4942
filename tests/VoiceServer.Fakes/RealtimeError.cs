using VoiceServer.TwilioEmulator;

namespace VoiceServer.Fakes;

/// <summary>The <c>error</c> object of a Realtime <c>error</c> event.</summary>
internal sealed record RealtimeError(string Code, string Message, string? Param, string Type = "invalid_request_error")
{
    public static RealtimeError Unknown(string path) =>
        new("unknown_parameter", $"Unknown parameter: '{path}'.", path);

    public static RealtimeError Missing(string path) =>
        new("missing_required_parameter", $"Missing required parameter: '{path}'.", path);

    public static RealtimeError InvalidType(string path, string expected, System.Text.Json.Nodes.JsonNode? actual) =>
        new("invalid_type", $"Invalid type for '{path}': expected {expected}, but got {FakeJson.Describe(actual)} instead.", path);

    public static RealtimeError InvalidValue(string path, string value, IReadOnlyList<string> supported) =>
        new("invalid_value", $"Invalid value: '{value}'. Supported values are: {JoinSupported(supported)}.", path);

    public static RealtimeError BelowMinimum(string path, bool integer, string minimum, string actual) =>
        new(
            integer ? "integer_below_min_value" : "decimal_below_min_value",
            $"Invalid '{path}': {(integer ? "integer" : "decimal")} below minimum value. Expected a value >= {minimum}, but got {actual} instead.",
            path);

    public static RealtimeError AboveMaximum(string path, bool integer, string maximum, string actual) =>
        new(
            integer ? "integer_above_max_value" : "decimal_above_max_value",
            $"Invalid '{path}': {(integer ? "integer" : "decimal")} above maximum value. Expected a value <= {maximum}, but got {actual} instead.",
            path);

    private static string JoinSupported(IReadOnlyList<string> values) => values.Count switch
    {
        1 => $"'{values[0]}'",
        2 => $"'{values[0]}' and '{values[1]}'",
        _ => string.Join(", ", values.Take(values.Count - 1).Select(v => $"'{v}'")) + $", and '{values[^1]}'",
    };
}
