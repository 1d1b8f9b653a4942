using VoiceServer.Simulator;
using VoiceServer.Simulator.Scenarios;
using VoiceServer.TwilioEmulator;

var parsed = SimulatorCommandLine.Parse(args);
if (parsed.ShowHelp)
{
    SimulatorCommandLine.WriteHelp(Console.Out, args);
    return SimulatorExitCodes.Success;
}

if (parsed.Options is null && parsed.Test is null)
{
    Console.Error.WriteLine($"voice-sim: {parsed.Error}");
    Console.Error.WriteLine(args is ["test", ..] ? "Run voice-sim test --help for the options." : "Run voice-sim --help for the options.");
    return SimulatorExitCodes.Usage;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C ends the call cleanly (stop + close); a second one kills the process.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};

if (parsed.Test is { } test)
{
    // A live status line only where someone watches it; CI logs get plain lines.
    var run = await ScenarioRunner.RunAsync(test with { Live = test.Live ?? !Console.IsOutputRedirected }, Console.Out, cancellation.Token, errors: Console.Error);
    return run.ExitCode;
}

var options = parsed.Options!;
if (options.Webhook is { } webhook)
{
    var callSid = "CA" + Guid.NewGuid().ToString("N");
    var answer = await FakeTwilioWebhook.PostAsync(
        webhook,
        options.AuthToken,
        new Dictionary<string, string>
        {
            ["AccountSid"] = "AC" + new string('0', 32),
            ["CallSid"] = callSid,
            ["CallStatus"] = "ringing",
            ["Direction"] = "inbound",
            ["From"] = options.From,
            ["To"] = options.To,
        },
        cancellation.Token);
    Console.WriteLine($"webhook {webhook} answered HTTP {(int)answer.Status} for {options.To}:");
    // A key in the TwiML is never printed.
    Console.WriteLine(System.Text.RegularExpressions.Regex.Replace(answer.Body, "(name=\"openAIKey\" value=\")[^\"]*", "$1***"));
    if (answer.StreamUrl is not { } streamUrl)
    {
        Console.WriteLine("result: the TwiML does not connect a stream (no agent for this number?)");
        return SimulatorExitCodes.NoAgentAudio;
    }

    // The TwiML's Stream URL and parameters replace --url and the call parameters, as for a call through Twilio.
    options = options with { Url = streamUrl, Parameters = [.. answer.Parameters], Webhook = null, CallSid = callSid };
}

var result = await CallSimulator.RunAsync(options, Console.Out, cancellation.Token);
return result.ExitCode;
