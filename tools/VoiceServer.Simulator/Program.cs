using VoiceServer.Simulator;

var parsed = SimulatorCommandLine.Parse(args);
if (parsed.ShowHelp)
{
    Console.WriteLine(SimulatorCommandLine.Usage);
    return SimulatorExitCodes.Success;
}

if (parsed.Options is null)
{
    Console.Error.WriteLine($"voice-sim: {parsed.Error}");
    Console.Error.WriteLine("Run voice-sim --help for the options.");
    return SimulatorExitCodes.Usage;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C ends the call cleanly (stop + close); a second one kills the process.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};

var result = await CallSimulator.RunAsync(parsed.Options, Console.Out, cancellation.Token);
return result.ExitCode;
