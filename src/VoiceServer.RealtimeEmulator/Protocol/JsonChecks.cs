using System.Text.Json;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>
/// Small schema checks over <see cref="JsonElement"/>: each returns the first error found, or null. The real API
/// is strict (one unknown key fails the whole event), so these are too.
/// </summary>
internal static class JsonChecks
{
    public delegate RealtimeError? Rule(JsonElement value, string path);

    public static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static RealtimeError? Object(JsonElement value, string path, IReadOnlySet<string> allowedKeys)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return RealtimeError.InvalidType(path, "an object", value);
        }

        foreach (var property in value.EnumerateObject())
        {
            if (!allowedKeys.Contains(property.Name))
            {
                return RealtimeError.UnknownParameter(Join(path, property.Name));
            }
        }

        return null;
    }

    /// <summary>Applies <paramref name="rule"/> to <paramref name="name"/> when present.</summary>
    public static RealtimeError? Optional(JsonElement parent, string parentPath, string name, Rule rule) =>
        parent.TryGetProperty(name, out var value) ? rule(value, Join(parentPath, name)) : null;

    public static RealtimeError? Required(JsonElement parent, string parentPath, string name, Rule rule) =>
        parent.TryGetProperty(name, out var value)
            ? rule(value, Join(parentPath, name))
            : RealtimeError.MissingParameter(Join(parentPath, name));

    public static Rule Nullable(Rule rule) =>
        (value, path) => value.ValueKind == JsonValueKind.Null ? null : rule(value, path);

    public static RealtimeError? String(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String ? null : RealtimeError.InvalidType(path, "a string", value);

    public static RealtimeError? Boolean(JsonElement value, string path) =>
        value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? null
            : RealtimeError.InvalidType(path, "a boolean", value);

    public static RealtimeError? AnyObject(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Object ? null : RealtimeError.InvalidType(path, "an object", value);

    public static Rule Enum(params string[] supported) =>
        (value, path) =>
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                return RealtimeError.InvalidType(path, "a string", value);
            }

            var text = value.GetString()!;
            return supported.Contains(text, StringComparer.Ordinal) ? null : RealtimeError.InvalidValue(path, text, supported);
        };

    public static Rule Integer(long minimum, long maximum = long.MaxValue) =>
        (value, path) =>
        {
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
            {
                return RealtimeError.InvalidType(path, "an integer", value);
            }

            if (number < minimum)
            {
                return RealtimeError.BelowMinimum(path, minimum, number, isInteger: true);
            }

            return number > maximum ? RealtimeError.AboveMaximum(path, maximum, number, isInteger: true) : null;
        };

    public static Rule Number(double minimum, double maximum) =>
        (value, path) =>
        {
            if (value.ValueKind != JsonValueKind.Number)
            {
                return RealtimeError.InvalidType(path, "a number", value);
            }

            var number = value.GetDouble();
            if (number < minimum)
            {
                return RealtimeError.BelowMinimum(path, minimum, number, isInteger: false);
            }

            return number > maximum ? RealtimeError.AboveMaximum(path, maximum, number, isInteger: false) : null;
        };

    public static Rule ArrayOf(Rule item) =>
        (value, path) =>
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                return RealtimeError.InvalidType(path, "an array", value);
            }

            var index = 0;
            foreach (var element in value.EnumerateArray())
            {
                if (item(element, $"{path}[{index++}]") is { } error)
                {
                    return error;
                }
            }

            return null;
        };
}
