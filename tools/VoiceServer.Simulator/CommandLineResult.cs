namespace VoiceServer.Simulator;

/// <summary>The outcome of parsing: options to run, a request for help, or an error message.</summary>
public sealed record CommandLineResult(SimulatorOptions? Options, bool ShowHelp, string? Error);
