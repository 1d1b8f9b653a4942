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
    Console.WriteLine(twiml);
    if (streamUrl is null)
    {
        Console.WriteLine("result: the TwiML does not connect a stream (no agent for this number?)");
        return SimulatorExitCodes.NoAgentAudio;
    }

    options = new SimulatorOptions
    {
        Url = streamUrl,
        Parameters = parameters,
        WavPath = options.WavPath,
        ToneMilliseconds = options.ToneMilliseconds,
        SilenceMilliseconds = options.SilenceMilliseconds,
        LeadSilenceMilliseconds = options.LeadSilenceMilliseconds,
        TailSilenceMilliseconds = options.TailSilenceMilliseconds,
        RecordPath = options.RecordPath,
        Wait = options.Wait,
        Fast = options.Fast,
        ExpectNoAudio = options.ExpectNoAudio,
        AuthToken = options.AuthToken,
    };
}

var result = await CallSimulator.RunAsync(options, Console.Out, cancellation.Token);
return result.ExitCode;
