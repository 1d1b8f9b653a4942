using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Simulator;

/// <summary>
/// Plays one phone call against a voice-server URL as Twilio (or Telnyx, Plivo or Vonage) would: upgrade, <c>connected</c>,
/// <c>start</c>, 20 ms μ-law frames in real time, <c>stop</c>, close, each in the provider's wire format; marks come
/// back after real-time playback. Prints a timeline and a summary.
/// </summary>
public static class CallSimulator
{
    // Twilio's frame: 160 bytes of μ-law = 20 ms.
    private const int FrameBytes = 160;
    private const int BytesPerMillisecond = 8;
    private const int DefaultToneMilliseconds = 1500;

    // Twilio limits name + value of each <Parameter> to under 500 characters.
    private const int TwilioParameterLimit = 500;

    // Longest refusal body worth printing.
    private const int MaxBodyChars = 2000;

    public static async Task<SimulationResult> RunAsync(SimulatorOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var log = new Timeline(TextWriter.Synchronized(output));
        if (options.Validate() is { } invalid)
        {
            log.Line($"error: {invalid}");
            return new SimulationResult { ExitCode = SimulatorExitCodes.Usage, Outcome = invalid };
        }

        byte[] speech;
        try
        {
            speech = LoadSpeech(options);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            log.Line($"error: cannot read the caller audio: {ex.Message}");
            return new SimulationResult { ExitCode = SimulatorExitCodes.Usage, Outcome = $"cannot read the caller audio: {ex.Message}" };
        }

        var parameters = BuildParameters(options);
        var url = options.Placement == ParameterPlacement.Query ? AddQuery(options.Url, parameters) : options.Url;
        PrintConfiguration(log, options, parameters, speech.Length);

        var state = new CallState(log);
        log.Line($"connecting to {Redact(url, options)} as {options.Provider}");
        ISimulatedCaller caller;
        try
        {
            caller = options.Provider switch
            {
                TelephonyProvider.Telnyx => await TelnyxSimulatedCaller.ConnectAsync(url, options, state, cancellationToken),
                TelephonyProvider.Plivo => await PlivoSimulatedCaller.ConnectAsync(url, options, state, cancellationToken),
                TelephonyProvider.Vonage => await VonageSimulatedCaller.ConnectAsync(url, options, state, cancellationToken),
                _ => await TwilioSimulatedCaller.ConnectAsync(url, options, state, cancellationToken),
            };
        }
        catch (WebSocketUpgradeRefusedException ex)
        {
            return await ReportRefusalAsync(log, url, options, ex.StatusCode, cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or SocketException or IOException)
        {
            var reason = ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;
            log.Line($"error: could not connect: {reason}");
            return new SimulationResult { ExitCode = SimulatorExitCodes.ConnectionFailed, Outcome = $"could not connect: {reason}" };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log.Line("cancelled while connecting");
            return new SimulationResult { ExitCode = SimulatorExitCodes.Cancelled, Outcome = "cancelled" };
        }

        state.Attach(caller);
        log.Line($"upgrade complete (set-up {Ms(caller.ConnectDuration)})");
        var cancelled = false;
        try
        {
            await PlayCallAsync(caller, options, parameters, speech, state, log, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
            log.Line("cancelled: ending the call");
        }

        var closedByServer = caller.WaitForCloseAsync(CancellationToken.None).IsCompleted;
        await EndCallAsync(caller, options, closedByServer, log);
        var (closeStatus, closeDescription) = await caller.WaitForCloseAsync(CancellationToken.None);
        log.Line($"closed {(closedByServer ? "by the server" : "after our close")}: {DescribeClose(closeStatus, closeDescription)}");

        var agentAudio = caller.ReceivedAudio;
        if (options.RecordPath is { } recordPath)
        {
            WavWriter.WriteMulawFile(recordPath, agentAudio);
            log.Line($"recorded {agentAudio.Length / BytesPerMillisecond} ms of agent audio to {recordPath}");
        }

        var violations = await caller.ReleaseAsync();

        var result = new SimulationResult
        {
            SetupTime = caller.ConnectDuration,
            FirstAudioAfterStart = state.FirstAudioAfterStart,
            FirstAudioAfterSpeechEnd = state.FirstAudioAfterSpeechEnd,
            CallerAudioBytes = state.CallerAudioBytes,
            AgentAudioBytes = agentAudio.Length,
            MarksReceived = caller.MarksReceived,
            MarksReturned = caller.MarksReturned,
            Clears = caller.ClearCount,
            CloseStatus = closeStatus,
            CloseDescription = closeDescription,
            ClosedByServer = closedByServer,
            Violations = violations,
        };
        result = Judge(result, options, cancelled);
        PrintSummary(log, result);
        return result;
    }

    private static async Task PlayCallAsync(
        ISimulatedCaller caller,
        SimulatorOptions options,
        IReadOnlyList<KeyValuePair<string, string>> parameters,
        byte[] speech,
        CallState state,
        Timeline log,
        CancellationToken cancellationToken)
    {
        var closed = caller.WaitForCloseAsync(cancellationToken);
        var connected = false;
        if (!await TrySendAsync(caller, async () => connected = await caller.SendConnectedAsync(cancellationToken)))
        {
            return;
        }

        if (connected)
        {
            log.Line("connected sent");
        }

        var custom = options.Placement == ParameterPlacement.Custom
            ? parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
            : [];
        if (!await TrySendAsync(caller, () => caller.SendStartAsync(custom, cancellationToken)))
        {
            return;
        }

        state.StartSent();
        log.Line($"start sent ({caller.Ids}, {custom.Count} custom parameter(s))");

        var lead = AudioFixtures.Silence(options.LeadSilenceMilliseconds);
        var tail = AudioFixtures.Silence(options.TailSilenceMilliseconds);
        byte[] audio = [.. lead, .. speech, .. tail];
        var speechEnd = lead.Length + speech.Length;
        var pacer = new FramePacer();
        for (var offset = 0; offset < audio.Length && !closed.IsCompleted; offset += FrameBytes)
        {
            var inSpeech = offset < speechEnd;
            if (!options.Fast)
            {
                await pacer.WaitForNextFrameAsync(cancellationToken);
            }

            var frame = audio.AsMemory(offset, Math.Min(FrameBytes, audio.Length - offset));
            if (!await TrySendAsync(caller, () => caller.SendMediaAsync(frame, cancellationToken)) ||
                !await TrySendAsync(caller, () => caller.ReturnPlayedMarksAsync(cancellationToken)))
            {
                return;
            }

            state.CallerAudioBytes += frame.Length;
            if (inSpeech && offset + frame.Length >= speechEnd)
            {
                state.SpeechEnded();
                log.Line($"caller speech sent ({speech.Length / BytesPerMillisecond} ms); {options.TailSilenceMilliseconds} ms of silence follows");
            }
        }

        if (speech.Length == 0)
        {
            state.SpeechEnded();
        }

        log.Line($"caller audio sent ({audio.Length / BytesPerMillisecond} ms); listening for up to {options.Wait.TotalSeconds:0.#} s");

        // Twilio keeps sending a frame every 20 ms, silence included, for as long as the call lasts.
        var silence = AudioFixtures.Silence(20);
        var listenUntil = Stopwatch.GetTimestamp();
        pacer.Restart();
        while (!closed.IsCompleted && Stopwatch.GetElapsedTime(listenUntil) < options.Wait)
        {
            if (state.ReplyFinished(caller, options.ReplyPause))
            {
                log.Line("agent reply finished playing");
                break;
            }

            await pacer.WaitForNextFrameAsync(cancellationToken);
            if (!await TrySendAsync(caller, () => caller.SendMediaAsync(silence, cancellationToken)) ||
                !await TrySendAsync(caller, () => caller.ReturnPlayedMarksAsync(cancellationToken)))
            {
                return;
            }

            state.CallerAudioBytes += silence.Length;
        }

        var stopped = false;
        if (!closed.IsCompleted && await TrySendAsync(caller, async () => stopped = await caller.SendStopAsync(cancellationToken)) && stopped)
        {
            log.Line("stop sent");
        }
    }

    private static async Task EndCallAsync(ISimulatedCaller caller, SimulatorOptions options, bool closedByServer, Timeline log)
    {
        if (closedByServer)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(options.CloseTimeout);
        try
        {
            await caller.CloseAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            log.Line($"the server did not answer our close within {options.CloseTimeout.TotalSeconds:0.#} s; aborting");
            caller.Abort();
        }
        catch (Exception ex) when (ex is WebSocketException or InvalidOperationException or ObjectDisposedException)
        {
            caller.Abort();
        }
    }

    /// <summary>Sends unless the call is over; a send that fails because the server went away is not an error here.</summary>
    private static async Task<bool> TrySendAsync(ISimulatedCaller caller, Func<Task> send)
    {
        if (caller.State != WebSocketState.Open)
        {
            return false;
        }

        try
        {
            await send();
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException
            || (ex is InvalidOperationException && caller.State != WebSocketState.Open))
        {
            return false;
        }
    }

    private static async Task<SimulationResult> ReportRefusalAsync(
        Timeline log, Uri url, SimulatorOptions options, HttpStatusCode status, CancellationToken cancellationToken)
    {
        // ClientWebSocket does not expose the refusal body; a raw upgrade request reads it.
        var body = string.Empty;
        try
        {
            var headers = options.Provider switch
            {
                TelephonyProvider.Plivo => PlivoSimulatedCaller.Headers(url, options with { Origin = null }),
                TelephonyProvider.Vonage => VonageSimulatedCaller.Headers(options with { Origin = null }),
                _ when options.AuthToken is null => null,
                _ => new Dictionary<string, string>
                {
                    ["x-twilio-signature"] = TwilioIds.ComputeSignature(options.AuthToken, TwilioSimulatedCaller.SignedUrl(options)),
                },
            };
            (_, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(url, options.Origin, headers, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException or WebSocketException or System.Security.Authentication.AuthenticationException)
        {
            body = $"(body unavailable: {ex.Message})";
        }

        if (body.Length > MaxBodyChars)
        {
            body = string.Concat(body.AsSpan(0, MaxBodyChars), "…");
        }

        var outcome = $"upgrade refused with HTTP {(int)status} ({status})";
        log.Line($"error: {outcome}{(body.Length > 0 ? $": {body}" : string.Empty)}");
        return new SimulationResult
        {
            ExitCode = SimulatorExitCodes.UpgradeRefused,
            Outcome = outcome,
            RefusedStatus = status,
            RefusedBody = body,
        };
    }

    private static SimulationResult Judge(SimulationResult result, SimulatorOptions options, bool cancelled)
    {
        var normalClose = result.CloseStatus is WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.EndpointUnavailable;
        var (code, outcome) = true switch
        {
            _ when cancelled => (SimulatorExitCodes.Cancelled, "cancelled"),
            _ when result.Violations.Count > 0 =>
                (SimulatorExitCodes.ProtocolViolation, $"the server broke the {options.Provider} protocol {result.Violations.Count} time(s)"),
            _ when result.ClosedByServer && !normalClose =>
                (SimulatorExitCodes.CallFailed, $"the server ended the call: {DescribeClose(result.CloseStatus, result.CloseDescription)}"),
            _ when options.ExpectNoAudio && result.AgentAudioBytes > 0 =>
                (SimulatorExitCodes.NoAgentAudio, $"expected no agent audio but received {result.AgentAudioBytes} bytes"),
            _ when options.ExpectNoAudio => (SimulatorExitCodes.Success, "call completed with no agent audio, as expected"),
            _ when result.AgentAudioBytes == 0 => (SimulatorExitCodes.NoAgentAudio, "call completed but no agent audio was received"),
            _ => (SimulatorExitCodes.Success, "call completed and the agent answered"),
        };
        return result with { ExitCode = code, Outcome = outcome };
    }

    private static byte[] LoadSpeech(SimulatorOptions options)
    {
        if (options.WavPath is { } path)
        {
            return WavReader.ReadMulawFile(path);
        }

        if (options.ToneMilliseconds is { } tone)
        {
            return AudioFixtures.Tone(tone);
        }

        return options.SilenceMilliseconds is { } silence ? AudioFixtures.Silence(silence) : AudioFixtures.Tone(DefaultToneMilliseconds);
    }

    /// <summary>The per-call parameters under the names the server reads (docs/reference/twilio-media-streams.md, first table).</summary>
    private static List<KeyValuePair<string, string>> BuildParameters(SimulatorOptions options)
    {
        var result = new List<KeyValuePair<string, string>>();
        void Add(string name, string? value)
        {
            if (value is null)
            {
                return;
            }

            result.RemoveAll(p => p.Key == name);
            result.Add(new(name, value));
        }

        Add("agentId", options.AgentId);
        Add("openAIKey", options.OpenAIKey);
        Add("prompt", options.Prompt);
        Add("voice", options.Voice);
        Add("greeting", options.Greeting);
        Add("temperature", options.Temperature);
        Add("model", options.Model);
        foreach (var (name, value) in options.Parameters)
        {
            Add(name, value);
        }

        return result;
    }

    private static Uri AddQuery(Uri url, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var builder = new UriBuilder(url);
        var query = new StringBuilder(builder.Query.TrimStart('?'));
        foreach (var (name, value) in parameters)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        builder.Query = query.ToString();
        return builder.Uri;
    }

    /// <summary>The URL as printed: the key, if it travels in the query, becomes ***.</summary>
    private static string Redact(Uri url, SimulatorOptions options)
    {
        if (options.OpenAIKey is null || options.Placement != ParameterPlacement.Query)
        {
            return url.ToString();
        }

        return url.ToString().Replace($"openAIKey={Uri.EscapeDataString(options.OpenAIKey)}", "openAIKey=***", StringComparison.Ordinal);
    }

    private static void PrintConfiguration(Timeline log, SimulatorOptions options, IReadOnlyList<KeyValuePair<string, string>> parameters, int speechBytes)
    {
        var shown = parameters.Select(p => p.Key == "openAIKey" ? $"{p.Key}=***" : $"{p.Key}={Shorten(p.Value)}");
        var custom = options.Provider switch
        {
            TelephonyProvider.Telnyx => "start.custom_parameters",
            TelephonyProvider.Vonage => "the first message's headers",
            _ => "start.customParameters",
        };
        log.Line($"parameters ({(options.Placement == ParameterPlacement.Query ? "query string" : custom)}): {string.Join(", ", shown)}");
        foreach (var (name, value) in parameters)
        {
            if (options.Provider == TelephonyProvider.Twilio && options.Placement == ParameterPlacement.Custom && name.Length + value.Length >= TwilioParameterLimit)
            {
                log.Line($"warning: parameter '{name}' is {name.Length + value.Length} characters; real Twilio <Parameter> values must stay under {TwilioParameterLimit}");
            }
        }

        var source = options.WavPath ?? (options.ToneMilliseconds is not null ? "tone" : options.SilenceMilliseconds is not null ? "silence" : "440 Hz tone");
        log.Line(
            $"caller audio: {source}, {speechBytes / BytesPerMillisecond} ms, lead {options.LeadSilenceMilliseconds} ms, tail {options.TailSilenceMilliseconds} ms, "
            + $"{(options.Fast ? "unpaced" : "paced in real time")}{(options.AuthToken is null ? string.Empty : ", signed upgrade (auth token ***)")}");
    }

    private static void PrintSummary(Timeline log, SimulationResult result)
    {
        log.Line("summary:");
        log.Plain($"  set-up (connect → upgrade):        {Ms(result.SetupTime)}");
        log.Plain($"  first agent audio after start:      {Ms(result.FirstAudioAfterStart)}");
        log.Plain($"  end of caller speech → agent audio: {Ms(result.FirstAudioAfterSpeechEnd)}");
        log.Plain($"  agent audio received:               {result.AgentAudioBytes} bytes ({result.AgentAudioBytes / BytesPerMillisecond} ms)");
        log.Plain($"  caller audio sent:                  {result.CallerAudioBytes} bytes ({result.CallerAudioBytes / BytesPerMillisecond} ms)");
        log.Plain($"  marks received / returned:          {result.MarksReceived} / {result.MarksReturned}");
        log.Plain($"  clears:                             {result.Clears}");
        log.Plain($"  close:                              {DescribeClose(result.CloseStatus, result.CloseDescription)}{(result.ClosedByServer ? " (server)" : string.Empty)}");
        foreach (var violation in result.Violations)
        {
            log.Plain($"  violation: {violation}");
        }

        log.Plain($"  result: {result.Outcome} (exit code {result.ExitCode})");
    }

    private static string DescribeClose(WebSocketCloseStatus? status, string? description) => status switch
    {
        null => "connection dropped without a close frame",
        var s => $"{(int)s} ({s}){(string.IsNullOrEmpty(description) ? string.Empty : $" \"{description}\"")}",
    };

    private static string Ms(TimeSpan? value) =>
        value is { } v ? $"{v.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms" : "n/a";

    private static string Shorten(string value) => value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 37), "...");

