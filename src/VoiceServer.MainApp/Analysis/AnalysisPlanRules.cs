using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Json.Schema;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// Checks an agent's analysis plan when it is saved, so that every stored plan is one OpenAI's strict structured
/// outputs accept: a failure names the field (<c>analysis.structuredDataSchema.properties.total.additionalProperties</c>),
/// and the admin API answers it with a 400 instead of every call's analysis failing later.
/// </summary>
internal static class AnalysisPlanRules
{
    public const int MaxPromptCharacters = 4_000;

    /// <summary>The agent's schema as JSON text: ample for a few hundred fields, far below the admin body cap.</summary>
    public const int MaxSchemaCharacters = 16_000;

    /// <summary>
    /// OpenAI allows 10 levels of nesting in a strict schema; the answer's own object wraps the agent's schema, which
    /// leaves it 9.
    /// </summary>
    public const int MaxSchemaDepth = 9;

    /// <summary>Ours, well under OpenAI's 5,000: an analysis asks for what a call can answer, not a database row.</summary>
    public const int MaxSchemaProperties = 200;

    /// <summary>Ours, under OpenAI's 1,000 enum values across a schema.</summary>
    public const int MaxEnumValues = 500;

    private const string SchemaField = "analysis.structuredDataSchema";

    /// <summary>
    /// The keywords strict mode supports that this app passes on. Not <c>pattern</c>: the answer is checked here against
    /// the schema, and a regular expression chosen by an admin would run on the model's text inside this process.
    /// Not <c>$ref</c>/<c>$defs</c>: the agent's schema is nested inside the answer's, where a reference to its root breaks.
    /// </summary>
    private static readonly HashSet<string> s_keywords =
    [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "description", "title",
        "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    ];

    private static readonly HashSet<string> s_types = ["string", "number", "integer", "boolean", "object", "array", "null"];

    /// <summary>
    /// The plan to store: null when <paramref name="input"/> has no part (no analysis), else the plan with blank texts
    /// dropped. False with the field and the reason when a part is not acceptable.
    /// </summary>
    public static bool TryValidate(AnalysisPlan input, out AnalysisPlan? plan, [NotNullWhen(false)] out string? field, [NotNullWhen(false)] out string? message)
    {
        plan = null;
        var summary = string.IsNullOrWhiteSpace(input.SummaryPrompt) ? null : input.SummaryPrompt;
        var rubric = string.IsNullOrWhiteSpace(input.SuccessRubric) ? null : input.SuccessRubric;
        var schema = input.StructuredDataSchema is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } given ? given : (JsonElement?)null;
        if (!IsText(summary, "analysis.summaryPrompt", out field, out message) || !IsText(rubric, "analysis.successRubric", out field, out message))
        {
            return false;
        }

        if (schema is { } root && !IsStrictSchema(root, out field, out message))
        {
            return false;
        }

        plan = summary is null && rubric is null && schema is null ? null : new AnalysisPlan(summary, schema, rubric);
        return true;
    }

