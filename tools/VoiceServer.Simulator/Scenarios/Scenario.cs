namespace VoiceServer.Simulator.Scenarios;

/// <summary>One scenario of a file, its defaults applied and checked: a call to place, a caller to play, a rubric to grade.</summary>
public sealed record Scenario
{
    public required string Name { get; init; }

    public required ScenarioTarget Target { get; init; }

    /// <summary>Who the caller is (the caller session's prompt, with <see cref="Goal"/>).</summary>
    public string Persona { get; init; } = string.Empty;

    /// <summary>What the caller wants from the call.</summary>
    public required string Goal { get; init; }

    /// <summary>The caller speaks first instead of waiting for the agent's greeting.</summary>
    public bool CallerStarts { get; init; }

    /// <summary>Lines the caller says word for word, one per turn (the local emulator speaks exactly these).</summary>
    public IReadOnlyList<string> Script { get; init; } = [];

    /// <summary>Caller turns before the caller hangs up (after the agent's answer to the last one).</summary>
    public required int MaxTurns { get; init; }

    public required TimeSpan MaxDuration { get; init; }

    public required IReadOnlyList<RubricCriterion> Rubric { get; init; }
}

/// <summary>
/// Where the call goes: a main app's voice webhook (followed as Twilio follows it: its TwiML's Stream URL and
/// Parameters), or a media-stream URL with the parameters to send in <c>start.customParameters</c>.
/// </summary>
public sealed record ScenarioTarget
{
    public Uri? Webhook { get; init; }

    public string To { get; init; } = "+15550100000";

    public string From { get; init; } = "+15550199999";

    /// <summary>Twilio's Auth Token to sign the webhook and the upgrade with; never printed.</summary>
    public string? AuthToken { get; init; }

    public Uri? StreamUrl { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
}

/// <summary>One thing the call must show, with, for the phrase grader, the phrases that prove it.</summary>
/// <param name="Id">Short, unique in the scenario; names the criterion in the table and the JUnit report.</param>
/// <param name="Description">What must be true of the call, in words the grading model reads.</param>
/// <param name="Expect">Phrases that must all appear in the transcript (the phrase grader only).</param>
/// <param name="ExpectNot">Phrases that must not appear in it (the phrase grader only).</param>
public sealed record RubricCriterion(string Id, string Description, IReadOnlyList<string> Expect, IReadOnlyList<string> ExpectNot);