    /// <summary>Lines prefixed with milliseconds since the simulator started.</summary>
    private sealed class Timeline(TextWriter output)
    {
        private readonly long _origin = Stopwatch.GetTimestamp();

        public TimeSpan Now => Stopwatch.GetElapsedTime(_origin);

        public void Line(string text) =>
            output.WriteLine($"[{Now.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture),7} ms] {text}");

        public void Plain(string text) => output.WriteLine(text);
    }

    /// <summary>Timings observed from the caller's receive loop and the sending loop.</summary>
    private sealed class CallState(Timeline log) : ISimulatedCallEvents
    {
        private readonly object _gate = new();
        private ISimulatedCaller? _caller;
        private TimeSpan? _startSentAt;
        private TimeSpan? _speechEndedAt;
        private TimeSpan? _lastAudioAt;
        private long _flushedReported;

        public TimeSpan? FirstAudioAfterStart { get; private set; }

        public TimeSpan? FirstAudioAfterSpeechEnd { get; private set; }

        public long CallerAudioBytes { get; set; }

        public void Attach(ISimulatedCaller caller) => _caller = caller;

        public void StartSent()
        {
            lock (_gate)
            {
                _startSentAt = log.Now;
            }
        }

        public void SpeechEnded()
        {
            lock (_gate)
            {
                _speechEndedAt ??= log.Now;
            }
        }

