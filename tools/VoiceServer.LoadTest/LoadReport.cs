namespace VoiceServer.LoadTest;

/// <summary>What <c>--json</c> writes: every step, and every set-up measurement.</summary>
internal sealed record LoadReport(List<Measurement> Steps, List<SetupMeasurement> Setups);
