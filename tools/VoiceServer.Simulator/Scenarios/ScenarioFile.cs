using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VoiceServer.Simulator.Scenarios;

/// <summary>
/// Reads a scenario file (JSON; the format is in docs/testing-agents.md): its defaults applied to every scenario,
/// every field checked, and the first problem reported with where it is, so a broken file never starts a call.
/// </summary>
public static partial class ScenarioFile
{
    /// <summary>Far more than any hand-written file; a bigger one is refused before it is parsed.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    public const int MaxScenarios = 1000;

    /// <summary>OpenAI's Realtime sessions end at 60 minutes.</summary>
    public const double MaxSeconds = 3600;

    public const int DefaultMaxTurns = 10;

    public const double DefaultMaxSeconds = 120;

    /// <summary>The scenarios, or the first problem with the file.</summary>
    public static (IReadOnlyList<Scenario>? Scenarios, string? Error) Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return (null, $"{path}: no such file.");
            }

            if (info.Length > MaxFileBytes)
            {
                return (null, $"{path}: {info.Length} bytes is more than a scenario file may hold ({MaxFileBytes}).");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"{path}: cannot be read: {ex.Message}");
        }

        var (scenarios, error) = Parse(bytes);
        return error is null ? (scenarios, null) : (null, $"{path}: {error}");
    }

    /// <summary>The scenarios of a file's contents, or the first problem with them.</summary>
    public static (IReadOnlyList<Scenario>? Scenarios, string? Error) Parse(ReadOnlySpan<byte> utf8Json)
    {
        ScenarioFileModel? file;
        try
        {
            file = JsonSerializer.Deserialize(utf8Json, ScenarioJsonContext.Default.ScenarioFileModel);
        }
        catch (JsonException ex)
        {
            // The message names the JSON path and the line; the inner exception adds nothing a reader needs.
            return (null, $"not a valid scenario file: {ex.Message}");
        }

        if (file is null)
        {
            return (null, "not a valid scenario file: expected a JSON object with \"scenarios\".");
        }

        try
        {
            return (Resolve(file), null);
        }
        catch (ScenarioFileException ex)
        {
            return (null, ex.Message);
        }
    }

    private static List<Scenario> Resolve(ScenarioFileModel file)
    {
        if (file.Scenarios is not { Count: > 0 } models)
        {
            throw new ScenarioFileException("\"scenarios\" must list at least one scenario.");
        }

        if (models.Count > MaxScenarios)
        {
            throw new ScenarioFileException($"\"scenarios\" lists {models.Count} scenarios; at most {MaxScenarios} are run from one file.");
        }

        var defaults = file.Defaults ?? new ScenarioDefaultsModel();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var scenarios = new List<Scenario>();
        for (var i = 0; i < models.Count; i++)
        {
            var where = $"scenarios[{i}]";
            var model = models[i] ?? throw new ScenarioFileException($"{where} is null.");
            var name = Text(model.Name, $"{where}.name");
            if (name.Length > 200 || name.Any(char.IsControl))
            {
                throw new ScenarioFileException($"{where}.name: at most 200 characters, none of them control characters.");
            }

            if (!names.Add(name))
            {
                throw new ScenarioFileException($"{where}.name: another scenario is already called '{name}'.");
            }

            where = $"{where} ('{name}')";
            var script = (model.Script ?? []).Select((line, n) => Text(line, $"{where}.script[{n}]")).ToList();
            if (script.Any(line => line.Contains('\n', StringComparison.Ordinal)))
            {
                throw new ScenarioFileException($"{where}.script: each line is one turn, on one line.");
            }

            var maxTurns = model.Limits?.MaxTurns ?? defaults.Limits?.MaxTurns ?? (script.Count > 0 ? script.Count : DefaultMaxTurns);
            if (maxTurns is < 1 or > 1000)
            {
                throw new ScenarioFileException($"{where}.limits.maxTurns must be between 1 and 1000, not {maxTurns}.");
            }

            var maxSeconds = model.Limits?.MaxSeconds ?? defaults.Limits?.MaxSeconds ?? DefaultMaxSeconds;
            if (!(maxSeconds is > 0 and <= MaxSeconds))
            {
                throw new ScenarioFileException(
                    $"{where}.limits.maxSeconds must be more than 0 and at most {MaxSeconds}, not {maxSeconds.ToString(CultureInfo.InvariantCulture)}.");
            }

            scenarios.Add(new Scenario
            {
                Name = name,
                Target = ResolveTarget(model.Target ?? defaults.Target, $"{where}.target"),
                Persona = model.Persona ?? defaults.Persona ?? string.Empty,
                Goal = Text(model.Goal, $"{where}.goal"),
                CallerStarts = model.CallerStarts ?? defaults.CallerStarts ?? false,
                Script = script,
                MaxTurns = maxTurns,
                MaxDuration = TimeSpan.FromSeconds(maxSeconds),
                Rubric = ResolveRubric(defaults.Rubric ?? [], model.Rubric ?? [], $"{where}.rubric"),
            });
        }

        return scenarios;
    }

    private static ScenarioTarget ResolveTarget(TargetModel? target, string where)
    {
        if (target is null)
        {
            throw new ScenarioFileException($"{where} is missing (here or in defaults): a webhook or a url.");
        }

        if ((target.Webhook is null) == (target.Url is null))
        {
            throw new ScenarioFileException($"{where} needs exactly one of webhook (a main app's voice webhook) and url (a media-stream URL).");
        }

        var defaults = new ScenarioTarget();
        if (target.Webhook is { } webhook)
        {
            if (target.Parameters is not null)
            {
                throw new ScenarioFileException($"{where}.parameters: with a webhook the parameters come from its TwiML; use url to send your own.");
            }

            return new ScenarioTarget
            {
                Webhook = AbsoluteUrl(webhook, $"{where}.webhook", "http", "https"),
                To = target.To is null ? defaults.To : Text(target.To, $"{where}.to"),
                From = target.From is null ? defaults.From : Text(target.From, $"{where}.from"),
                AuthToken = target.AuthToken,
            };
        }

        if (target.To is not null)
        {
            throw new ScenarioFileException($"{where}.to: a number is dialled through a webhook; a url target takes parameters (agentId, …).");
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in target.Parameters ?? [])
        {
            if (name.Length == 0 || value is null)
            {
                throw new ScenarioFileException($"{where}.parameters: every parameter needs a name and a string value.");
            }

            parameters[name] = value;
        }

        return new ScenarioTarget
        {
            StreamUrl = AbsoluteUrl(target.Url!, $"{where}.url", "ws", "wss"),
            From = target.From ?? defaults.From,
            AuthToken = target.AuthToken,
            Parameters = parameters,
        };
    }

    /// <summary>The defaults' criteria, then the scenario's; a problem is reported where it is written.</summary>
    private static List<RubricCriterion> ResolveRubric(List<CriterionModel?> shared, List<CriterionModel?> own, string where)
    {
        if (shared.Count + own.Count == 0)
        {
            throw new ScenarioFileException($"{where} must list at least one criterion (here or in defaults).");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var criteria = new List<RubricCriterion>();
        foreach (var (list, place) in new[] { (shared, "defaults.rubric"), (own, where) })
        {
            for (var i = 0; i < list.Count; i++)
            {
                var at = $"{place}[{i}]";
                var model = list[i] ?? throw new ScenarioFileException($"{at} is null.");
                var id = Text(model.Id, $"{at}.id");
                if (!CriterionId().IsMatch(id))
                {
                    throw new ScenarioFileException($"{at}.id '{id}': use letters, digits, '-', '_' or '.', at most 64.");
                }

                if (!ids.Add(id))
                {
                    throw new ScenarioFileException($"{at}.id: '{id}' is used twice in {where}.");
                }

                criteria.Add(new RubricCriterion(
                    id,
                    Text(model.Description, $"{at}.description"),
                    [.. (model.Expect ?? []).Select((phrase, n) => Text(phrase, $"{at}.expect[{n}]"))],
                    [.. (model.ExpectNot ?? []).Select((phrase, n) => Text(phrase, $"{at}.expectNot[{n}]"))]));
            }
        }

        return criteria;
    }

    private static Uri AbsoluteUrl(string value, string where, params string[] schemes) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && schemes.Contains(url.Scheme)
            ? url
            : throw new ScenarioFileException($"{where} must be an absolute {string.Join(" or ", schemes.Select(s => s + "://"))} URL, not '{value}'.");

    private static string Text(string? value, string where) =>
        string.IsNullOrWhiteSpace(value) ? throw new ScenarioFileException($"{where} is missing or empty.") : value.Trim();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex CriterionId();

    private sealed class ScenarioFileException(string message) : Exception(message);
}