        /// <summary>A reply arrived after the caller spoke, it has played out, and nothing new came for a while.</summary>
        public bool ReplyFinished(ISimulatedCaller caller, TimeSpan pause)
        {
            lock (_gate)
            {
                return FirstAudioAfterSpeechEnd is not null
                    && _lastAudioAt is { } last
                    && log.Now - last >= pause
                    && caller.BufferedAudioBytes == 0;
            }
        }

        public void ClearReceived()
        {
            var flushed = _caller?.FlushedAudioBytes ?? 0;
            log.Line($"clear received ({(flushed - _flushedReported) / BytesPerMillisecond} ms of queued agent audio flushed)");
            _flushedReported = flushed;
        }

        public void MarkReturned(ReturnedMark mark) =>
            log.Line($"mark returned: {mark.Name}{(mark.FlushedByClear ? " (flushed by clear)" : string.Empty)}");

        public void AudioReceived()
        {
            var now = log.Now;
            lock (_gate)
            {
                _lastAudioAt = now;
                if (FirstAudioAfterStart is null && _startSentAt is { } start)
                {
                    FirstAudioAfterStart = now - start;
                    log.Line($"first agent audio ({Ms(FirstAudioAfterStart)} after start)");
                }

                if (FirstAudioAfterSpeechEnd is null && _speechEndedAt is { } speechEnd)
                {
                    FirstAudioAfterSpeechEnd = now - speechEnd;
                    log.Line($"first agent audio after the caller's speech ({Ms(FirstAudioAfterSpeechEnd)} after it ended)");
                }
            }
        }
    }
}
