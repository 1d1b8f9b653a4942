using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Xml;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Simulator.Scenarios;

/// <summary>
/// One scenario's call: Twilio's side of a phone call (through the main app's voice webhook, or straight to a media
/// stream) with a second Realtime session as the caller. Every 20 ms, in real time, one frame of the caller's voice goes
/// to the voice server and one frame of the agent's audio, as Twilio would play it, goes to the caller's session.
/// </summary>
internal sealed class SimulatedConversation
{
    private const int FrameBytes = 160;

    /// <summary>A second of frames that could not be sent, with neither socket saying it closed, breaks the call.</summary>
    private const int MaxFailedFrames = 50;

    /// <summary>Quiet after the agent's answer to the caller's last turn that ends the call.</summary>
    private static readonly TimeSpan s_replyPause = TimeSpan.FromSeconds(1.5);

    /// <summary>How long the caller waits for an answer to its last turn before hanging up anyway.</summary>
    private static readonly TimeSpan s_lastReplyTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan s_transcriptWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_closeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(20);

    private readonly Scenario _scenario;
    private readonly TestRunOptions _options;
    private readonly Action<string> _progress;
    private readonly long _startedAt = Stopwatch.GetTimestamp();

    public SimulatedConversation(Scenario scenario, TestRunOptions options, Action<string> progress)
    {
        _scenario = scenario;
        _options = options;
        _progress = progress;
    }

    private TimeSpan Now => Stopwatch.GetElapsedTime(_startedAt);

