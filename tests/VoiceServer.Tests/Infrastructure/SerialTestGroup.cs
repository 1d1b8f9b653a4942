namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// Tests that observe process-wide state (the OpenTelemetry meter listener sees every server's meter of the same
/// name) run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTestGroup
{
    public const string Name = "Serial";
}
