using VoiceServer.Simulator.Scenarios;

namespace VoiceServer.Simulator;

/// <summary>The outcome of parsing: a call's options or a <c>test</c> run's, a request for help, or an error message.</summary>
public sealed record CommandLineResult(SimulatorOptions? Options, bool ShowHelp, string? Error, TestRunOptions? Test = null);
