using System.Text.Json.Nodes;
using Microsoft.Playwright;
using VoiceServer.Audio;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Playground;

/// <summary>
/// The playground page in a real browser (headless Chromium, fake microphone), against the real voice server and
/// the fake Realtime server: the caller's audio arrives where the microphone had speech, the agent's audio is
/// played and its marks come back as it plays, a barge-in clears playback, the transcript shows both sides, and
/// the origin rules hold.
/// </summary>
public sealed class PlaygroundBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Prompt = "You are the booking line of Luigi's. Be brief.";
    private const string Greeting = "Hello, Luigi's, how can I help?";
    private const string CallerSentence = "Hello, I would like to book a table for two people tomorrow at seven in the evening.";
    private const string AgentReply = "Certainly, a table for two tomorrow at seven. May I have your name, please?";
    private const string CallerCorrection = "Wait, sorry, actually make that three people.";
    private const string AgentFinal = "Three people, noted.";

    private static readonly Dictionary<string, string?> s_enabled = new() { ["PLAYGROUND_ENABLED"] = "true" };
    private static readonly System.Text.Json.JsonSerializerOptions s_web = new(System.Text.Json.JsonSerializerDefaults.Web);

    [Fact]
    public async Task Call_FromTheMicrophone_IsHeardAndAnswered_BargeInClears_TranscriptShowsBothSides()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_enabled, timeoutSeconds: 120);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        var page = await context.NewPageAsync();
        var consoleErrors = CollectConsoleErrors(page);
        await page.GotoAsync(harness.Server.HttpUrl("/playground/").ToString());

        await page.FillAsync("#prompt", Prompt);
        await page.FillAsync("#greeting", Greeting);
        await page.SelectOptionAsync("#voice", "coral");
        await page.FillAsync("#openAIKey", CallHarness.CallKey);
        await page.ClickAsync("#call");

        var model = await harness.Realtime.WaitForConnectionAsync(0, harness.Token);
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "CallReady", harness.Token);
        await WaitForStateAsync(page, "ready");
        var session = model.SessionUpdates[^1]["session"]!;
        Assert.Equal(Prompt, (string?)session["instructions"]);
        Assert.Equal("coral", (string?)session["audio"]!["output"]!["voice"]);
        Assert.Equal("Bearer " + CallHarness.CallKey, model.Headers["Authorization"]);
        var greetingRequest = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains(Greeting, (string?)greetingRequest["response"]?["instructions"], StringComparison.Ordinal);

        // The agent greets; the page plays it and echoes its marks as the audio finishes playing.
        await SendReplyAsync(harness, model, "resp_greeting", "item_greeting", Greeting, 1200);
        await WaitForStatAsync(page, "bytesPlayed", 1200 * 8);
        await harness.Server.WaitForLogCountAsync("MarkReturned", 1, harness.Token);

        // The microphone's sentence reaches the model, with its energy where the WAV has speech.
        var expected = browser.MicrophoneSamples.Length - (BrowserFixture.MicrophoneRate * 2);
        await model.WaitForAudioBytesAsync(expected, harness.Token);
        AssertSpeechEnvelopeMatches(browser.MicrophoneSamples, MuLaw.Decode(model.ReceivedAudio));

        // The caller's turn; the agent's long reply starts playing; the caller talks over it.
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        var callerItem = model.Sent.Last(e => (string?)e["type"] == "input_audio_buffer.committed")["item_id"]!.ToString();
        await model.SendInputTranscriptionCompletedAsync(callerItem, CallerSentence, harness.Token);
        var playedBefore = await StatAsync(page, "bytesPlayed");
        await SendReplyAsync(harness, model, "resp_reply", "item_reply", AgentReply, 4000, finish: false);
        await WaitForStatAsync(page, "bytesPlayed", playedBefore + (1000 * 8));

        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await WaitForStatAsync(page, "clears", 1);
        var truncate = await model.WaitForEventAsync("conversation.item.truncate", harness.Token);
        Assert.Equal("item_reply", (string?)truncate["item_id"]);
        await FinishReplyAsync(harness, model, "resp_reply", "item_reply", AgentReply);
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        var correctionItem = model.Sent.Last(e => (string?)e["type"] == "input_audio_buffer.committed")["item_id"]!.ToString();
        await model.SendInputTranscriptionCompletedAsync(correctionItem, CallerCorrection, harness.Token);
        await SendReplyAsync(harness, model, "resp_final", "item_final", AgentFinal, 800);
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "ResponseDone" && e.Message.Contains("resp_final", StringComparison.Ordinal), harness.Token);
        // Everything the agent said reached the page (greeting, the whole long reply, the last answer); wait until
        // it has all been played or cleared.
        await WaitForStatAsync(page, "bytesReceived", (1200 + 4000 + 800) * 8);
        await page.WaitForFunctionAsync(
            "() => { const s = window.voicePlayground.stats; return s.bytesPlayed + s.bytesCleared >= s.bytesReceived && s.marksEchoed >= s.marksReceived; }",
            null,
            new PageWaitForFunctionOptions { Timeout = 30_000 });

        // What played and what was cleared add up to what arrived; the truncation sits where playback stopped,
        // which it can only do if marks came back as the audio played (not as it arrived).
        var stats = await StatsAsync(page);
        Assert.True((long)stats["bytesCleared"]! > 8 * 500, $"a barge-in must drop queued audio: {stats.ToJsonString()}");
        Assert.True((long)stats["bytesReceived"]! == (long)stats["bytesPlayed"]! + (long)stats["bytesCleared"]!, $"received = played + cleared: {stats.ToJsonString()}");
        var playedOfReplyMs = ((long)stats["bytesPlayed"]! - playedBefore - (800 * 8)) / 8;
        Assert.InRange((int)truncate["audio_end_ms"]!, playedOfReplyMs - 300, playedOfReplyMs + 300);
        Assert.True((long)stats["marksEchoed"]! >= (long)stats["marksReceived"]!, stats.ToJsonString());

        // The transcript shows both sides, the cut turn marked, the latency of each answer.
        await page.WaitForSelectorAsync($".turn[data-speaker=caller]:has-text(\"{CallerCorrection}\")");
        await page.WaitForSelectorAsync($".turn[data-speaker=agent]:has-text(\"{AgentFinal}\")");
        Assert.Contains(CallerSentence, await page.InnerTextAsync("#transcript"), StringComparison.Ordinal);
        Assert.Contains(Greeting, await page.InnerTextAsync("#transcript"), StringComparison.Ordinal);
        var interrupted = page.Locator(".turn[data-speaker=agent][data-interrupted=true]");
        Assert.Equal(1, await interrupted.CountAsync());
        Assert.DoesNotContain("May I have your name", await interrupted.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Matches(@"\d+\s*ms", await page.Locator(".turn[data-speaker=agent] .latency").Last.InnerTextAsync());

        await page.ClickAsync("#hangup");
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_stopped", end.Message, StringComparison.Ordinal);
        await WaitForStateAsync(page, "ended");
        // The page shows the socket's close until the live view says why (its reason element), which may come after.
        await page.Locator("#end-reason .reason").WaitForAsync();
        Assert.Contains("caller_stopped", await page.InnerTextAsync("#end-reason"), StringComparison.Ordinal);
        Assert.Empty(model.ErrorsSent);
        AssertNoConsoleErrors(consoleErrors);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "playground-call.png"), FullPage = true });
    }

    [Fact]
    public async Task TheBrowsersDsp_ResamplesWithoutAliasing_AndEncodesG711()
    {
        // The page's own dsp.js, in the real browser: 48 kHz → 8 kHz as the capture worklet does, block by block.
        await using var harness = await CallHarness.StartAsync(settings: s_enabled, timeoutSeconds: 60);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(harness.Server.HttpUrl("/playground/").ToString());
        var json = await page.EvaluateAsync<string>(
            """
            async () => {
              const dsp = await import("./dsp.js");
              const power = (x, hz, rate) => {          // Goertzel: the power of one frequency
                const k = 2 * Math.cos(2 * Math.PI * hz / rate);
                let s1 = 0, s2 = 0;
                for (const v of x) { const s0 = v + k * s1 - s2; s2 = s1; s1 = s0; }
                return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
              };
              const input = new Float32Array(48000);
              for (let i = 0; i < input.length; i++) {
                input[i] = 0.4 * Math.sin(2 * Math.PI * 1000 * i / 48000) + 0.4 * Math.sin(2 * Math.PI * 6000 * i / 48000);
              }
              const resampler = new dsp.Resampler(48000, 8000);
              const parts = [];
              for (let offset = 0; offset < input.length; offset += 128) parts.push(resampler.process(input.subarray(offset, offset + 128)));
              const output = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
              let at = 0;
              for (const p of parts) { output.set(p, at); at += p.length; }
              const steady = output.subarray(800, 7200);
              const reference = new Float32Array(steady.length);
              for (let i = 0; i < reference.length; i++) reference[i] = 0.4 * Math.sin(2 * Math.PI * 1000 * i / 8000);
              const db = (p) => 10 * Math.log10(p);
              return JSON.stringify({
                outputSamples: output.length,
                keptDb: db(power(steady, 1000, 8000)) - db(power(reference, 1000, 8000)),
                aliasDb: db(power(steady, 2000, 8000)) - db(power(reference, 1000, 8000)),
                mulaw: [dsp.muLawEncode(0), dsp.muLawEncode(32767), dsp.muLawEncode(-32768), dsp.muLawDecode(0x00), dsp.muLawDecode(0x80), dsp.muLawDecode(0xff)],
              });
            }
            """);
        var result = System.Text.Json.JsonSerializer.Deserialize<DspCheck>(json, s_web)!;
        Assert.InRange(result.OutputSamples, 7990, 8000);
        Assert.InRange(result.KeptDb, -1.0, 1.0);
        // Without a low-pass, the 6 kHz tone would fold to 2 kHz at full strength.
        Assert.True(result.AliasDb < -40, $"the 6 kHz tone aliased to 2 kHz at {result.AliasDb:0.0} dB");
        // G.711 μ-law, checked against the fakes' own codec (written from the standard, not from the page).
        Assert.Equal([MuLaw.Encode(0), MuLaw.Encode(32767), MuLaw.Encode(-32768), MuLaw.Decode(0x00), MuLaw.Decode(0x80), MuLaw.Decode(0xFF)], result.Mulaw);
    }

    /// <summary>What the DSP check returns from the page.</summary>
    public sealed record DspCheck(int OutputSamples, double KeptDb, double AliasDb, int[] Mulaw);

    [Fact]
    public async Task OnTheLocalEmulator_TheNewcomersCallIsEchoed()
    {
        // What the README promises: the run command, the page, Call, and the emulator repeats the caller back.
        using var timeout = TestTimeout.Create(90);
        await using var server = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var consoleErrors = CollectConsoleErrors(page);
        await page.GotoAsync(server.HttpUrl("/playground/").ToString());
        await page.ClickAsync("#call");

        await WaitForStateAsync(page, "ready");
        // The emulator's VAD hears the sentence, commits it, transcribes its length and plays it back.
        await page.WaitForSelectorAsync(".turn[data-speaker=caller]:has-text(\"s of speech\")", new PageWaitForSelectorOptions { Timeout = 60_000 });
        await page.WaitForSelectorAsync(".turn[data-speaker=agent]:has-text(\"(echo)\")", new PageWaitForSelectorOptions { Timeout = 60_000 });
        await WaitForStatAsync(page, "bytesPlayed", 2 * 8000);

        await page.ClickAsync("#hangup");
        await WaitForStateAsync(page, "ended");
        await page.Locator("#end-reason .reason").WaitForAsync();
        Assert.Contains("caller_stopped", await page.InnerTextAsync("#end-reason"), StringComparison.Ordinal);
        AssertNoConsoleErrors(consoleErrors);
    }

    [Fact]
    public async Task EmbeddedOnAnAllowedOrigin_PlacesACall()
    {
        using var timeout = TestTimeout.Create(60);
        await using var dashboard = await FakeDashboard.StartAsync(timeout.Token);
        await using var harness = await CallHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["PLAYGROUND_ENABLED"] = "true", ["ALLOWED_ORIGINS"] = dashboard.Origin },
            timeoutSeconds: 60);
        await dashboard.EmbedAsync(harness.Server.BaseAddress, copyScripts: false, harness.Token);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await OpenDashboardAsync(page, dashboard);

        await page.FillAsync("#openAIKey", CallHarness.CallKey);
        await page.ClickAsync("#call");

        var model = await harness.Realtime.WaitForConnectionAsync(0, harness.Token);
        await WaitForStateAsync(page, "ready");
        await model.WaitForAudioBytesAsync(8000, harness.Token);
        await SendReplyAsync(harness, model, "resp_1", "item_1", "Hi from the dashboard.", 400);
        await WaitForStatAsync(page, "bytesPlayed", 400 * 8);
        await page.ClickAsync("#hangup");
        await WaitForStateAsync(page, "ended");
    }

    [Fact]
    public async Task EmbeddedOnAnotherOrigin_IsRefused()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_enabled, timeoutSeconds: 60);
        // The dashboard copies the scripts (a cross-origin module needs CORS, which only listed origins get).
        await using var dashboard = await FakeDashboard.StartAsync(harness.Token);
        await dashboard.EmbedAsync(harness.Server.BaseAddress, copyScripts: true, harness.Token);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await OpenDashboardAsync(page, dashboard);

        await page.FillAsync("#openAIKey", CallHarness.CallKey);
        await page.ClickAsync("#call");
        // The browser's CORS preflight gets no grant for this origin, so the request for a live view is never sent:
        // the page can only say it could not reach the server.
        await WaitForStateAsync(page, "error");
        Assert.Contains("Could not reach", await page.InnerTextAsync("#state-message"), StringComparison.Ordinal);
        Assert.Equal(0, harness.Server.Services.GetRequiredService<VoiceServer.Playground.LiveViewHub>().Count);

        // The media socket itself refuses that origin too, whatever the page does.
        var socketClose = await page.EvaluateAsync<int>(
            "url => new Promise(resolve => { const ws = new WebSocket(url); ws.onclose = e => resolve(e.code); })",
            harness.Server.MediaStreamUrl().ToString());
        Assert.Equal(1006, socketClose);
        await harness.Server.Logs.WaitForAsync(e => e.Message.Contains("Media-stream request refused: Origin " + dashboard.Origin, StringComparison.Ordinal), harness.Token);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    /// <summary>Opens the dashboard's page and waits for the embedded element to render.</summary>
    private static async Task OpenDashboardAsync(IPage page, FakeDashboard dashboard)
    {
        var errors = CollectConsoleErrors(page);
        await page.GotoAsync(dashboard.PageUrl);
        try
        {
            await page.WaitForSelectorAsync("#call", new PageWaitForSelectorOptions { Timeout = 15_000 });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"the embedded element did not render: {string.Join(" | ", errors)}", ex);
        }
    }

    /// <summary>A voiced reply with its transcript, in 100 ms deltas (one mark each).</summary>
    private static async Task SendReplyAsync(CallHarness harness, FakeRealtimeConnection model, string responseId, string itemId, string text, int milliseconds, bool finish = true)
    {
        var audio = AudioFixtures.Tone(milliseconds, 330);
        await model.SendResponseCreatedAsync(responseId, harness.Token);
        await model.SendOutputItemAddedAsync(responseId, itemId, harness.Token);
        await model.SendTranscriptDeltaAsync(responseId, itemId, text, cancellationToken: harness.Token);
        for (var offset = 0; offset < audio.Length; offset += 800)
        {
            await model.SendAudioDeltaAsync(responseId, itemId, audio.AsMemory(offset, Math.Min(800, audio.Length - offset)), cancellationToken: harness.Token);
        }

        if (finish)
        {
            await FinishReplyAsync(harness, model, responseId, itemId, text);
        }
    }

    private static async Task FinishReplyAsync(CallHarness harness, FakeRealtimeConnection model, string responseId, string itemId, string text)
    {
        await model.SendTranscriptDoneAsync(responseId, itemId, text, cancellationToken: harness.Token);
        await model.SendAudioDoneAsync(responseId, itemId, cancellationToken: harness.Token);
        await model.SendOutputItemDoneAsync(responseId, itemId, harness.Token);
        await model.SendResponseDoneAsync(responseId, cancellationToken: harness.Token);
    }

    /// <summary>
    /// The 20 ms energy envelope of what the model received follows the microphone's: aligned at the best lag (the
    /// microphone starts before the call does), the two correlate, and speech frames stand far above silent ones.
    /// </summary>
    private static void AssertSpeechEnvelopeMatches(short[] microphone, short[] received)
    {
        const int Frame = 160;
        var expected = Envelope(microphone, Frame);
        var actual = Envelope(received, Frame);
        var (bestLag, bestCorrelation) = (0, double.MinValue);
        for (var lag = 0; lag <= 100 && lag < expected.Length; lag++)
        {
            var length = Math.Min(actual.Length, expected.Length - lag);
            var correlation = Correlation(expected.AsSpan(lag, length), actual.AsSpan(0, length));
            if (correlation > bestCorrelation)
            {
                (bestLag, bestCorrelation) = (lag, correlation);
            }
        }

        Assert.True(bestCorrelation > 0.8, $"the received audio's envelope does not follow the microphone's (best correlation {bestCorrelation:0.00} at {bestLag * 20} ms)");
        var length2 = Math.Min(actual.Length, expected.Length - bestLag);
        var speech = new List<double>();
        var silence = new List<double>();
        for (var i = 0; i < length2; i++)
        {
            (expected[i + bestLag] > -30 ? speech : silence).Add(actual[i]);
        }

        Assert.True(speech.Count > 100 && silence.Count > 20, $"speech frames {speech.Count}, silent frames {silence.Count}");
        Assert.True(speech.Average() - silence.Average() > 20, $"speech {speech.Average():0.0} dBFS vs silence {silence.Average():0.0} dBFS");
    }

    private static double[] Envelope(short[] samples, int frame)
    {
        var envelope = new double[samples.Length / frame];
        for (var f = 0; f < envelope.Length; f++)
        {
            double sum = 0;
            for (var i = 0; i < frame; i++)
            {
                double sample = samples[(f * frame) + i];
                sum += sample * sample;
            }

            envelope[f] = 10 * Math.Log10((sum / frame / (32768.0 * 32768.0)) + 1e-9);
        }

        return envelope;
    }

    private static double Correlation(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double meanA = 0, meanB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            meanA += a[i];
            meanB += b[i];
        }

        meanA /= a.Length;
        meanB /= b.Length;
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            covariance += (a[i] - meanA) * (b[i] - meanB);
            varianceA += (a[i] - meanA) * (a[i] - meanA);
            varianceB += (b[i] - meanB) * (b[i] - meanB);
        }

        return covariance / Math.Sqrt((varianceA * varianceB) + 1e-12);
    }

    private static void AssertNoConsoleErrors(List<string> errors)
    {
        lock (errors)
        {
            Assert.Empty(errors);
        }
    }

    private static List<string> CollectConsoleErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add(error);
            }
        };
        return errors;
    }

    // Playwright's own waits poll the page (they are conditions, not sleeps); the harness token bounds the test.
    private static async Task WaitForStateAsync(IPage page, string state) =>
        await page.WaitForFunctionAsync("state => window.voicePlayground?.stats?.state === state", state, new PageWaitForFunctionOptions { Timeout = 30_000 });

    private static async Task WaitForStatAsync(IPage page, string stat, long atLeast) =>
        await page.WaitForFunctionAsync("([stat, atLeast]) => (window.voicePlayground?.stats?.[stat] ?? 0) >= atLeast", new object[] { stat, atLeast }, new PageWaitForFunctionOptions { Timeout = 30_000 });

    private static Task<long> StatAsync(IPage page, string stat) =>
        page.EvaluateAsync<long>("stat => window.voicePlayground.stats[stat] ?? 0", stat);

    private static async Task<JsonObject> StatsAsync(IPage page) =>
        JsonNode.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.voicePlayground.stats)"))!.AsObject();
}