    /// <summary>Builds the schema for evaluation, in a registry of its own (the global one would keep every schema ever built).</summary>
    public static JsonSchema Build(JsonElement schema) =>
        JsonSchema.Build(schema, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"urn:call-analysis:{Guid.NewGuid():N}"));

    private static bool IsText(string? text, string name, [NotNullWhen(false)] out string? field, [NotNullWhen(false)] out string? message)
    {
        (field, message) = text switch
        {
            null => (null, null),
            { Length: > MaxPromptCharacters } => (name, $"{name} must be at most {MaxPromptCharacters} characters."),
            _ when text.Any(static c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t') => (name, $"{name} holds control characters."),
            _ => (null, null),
        };
        return field is null;
    }

    private static bool IsStrictSchema(JsonElement root, [NotNullWhen(false)] out string? field, [NotNullWhen(false)] out string? message)
    {
        field = SchemaField;
        if (root.GetRawText().Length > MaxSchemaCharacters)
        {
            message = $"{SchemaField} must be at most {MaxSchemaCharacters} characters of JSON.";
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "object")
        {
            message = $"{SchemaField} must be a JSON Schema object with \"type\": \"object\" (strict structured outputs need an object at the root).";
            return false;
        }

        var counts = new Counts();
        if (!Check(root, SchemaField, 1, counts, out field, out message))
        {
            return false;
        }

        try
        {
            _ = Build(root);
        }
        catch (Exception ex) when (ex is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            field = SchemaField;
            message = $"{SchemaField} is not a valid JSON Schema: {ex.Message}";
            return false;
        }

        return true;
    }

    /// <summary>One subschema at <paramref name="path"/>: strict mode's rules, then its children one level deeper.</summary>
    private static bool Check(JsonElement node, string path, int depth, Counts counts, [NotNullWhen(false)] out string? field, [NotNullWhen(false)] out string? message)
    {
        field = path;
        message = null;
        if (depth > MaxSchemaDepth)
        {
            message = $"{path} nests deeper than {MaxSchemaDepth} levels.";
            return false;
        }

        if (node.ValueKind != JsonValueKind.Object)
        {
            message = $"{path} must be a JSON Schema object.";
            return false;
        }

        foreach (var keyword in node.EnumerateObject())
        {
            if (!s_keywords.Contains(keyword.Name))
            {
                field = $"{path}.{keyword.Name}";
                message = $"{field}: the keyword {keyword.Name} is not supported here (strict structured outputs take {string.Join(", ", s_keywords)}).";
                return false;
            }
        }

        var types = new List<string>();
        if (node.TryGetProperty("type", out var type))
        {
            foreach (var name in type.ValueKind == JsonValueKind.Array ? type.EnumerateArray() : Enumerable.Repeat(type, 1))
            {
                if (name.ValueKind != JsonValueKind.String || !s_types.Contains(name.GetString()!))
                {
                    field = $"{path}.type";
                    message = $"{field} must be one of {string.Join(", ", s_types)}, or an array of them.";
                    return false;
                }

                types.Add(name.GetString()!);
            }
        }

        if (node.TryGetProperty("enum", out var values))
        {
            counts.EnumValues += values.ValueKind == JsonValueKind.Array ? values.GetArrayLength() : 0;
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0 || counts.EnumValues > MaxEnumValues)
            {
                field = $"{path}.enum";
                message = $"{field} must be a non-empty array, with at most {MaxEnumValues} values across the schema.";
                return false;
            }
        }

        if (node.TryGetProperty("anyOf", out var anyOf))
        {
            if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
            {
                field = $"{path}.anyOf";
                message = $"{field} must be a non-empty array of schemas.";
                return false;
            }

            var index = 0;
            foreach (var option in anyOf.EnumerateArray())
            {
                if (!Check(option, $"{path}.anyOf[{index++}]", depth + 1, counts, out field, out message))
                {
                    return false;
                }
            }
        }
        else if (types.Count == 0 && !node.TryGetProperty("enum", out _) && !node.TryGetProperty("const", out _))
        {
            message = $"{path} needs a type (strict structured outputs require one; anyOf with null makes a value optional).";
            return false;
        }

        if (types.Contains("object") || node.TryGetProperty("properties", out _))
        {
            if (!CheckObject(node, path, depth, counts, out field, out message))
            {
                return false;
            }
        }

        if (types.Contains("array") || node.TryGetProperty("items", out _))
        {
            if (!node.TryGetProperty("items", out var items))
            {
                field = $"{path}.items";
                message = $"{field} is required for an array.";
                return false;
            }

            if (!Check(items, $"{path}.items", depth + 1, counts, out field, out message))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Strict mode's object rules: <c>additionalProperties: false</c>, and every property listed in <c>required</c>.</summary>
    private static bool CheckObject(JsonElement node, string path, int depth, Counts counts, [NotNullWhen(false)] out string? field, [NotNullWhen(false)] out string? message)
    {
        field = $"{path}.additionalProperties";
        message = null;
        if (!node.TryGetProperty("additionalProperties", out var additional) || additional.ValueKind != JsonValueKind.False)
        {
            message = $"{field} must be false: strict structured outputs refuse objects that may hold other properties.";
            return false;
        }

        field = $"{path}.properties";
        if (!node.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            message = $"{field} must be an object naming the object's properties.";
            return false;
        }

        var names = properties.EnumerateObject().Select(static p => p.Name).ToList();
        counts.Properties += names.Count;
        if (counts.Properties > MaxSchemaProperties)
        {
            message = $"{SchemaField} may have at most {MaxSchemaProperties} properties in all.";
            return false;
        }

        field = $"{path}.required";
        var required = node.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(static r => r.ValueKind == JsonValueKind.String ? r.GetString() : null).ToList()
            : null;
        if (required is null || required.Any(static r => r is null) || required.Count != required.Distinct(StringComparer.Ordinal).Count())
        {
            message = $"{field} must be an array of the property names, each once.";
            return false;
        }

        if (names.FirstOrDefault(n => !required.Contains(n, StringComparer.Ordinal)) is { } missing)
        {
            message = $"{field} must list every property ({missing} is missing): strict structured outputs make every property required; make one optional with \"anyOf\" [its schema, {{\"type\":\"null\"}}].";
            return false;
        }

        if (required.FirstOrDefault(r => !names.Contains(r!, StringComparer.Ordinal)) is { } unknown)
        {
            message = $"{field} names {unknown}, which is not in properties.";
            return false;
        }

        foreach (var property in properties.EnumerateObject())
        {
            if (!Check(property.Value, $"{path}.properties.{property.Name}", depth + 1, counts, out field, out message))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Counts
    {
        public int Properties { get; set; }

        public int EnumValues { get; set; }
    }
}