    public async Task<ConversationOutcome> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await PlaceCallAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Outcome(CallEnd.Cancelled, "cancelled", null);
        }
    }

    private async Task<ConversationOutcome> PlaceCallAsync(CancellationToken cancellationToken)
    {
        var target = _scenario.Target;
        var authToken = target.AuthToken ?? _options.AuthToken;
        var callSid = TwilioIds.NewCallSid();
        var streamUrl = target.StreamUrl;
        IReadOnlyDictionary<string, string> parameters = target.Parameters;
        if (target.Webhook is { } webhook)
        {
            var (answer, problem) = await AskWebhookAsync(webhook, authToken, callSid, cancellationToken);
            if (answer is null)
            {
                return Outcome(CallEnd.Failed, problem, null);
            }

            (streamUrl, parameters) = (answer.StreamUrl, answer.Parameters);
        }

        var callerUrl = _options.CallerRealtimeUrl(streamUrl!);
        var settings = new CallerSessionSettings(
            callerUrl, _options.OpenAIKey, CallerInstructions.For(_scenario), _options.CallerVoice, _options.TranscriptionModel);
        CallerRealtimeSession caller;
        try
        {
            caller = await CallerRealtimeSession.ConnectAsync(settings, () => Now, cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or InvalidOperationException or IOException or TimeoutException)
        {
            return Outcome(CallEnd.Failed, $"could not open the caller's Realtime session at {callerUrl.GetLeftPart(UriPartial.Path)}: {Reason(ex)}", null);
        }

        await using (caller)
        {
            return await TalkAsync(caller, streamUrl!, parameters, authToken, callSid, cancellationToken);
        }
    }

    private async Task<(TwimlAnswer? Answer, string Problem)> AskWebhookAsync(Uri webhook, string? authToken, string callSid, CancellationToken cancellationToken)
    {
        TwimlAnswer answer;
        try
        {
            answer = await FakeTwilioWebhook.PostAsync(
                webhook,
                authToken,
                new Dictionary<string, string>
                {
                    ["AccountSid"] = "AC" + new string('0', 32),
                    ["CallSid"] = callSid,
                    ["CallStatus"] = "ringing",
                    ["Direction"] = "inbound",
                    ["From"] = _scenario.Target.From,
                    ["To"] = _scenario.Target.To,
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or XmlException or UriFormatException or ArgumentNullException)
        {
            return (null, $"the webhook {webhook.GetLeftPart(UriPartial.Path)} failed: {Reason(ex)}");
        }

        if (answer.StreamUrl is null)
        {
            var says = answer.Says.Count > 0 ? $" (it says \"{string.Join(" ", answer.Says)}\")" : string.Empty;
            return (null, $"the webhook answered HTTP {(int)answer.Status} without a <Connect><Stream> for {_scenario.Target.To}{says}");
        }

        if (answer.StreamUrl.Scheme is not ("ws" or "wss"))
        {
            return (null, $"the webhook's TwiML streams to {answer.StreamUrl.GetLeftPart(UriPartial.Path)}, which is not a ws:// or wss:// URL");
        }

        _progress($"webhook connected the call to {answer.StreamUrl.GetLeftPart(UriPartial.Path)}");
        return (answer, string.Empty);
    }

    private async Task<ConversationOutcome> TalkAsync(
        CallerRealtimeSession caller,
        Uri streamUrl,
        IReadOnlyDictionary<string, string> parameters,
        string? authToken,
        string callSid,
        CancellationToken cancellationToken)
    {
        var ear = new AgentEar();
        var callerOptions = new FakeTwilioCallerOptions
        {
            CallSid = callSid,
            MarkMode = MarkMode.Playback,
            SignatureAuthToken = authToken,
            SignatureUrl = authToken is null ? null : streamUrl.GetLeftPart(UriPartial.Path),
            MessageReceived = message =>
            {
                if (message.Event == "media" && message.Payload is { } payload)
                {
                    ear.Enqueue(Convert.FromBase64String(payload));
                }
                else if (message.Event == "clear")
                {
                    ear.Clear();
                }
            },
        };

        FakeTwilioCaller phone;
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(s_connectTimeout);
        try
        {
            phone = await FakeTwilioCaller.ConnectAsync(streamUrl, callerOptions, connectTimeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Outcome(CallEnd.Failed, $"the voice server at {streamUrl.GetLeftPart(UriPartial.Path)} did not answer the upgrade within {s_connectTimeout.TotalSeconds:0} s", caller);
        }
        catch (WebSocketUpgradeRefusedException ex)
        {
            return Outcome(CallEnd.Failed, $"the voice server refused the stream with HTTP {(int)ex.StatusCode}", caller);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or SocketException or IOException)
        {
            return Outcome(CallEnd.Failed, $"could not connect to {streamUrl.GetLeftPart(UriPartial.Path)}: {Reason(ex)}", caller);
        }

        CallEnd end;
        string? error = null;
        try
        {
            await phone.SendConnectedAsync(cancellationToken);
            await phone.SendStartAsync(parameters, cancellationToken: cancellationToken);
            _progress("call started");
            if (_scenario.CallerStarts)
            {
                await caller.StartSpeakingAsync(cancellationToken);
            }

            (end, error) = await ExchangeAudioAsync(phone, caller, ear, cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            (end, error) = (CallEnd.Failed, $"the call broke: {Reason(ex)}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            (end, error) = (CallEnd.Cancelled, "cancelled");
        }

        await HangUpAsync(phone);
        try
        {
            await phone.DisposeAsync();
        }
        catch (AggregateException ex)
        {
            (end, error) = (CallEnd.Failed, $"the voice server broke Twilio's protocol: {string.Join("; ", ex.InnerExceptions.Select(e => e.Message).Take(3))}");
        }

        _progress($"call ended: {(error ?? ConversationOutcome.Describe(end))}");
        foreach (var refused in caller.Errors.Take(5))
        {
            // The caller's session went on; what it refused may still explain an odd call.
            _progress($"the caller's Realtime session reported an error: {refused}");
        }

        await caller.WaitForTranscriptsAsync(s_transcriptWait, CancellationToken.None);
        return Outcome(end, error, caller);
    }

    private async Task<(CallEnd End, string? Error)> ExchangeAudioAsync(FakeTwilioCaller phone, CallerRealtimeSession caller, AgentEar ear, CancellationToken cancellationToken)
    {
        var closed = phone.WaitForCloseAsync(cancellationToken);
        var pacer = new FramePacer();
        var speech = new byte[FrameBytes];
        var heard = new byte[FrameBytes];
        var callStart = Now;
        TimeSpan lastCallerAudio = TimeSpan.Zero, lastAgentAudio = TimeSpan.Zero;
        var turnsReported = 0;
        var lastTurnTaken = false;
        var failedFrames = 0;
        while (true)
        {
            await pacer.WaitForNextFrameAsync(cancellationToken);
            var now = Now;
            if (closed.IsCompleted)
            {
                var (status, description) = await closed;
                // 1000 is how the server ends a call it meant to end (the agent hung up or transferred, a limit of its
                // own); anything else, 1001 at its shutdown included, cut the call short.
                return status is WebSocketCloseStatus.NormalClosure
                    ? (CallEnd.AgentHungUp, null)
                    : (CallEnd.Failed, $"the voice server ended the call: {(status is null ? "connection dropped" : $"{(int)status} {description}")}");
            }

            if (caller.Closed.IsCompleted)
            {
                return (CallEnd.Failed, await caller.Closed);
            }

            if (now - callStart >= _scenario.MaxDuration)
            {
                return (CallEnd.TimeLimit, null);
            }

            if (caller.TakeSpeech(speech) > 0)
            {
                lastCallerAudio = now;
            }

            var sent = phone.State == WebSocketState.Open && await TrySendAsync(() => phone.SendMediaAsync(speech, cancellationToken));
            if (sent && ear.Take(heard) > 0)
            {
                lastAgentAudio = now;
            }

            if (!sent || !await TrySendAsync(() => caller.HearAsync(heard, cancellationToken)))
            {
                // A socket is closing: a later frame's check reads how it ended, unless it never says.
                if (++failedFrames >= MaxFailedFrames)
                {
                    return (CallEnd.Failed, "the call's sockets stopped taking audio without closing");
                }

                continue;
            }

            failedFrames = 0;

            if (caller.CompletedTurns > turnsReported)
            {
                turnsReported = caller.CompletedTurns;
                _progress($"caller turn {turnsReported} of at most {_scenario.MaxTurns}");
            }

            if (!lastTurnTaken && caller.CompletedTurns >= _scenario.MaxTurns)
            {
                lastTurnTaken = true;
                await TrySendAsync(() => caller.StopRespondingAsync(cancellationToken));
            }

            var callerDone = !caller.Responding && caller.PendingAudioBytes == 0;
            if (callerDone && caller.HangUpRequested)
            {
                return (CallEnd.CallerHungUp, null);
            }

            if (callerDone && caller.CompletedTurns >= _scenario.MaxTurns)
            {
                var answered = lastAgentAudio > lastCallerAudio && ear.BufferedBytes == 0 && now - lastAgentAudio >= s_replyPause;
                if (answered || now - Max(lastCallerAudio, lastAgentAudio) >= s_lastReplyTimeout)
                {
                    return (CallEnd.TurnLimit, null);
                }
            }
        }
    }

    /// <summary>Ends the call from Twilio's side (<c>stop</c>, then close) unless the server already has.</summary>
    private static async Task HangUpAsync(FakeTwilioCaller phone)
    {
        if (phone.State != WebSocketState.Open)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(s_closeTimeout);
        try
        {
            await phone.SendStopAsync(timeout.Token);
            await phone.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or InvalidOperationException or ObjectDisposedException or IOException)
        {
            phone.Abort();
        }
    }

    /// <summary>Sends unless the socket is going away; a send the other side's close overtook is not the call breaking.</summary>
    private static async Task<bool> TrySendAsync(Func<Task> send)
    {
        try
        {
            await send();
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    private ConversationOutcome Outcome(CallEnd end, string? error, CallerRealtimeSession? caller) => new()
    {
        End = end,
        Error = error,
        Transcript = caller?.Transcript() ?? [],
        Duration = Now,
        CallerTurns = caller?.CompletedTurns ?? 0,
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Reason(Exception ex) => ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;
}
