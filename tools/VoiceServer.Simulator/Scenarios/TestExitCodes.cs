namespace VoiceServer.Simulator.Scenarios;

/// <summary>Exit codes of <c>voice-sim test</c> (the call options' codes are <see cref="SimulatorExitCodes"/>).</summary>
public static class TestExitCodes
{
    /// <summary>Every scenario's call completed and passed every criterion.</summary>
    public const int Passed = 0;

    /// <summary>Every call completed, and at least one scenario failed a criterion.</summary>
    public const int ScenarioFailed = 1;

    /// <summary>Bad arguments or a bad scenario file: nothing was run.</summary>
    public const int Usage = SimulatorExitCodes.Usage;

    /// <summary>At least one call did not complete or could not be graded (wins over <see cref="ScenarioFailed"/>).</summary>
    public const int Error = 3;

    public const int Cancelled = SimulatorExitCodes.Cancelled;
}
