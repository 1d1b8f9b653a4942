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

var options = parsed.Options;
if (options.Webhook is { } webhook)
{
    var callSid = "CA" + Guid.NewGuid().ToString("N");
    var (streamUrl, parameters, twiml) = await TwimlWebhook.FollowAsync(webhook, options.To, options.From, callSid, options.AuthToken, cancellation.Token);
    Console.WriteLine($"webhook {webhook} answered for {options.To}:");
    // A key in the TwiML is never printed.
    Console.WriteLine(System.Text.RegularExpressions.Regex.Replace(twiml, "(name=\"openAIKey\" value=\")[^\"]*", "$1***"));
    if (streamUrl is null)
    {
        Console.WriteLine("result: the TwiML does not connect a stream (no agent for this number?)");
        return SimulatorExitCodes.NoAgentAudio;
    }

    // The TwiML's Stream URL and parameters replace --url and the call parameters, as for a call through Twilio.
    options = options with { Url = streamUrl, Parameters = parameters, Webhook = null, CallSid = callSid };
}

var result = await CallSimulator.RunAsync(options, Console.Out, cancellation.Token);
return result.ExitCode;
