using System.Text.Json.Serialization;

namespace VoiceServer.Simulator.Scenarios;

// The scenario file as written (docs/testing-agents.md): every field optional here, so that a missing one is reported
// by ScenarioFile with its place in the file rather than as a bare deserialisation error.

internal sealed class ScenarioFileModel
{
    public ScenarioDefaultsModel? Defaults { get; init; }

    public List<ScenarioModel?>? Scenarios { get; init; }
}

internal sealed class ScenarioDefaultsModel
{
    public TargetModel? Target { get; init; }

    public string? Persona { get; init; }

    public bool? CallerStarts { get; init; }

    public LimitsModel? Limits { get; init; }

    public List<CriterionModel?>? Rubric { get; init; }
}

internal sealed class ScenarioModel
{
    public string? Name { get; init; }

    public TargetModel? Target { get; init; }

    public string? Persona { get; init; }

    public string? Goal { get; init; }

    public bool? CallerStarts { get; init; }

    public List<string?>? Script { get; init; }

    public LimitsModel? Limits { get; init; }

    public List<CriterionModel?>? Rubric { get; init; }
}

internal sealed class TargetModel
{
    public string? Webhook { get; init; }

    public string? To { get; init; }

    public string? From { get; init; }

    public string? AuthToken { get; init; }

    public string? Url { get; init; }

    public Dictionary<string, string?>? Parameters { get; init; }
}

internal sealed class LimitsModel
{
    public int? MaxTurns { get; init; }

    public double? MaxSeconds { get; init; }
}

internal sealed class CriterionModel
{
    public string? Id { get; init; }

    public string? Description { get; init; }

    public List<string?>? Expect { get; init; }

    public List<string?>? ExpectNot { get; init; }
}

/// <summary>Strict about names (an unknown or misspelt field is an error, not silently ignored), lenient about comments and trailing commas.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ScenarioFileModel))]
internal sealed partial class ScenarioJsonContext : JsonSerializerContext;
