using System.Text.Json.Nodes;
using System.Xml.Linq;
using VoiceServer.Fakes;
using VoiceServer.Simulator.Scenarios;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.Tests.MainApp;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Tools;

/// <summary>
/// <c>voice-sim test</c> end to end on real sockets: the real voice server with its local Realtime emulator as the
/// agent's model, the simulated caller's Realtime session on the same emulator speaking the scenario's script, the
/// phrase grader (or the model grader through the fake Chat Completions server), the table, the JUnit report and the
/// exit code. The emulator's voice activity detection works on the audio itself, so the turns come out the same every
/// run whatever the machine's load.
/// </summary>
public sealed class ScenarioTestCommandTests
{
    [Fact]
    public async Task LocalEmulator_OnePassingOneFailingRubric_TableJUnitAndExitCode1()
    {
        using var timeout = TestTimeout.Create(120);
        await using var server = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        using var files = new TempFiles();
        var scenarioFile = files.Write("booking.json", new JsonObject
        {
            ["defaults"] = new JsonObject
            {
                ["target"] = new JsonObject
                {
                    ["url"] = server.MediaStreamUrl().ToString(),
                    ["parameters"] = new JsonObject { ["agentId"] = "demo", ["greeting"] = "Thanks for calling!" },
                },
                ["persona"] = "Dana, brief and friendly.",
                ["limits"] = new JsonObject { ["maxSeconds"] = 60 },
            },
            ["scenarios"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "books a table",
                    ["goal"] = "Book a table for two.",
                    ["script"] = new JsonArray("Hello, a table for two, please.", "Thank you, goodbye."),
                    ["rubric"] = new JsonArray(
                        Criterion("states-request", "The caller asks for a table for two.", expect: ["table for two"]),
                        Criterion("agent-answers", "The agent answers every turn.", expect: ["s of speech"]),
                        Criterion("polite", "Nobody complains.", expectNot: ["complaint"])),
                },
                new JsonObject
                {
                    ["name"] = "hears a confirmation",
                    // No greeting: the caller speaks first, and the agent's only audio is its answer.
                    ["target"] = new JsonObject { ["url"] = server.MediaStreamUrl().ToString(), ["parameters"] = new JsonObject { ["agentId"] = "demo" } },
                    ["goal"] = "Hear the booking confirmed.",
                    ["callerStarts"] = true,
                    ["script"] = new JsonArray("A table for four at seven."),
                    ["rubric"] = new JsonArray(
                        Criterion("states-request", "The caller asks for a table for four.", expect: ["table for four"]),
                        Criterion("confirms", "The agent confirms the booking.", expect: ["your table is booked"])),
                }),
        });
        var junit = files.PathOf("results.xml");
        using var output = new StringWriter();

        var run = await ScenarioRunner.RunAsync(new TestRunOptions { ScenarioFile = scenarioFile, JUnitPath = junit, Concurrency = 2 }, output, timeout.Token);

        var text = output.ToString();
        Assert.True(run.ExitCode == TestExitCodes.ScenarioFailed, text);
        var (booked, confirmation) = (run.Results[0], run.Results[1]);
        Assert.Equal((ScenarioVerdict.Passed, CallEnd.TurnLimit, 2), (booked.Verdict, booked.Call.End, booked.Call.CallerTurns));
        Assert.Equal((ScenarioVerdict.Failed, CallEnd.TurnLimit, 1), (confirmation.Verdict, confirmation.Call.End, confirmation.Call.CallerTurns));

        // The caller's lines in order, each answered by the agent (its echo, heard and transcribed by the caller's
        // session); the greeting's chime came first where the caller waited for it.
        Assert.Equal(
            [Speaker.Agent, Speaker.Caller, Speaker.Agent, Speaker.Caller, Speaker.Agent],
            booked.Call.Transcript.Select(t => t.Speaker));
        Assert.Equal(["Hello, a table for two, please.", "Thank you, goodbye."], booked.Call.Transcript.Where(t => t.Speaker == Speaker.Caller).Select(t => t.Text));
        Assert.All(booked.Call.Transcript.Where(t => t.Speaker == Speaker.Agent), t => Assert.Matches(@"^\(\d+\.\d s of speech\)$", t.Text));
        Assert.Equal([Speaker.Caller, Speaker.Agent], confirmation.Call.Transcript.Select(t => t.Speaker));
        Assert.Equal("the transcript never says \"your table is booked\"", confirmation.Criteria[1].Reason);

        Assert.Matches(@"(?m)^Scenario\s+Result\s+Criteria\s+Duration\s+Ended$", text);
        Assert.Matches(@"(?m)^books a table\s+passed\s+3/3\s+\d+\.\d s\s+turn limit$", text);
        Assert.Matches(@"(?m)^hears a confirmation\s+FAILED\s+1/2\s+\d+\.\d s\s+turn limit$", text);
        Assert.Contains("  failed confirms: the transcript never says \"your table is booked\"", text, StringComparison.Ordinal);
        Assert.Contains("2 scenario(s): 1 passed, 1 failed, 0 error(s)", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\[\s*\d+\.\d s\] books a table: caller turn 2 of at most 2$", text);

        // The shape CI systems read: testsuites > testsuite > testcase, with failure for the failed rubric.
        var report = XDocument.Load(junit);
        var suites = report.Root!;
        Assert.Equal("testsuites", suites.Name.LocalName);
        Assert.Equal(("2", "1", "0"), ((string?)suites.Attribute("tests"), (string?)suites.Attribute("failures"), (string?)suites.Attribute("errors")));
        var suite = Assert.Single(suites.Elements("testsuite"));
        Assert.Equal("booking.json", (string?)suite.Attribute("name"));
        Assert.Equal(("2", "1", "0", "0"), ((string?)suite.Attribute("tests"), (string?)suite.Attribute("failures"), (string?)suite.Attribute("errors"), (string?)suite.Attribute("skipped")));
        Assert.True(double.TryParse((string?)suite.Attribute("time"), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.True(DateTime.TryParse((string?)suite.Attribute("timestamp"), System.Globalization.CultureInfo.InvariantCulture, out _));
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(["books a table", "hears a confirmation"], cases.Select(c => (string?)c.Attribute("name")));
        Assert.All(cases, c => Assert.Equal("booking", (string?)c.Attribute("classname")));
        Assert.Empty(cases[0].Elements("failure"));
        Assert.Contains("Caller: Hello, a table for two, please.", (string)cases[0].Element("system-out")!, StringComparison.Ordinal);
        var failure = Assert.Single(cases[1].Elements("failure"));
        Assert.Equal("rubric", (string?)failure.Attribute("type"));
        Assert.Equal("1 of 2 criteria failed: confirms", (string?)failure.Attribute("message"));
        Assert.Equal(
            "passed states-request: the transcript says \"table for four\" (caller)\nFAILED confirms: the transcript never says \"your table is booked\"",
            failure.Value);
        Assert.Empty(suites.Descendants("error"));
    }

    [Fact]
    public async Task ThroughTheMainAppsWebhook_SignedAsTwilio_ThePassingScenario_AndAnUnknownNumberIsAnError()
    {
        using var timeout = TestTimeout.Create(120);
        // The agent's model and the caller's session are both the local emulator, served by a voice server of its own.
        await using var emulator = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        var emulatorUrl = new UriBuilder(emulator.MediaStreamUrl()) { Path = TestRunOptions.LocalEmulatorPath }.Uri;
        await using var system = await SystemHarness.StartAsync("sqlite", voiceSettings: new Dictionary<string, string?> { ["OPENAI_REALTIME_URL"] = emulatorUrl.ToString() });
        await system.CreateAgentAsync("bistro", "+15557004321", new JsonObject
        {
            ["name"] = "Rosa's Bistro",
            ["prompt"] = "You take table bookings.",
            ["greeting"] = "Rosa's Bistro, how can I help?",
            ["openAIKey"] = "sk-agent-own-key-0123456789",
        });
        using var files = new TempFiles();
        var scenarioFile = files.Write("webhook.json", new JsonObject
        {
            ["defaults"] = new JsonObject
            {
                ["rubric"] = new JsonArray(Criterion("asks", "The caller asks for a table.", expect: ["a table"])),
                ["limits"] = new JsonObject { ["maxSeconds"] = 60 },
            },
            ["scenarios"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "calls the bistro",
                    ["target"] = new JsonObject { ["webhook"] = system.WebhookUrl.ToString(), ["to"] = "+15557004321" },
                    ["goal"] = "Book a table.",
                    ["script"] = new JsonArray("Hello, I would like a table tonight."),
                },
                new JsonObject
                {
                    ["name"] = "calls nobody",
                    ["target"] = new JsonObject { ["webhook"] = system.WebhookUrl.ToString(), ["to"] = "+15557009999" },
                    ["goal"] = "Book a table.",
                }),
        });
        using var output = new StringWriter();

        var run = await ScenarioRunner.RunAsync(
            new TestRunOptions { ScenarioFile = scenarioFile, RealtimeUrl = emulatorUrl, AuthToken = SystemHarness.AuthToken, JUnitPath = files.PathOf("webhook.xml") },
            output,
            timeout.Token);

        var text = output.ToString();
        Assert.True(run.ExitCode == TestExitCodes.Error, text);
        Assert.Equal(ScenarioVerdict.Passed, run.Results[0].Verdict);
        // The greeting (a chime from the emulator), the caller's line, the agent's answer.
        Assert.Equal([Speaker.Agent, Speaker.Caller, Speaker.Agent], run.Results[0].Call.Transcript.Select(t => t.Speaker));
        Assert.Equal(ScenarioVerdict.Error, run.Results[1].Verdict);
        Assert.Equal(CallEnd.Failed, run.Results[1].Call.End);
        Assert.Contains("without a <Connect><Stream> for +15557009999", run.Results[1].Error, StringComparison.Ordinal);
        Assert.Contains("webhook connected the call to ws://", text, StringComparison.Ordinal);
        Assert.DoesNotContain(SystemHarness.AuthToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-agent-own-key", text, StringComparison.Ordinal);

        var error = Assert.Single(XDocument.Load(files.PathOf("webhook.xml")).Descendants("error"));
        Assert.Equal("call", (string?)error.Attribute("type"));
        Assert.StartsWith("the call did not complete: the webhook answered HTTP 200 without a <Connect><Stream>", (string?)error.Attribute("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAKey_TheModelGradesThroughChatCompletions_TheKeyNeverPrinted()
    {
        const string key = "sk-test-run-key-0123456789abcdef";
        using var timeout = TestTimeout.Create(120);
        await using var server = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        await using var openAI = await FakeOpenAIChatServer.StartAsync(timeout.Token);
        openAI.Script(FakeChatReply.Answer(new JsonObject
        {
            ["criteria"] = new JsonArray(
                new JsonObject { ["id"] = "asks", ["passed"] = true, ["reason"] = "The caller asks for a table in turn 1." },
                new JsonObject { ["id"] = "answered", ["passed"] = true, ["reason"] = $"The agent answers (key {key} must not show)." }),
        }));
        using var files = new TempFiles();
        var scenarioFile = files.Write("model.json", new JsonObject
        {
            ["scenarios"] = new JsonArray(new JsonObject
            {
                ["name"] = "asks for a table",
                ["target"] = new JsonObject { ["url"] = server.MediaStreamUrl().ToString(), ["parameters"] = new JsonObject { ["agentId"] = "demo" } },
                ["goal"] = "Book a table.",
                ["callerStarts"] = true,
                ["script"] = new JsonArray("Could I book a table, please?"),
                ["limits"] = new JsonObject { ["maxSeconds"] = 60 },
                ["rubric"] = new JsonArray(
                    Criterion("asks", "The caller asks for a table."),
                    Criterion("answered", "The agent answers.")),
            }),
        });
        using var output = new StringWriter();

        // The caller's session takes the key to "OpenAI", which is the local emulator here.
        var run = await ScenarioRunner.RunAsync(
            new TestRunOptions
            {
                ScenarioFile = scenarioFile,
                OpenAIKey = key,
                RealtimeUrl = new UriBuilder(server.MediaStreamUrl()) { Path = TestRunOptions.LocalEmulatorPath }.Uri,
                GraderBaseUrl = openAI.BaseUrl,
                GraderModel = "gpt-4.1-mini",
            },
            output,
            timeout.Token);

        var text = output.ToString();
        Assert.True(run.ExitCode == TestExitCodes.Passed, text);
        Assert.Equal([true, true], run.Results[0].Criteria.Select(c => c.Passed));
        Assert.Equal("The agent answers (key *** must not show).", run.Results[0].Criteria[1].Reason);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.Contains("grader: gpt-4.1-mini at http://127.0.0.1:", text, StringComparison.Ordinal);
        var request = Assert.Single(openAI.Requests);
        Assert.Equal(key, request.ApiKey);
        Assert.True((bool)request.Body["response_format"]!["json_schema"]!["strict"]!);
        Assert.Contains("[1] Caller: Could I book a table, please?", request.Text, StringComparison.Ordinal);
        Assert.Contains("[2] Agent: (", request.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerModelCallsEndCall_TheCallerHangsUpAfterItsWords_ItsSessionConfiguredAsGA()
    {
        const string key = "sk-caller-key-0123456789abcdef";
        using var timeout = TestTimeout.Create(60);
        await using var server = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        // The caller's "OpenAI" is the fake Realtime server, which refuses anything outside the GA schema; the test plays its model.
        await using var callerModel = await FakeRealtimeServer.StartAsync(cancellationToken: timeout.Token);
        using var files = new TempFiles();
        var scenarioFile = files.Write("hangup.json", new JsonObject
        {
            ["scenarios"] = new JsonArray(new JsonObject
            {
                ["name"] = "says goodbye",
                ["target"] = new JsonObject { ["url"] = server.MediaStreamUrl().ToString(), ["parameters"] = new JsonObject { ["agentId"] = "demo" } },
                ["persona"] = "Dana, in a hurry.",
                ["goal"] = "Say goodbye and hang up.",
                ["callerStarts"] = true,
                ["limits"] = new JsonObject { ["maxSeconds"] = 60 },
                ["rubric"] = new JsonArray(Criterion("goodbye", "The caller says goodbye.", expect: ["goodbye"])),
            }),
        });
        using var output = new StringWriter();

        var running = ScenarioRunner.RunAsync(
            new TestRunOptions { ScenarioFile = scenarioFile, OpenAIKey = key, RealtimeUrl = callerModel.Url, Grader = GraderKind.Phrases },
            output,
            timeout.Token);
        var model = await callerModel.WaitForConnectionAsync(0, timeout.Token);
        await model.WaitForEventAsync("response.create", timeout.Token);
        await model.SendAudioResponseAsync("resp_1", "item_1", AudioFixtures.Tone(600), timeout.Token);
        await model.SendTranscriptDoneAsync("resp_1", "item_1", "Sorry, wrong number, goodbye.", cancellationToken: timeout.Token);
        await model.SendResponseCreatedAsync("resp_2", timeout.Token);
        await model.SendFunctionCallAsync("resp_2", "item_2", "call_1", "end_call", "{}", timeout.Token);
        await model.SendResponseDoneAsync("resp_2", cancellationToken: timeout.Token);
        var run = await running;

        Assert.True(run.ExitCode == TestExitCodes.Passed, output.ToString());
        var call = run.Results[0].Call;
        Assert.Equal(CallEnd.CallerHungUp, call.End);
        Assert.Contains(new TranscriptTurn(Speaker.Caller, "Sorry, wrong number, goodbye.", call.Transcript[0].At), call.Transcript);
        // The caller's words went out whole before it hung up, and the caller heard the call meanwhile.
        await server.WaitForCallEndAsync(timeout.Token);
        Assert.True(model.ReceivedAudioBytes >= 600 * 8, $"{model.ReceivedAudioBytes}");

        Assert.Equal($"Bearer {key}", model.Headers["Authorization"]);
        Assert.Equal("gpt-realtime", model.Model);
        var session = model.SessionUpdates[0]["session"]!;
        Assert.Equal("audio/pcmu", (string?)session["audio"]!["input"]!["format"]!["type"]);
        Assert.Equal("audio/pcmu", (string?)session["audio"]!["output"]!["format"]!["type"]);
        Assert.Equal("cedar", (string?)session["audio"]!["output"]!["voice"]);
        Assert.Equal("gpt-4o-mini-transcribe", (string?)session["audio"]!["input"]!["transcription"]!["model"]);
        Assert.Equal("end_call", (string?)session["tools"]![0]!["name"]);
        Assert.Contains("Who you are: Dana, in a hurry.", (string?)session["instructions"], StringComparison.Ordinal);
        Assert.Contains("Your goal on this call: Say goodbye and hang up.", (string?)session["instructions"], StringComparison.Ordinal);
        Assert.Empty(model.ErrorsSent);
        Assert.DoesNotContain(key, output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"response.output_audio.delta","response_id":"resp_1"}""", "a malformed response.output_audio.delta event")]
    [InlineData("""{"type":"response.output_audio.delta","response_id":"resp_1","item_id":"item_1","delta":"not base64!"}""", "a malformed response.output_audio.delta event")]
    [InlineData("""not json""", "an event that is not JSON")]
    public async Task CallerSessionSendsNonsense_TheScenarioIsAnError_TheRunGoesOn(string nonsense, string expected)
    {
        using var timeout = TestTimeout.Create(60);
        await using var server = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        await using var callerModel = await FakeRealtimeServer.StartAsync(cancellationToken: timeout.Token);
        using var files = new TempFiles();
        var scenarioFile = files.Write("nonsense.json", new JsonObject
        {
            ["scenarios"] = new JsonArray(new JsonObject
            {
                ["name"] = "garbled",
                ["target"] = new JsonObject { ["url"] = server.MediaStreamUrl().ToString(), ["parameters"] = new JsonObject { ["agentId"] = "demo" } },
                ["goal"] = "Anything.",
                ["limits"] = new JsonObject { ["maxSeconds"] = 60 },
                ["rubric"] = new JsonArray(Criterion("any", "Anything.", expect: ["x"])),
            }),
        });
        using var output = new StringWriter();

        var running = ScenarioRunner.RunAsync(
            new TestRunOptions { ScenarioFile = scenarioFile, OpenAIKey = "sk-caller-key-0123456789", RealtimeUrl = callerModel.Url, Grader = GraderKind.Phrases },
            output,
            timeout.Token);
        var model = await callerModel.WaitForConnectionAsync(0, timeout.Token);
        await server.Logs.WaitForAsync(e => e.EventName == "CallReady", timeout.Token);
        await model.SendRawTextAsync(nonsense, timeout.Token);
        var run = await running;

        Assert.True(run.ExitCode == TestExitCodes.Error, output.ToString());
        Assert.Equal(CallEnd.Failed, run.Results[0].Call.End);
        Assert.Equal($"the call did not complete: the caller's Realtime session sent {expected}", run.Results[0].Error);
    }

    [Theory]
    [InlineData("<Response><Connect><Stream url=\"https://voice.example.com/api/twilio/media-stream\"/></Connect></Response>", "which is not a ws:// or wss:// URL")]
    [InlineData("<Response><Connect><Stream url=\"not a url\"/></Connect></Response>", "failed: ")]
    [InlineData("<Response><Connect><Stream/></Connect></Response>", "failed: ")]
    [InlineData("<Response><Connect><Stream url=\"ws://127.0.0.1:1/\"><Parameter value=\"no name\"/></Stream></Connect></Response>", "failed: ")]
    [InlineData("<Response><Connect", "failed: ")]
    [InlineData("<Response><Say>We are closed.</Say><Hangup/></Response>", "without a <Connect><Stream> for +15550100000 (it says \"We are closed.\")")]
    public async Task HostileTwiML_TheScenarioIsAnError_NeverACrash(string twiml, string expected)
    {
        using var timeout = TestTimeout.Create(30);
        await using var webhook = await FakeHttpReceiver.StartAsync(timeout.Token);
        webhook.ResponseBody = twiml;
        using var files = new TempFiles();
        var scenarioFile = files.Write("twiml.json", new JsonObject
        {
            ["scenarios"] = new JsonArray(new JsonObject
            {
                ["name"] = "odd answer",
                ["target"] = new JsonObject { ["webhook"] = webhook.Url("/api/twilio/voice").ToString() },
                ["goal"] = "Anything.",
                ["rubric"] = new JsonArray(Criterion("any", "Anything.", expect: ["x"])),
            }),
        });
        using var output = new StringWriter();

        var run = await ScenarioRunner.RunAsync(new TestRunOptions { ScenarioFile = scenarioFile }, output, timeout.Token);

        Assert.True(run.ExitCode == TestExitCodes.Error, output.ToString());
        Assert.Contains(expected, run.Results[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheServerEndsTheCall_WithA1000Close_TheAgentEndedIt_AndTheCallIsGraded()
    {
        using var timeout = TestTimeout.Create(60);
        // MAX_CALL_DURATION: the server says goodbye after 1 s and closes the stream with 1000.
        await using var server = await TestVoiceServer.StartAsync(
            settings: new Dictionary<string, string?> { ["MAX_CALL_DURATION"] = "1" }, args: ["--local-emulator"], cancellationToken: timeout.Token);
        using var files = new TempFiles();
        var scenarioFile = files.Write("ended.json", new JsonObject
        {
            ["scenarios"] = new JsonArray(new JsonObject
            {
                ["name"] = "cut short",
                ["target"] = new JsonObject { ["url"] = server.MediaStreamUrl().ToString(), ["parameters"] = new JsonObject { ["agentId"] = "demo" } },
                ["goal"] = "Talk for a while.",
                ["callerStarts"] = true,
                ["script"] = new JsonArray("One.", "Two.", "Three.", "Four.", "Five.", "Six."),
                ["limits"] = new JsonObject { ["maxSeconds"] = 60 },
                ["rubric"] = new JsonArray(Criterion("starts", "The caller speaks.", expect: ["one."])),
            }),
        });
        using var output = new StringWriter();

        var run = await ScenarioRunner.RunAsync(new TestRunOptions { ScenarioFile = scenarioFile }, output, timeout.Token);

        Assert.True(run.ExitCode == TestExitCodes.Passed, output.ToString());
        Assert.Equal(CallEnd.AgentHungUp, run.Results[0].Call.End);
        Assert.Contains("call ended: agent ended the call", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingListening_TheCallIsAnError_Exit3_TheJUnitErrorSaysWhy()
    {
        using var timeout = TestTimeout.Create(60);
        using var files = new TempFiles();
        var scenarioFile = files.Write("down.json", new JsonObject
        {
            ["scenarios"] = new JsonArray(new JsonObject
            {
                ["name"] = "server down",
                ["target"] = new JsonObject { ["url"] = "ws://127.0.0.1:1/api/twilio/media-stream" },
                ["goal"] = "Anything.",
                ["rubric"] = new JsonArray(Criterion("any", "Anything.", expect: ["x"])),
            }),
        });
        using var output = new StringWriter();

        var run = await ScenarioRunner.RunAsync(new TestRunOptions { ScenarioFile = scenarioFile, JUnitPath = files.PathOf("down.xml"), Live = true }, output, timeout.Token);

        Assert.Equal(TestExitCodes.Error, run.ExitCode);
        // Live (a terminal): each step erases the status line, writes its line, and redraws the status below it.
        Assert.Contains("\r\u001b[2K[", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("] server down: started\n0/1 done: 0 passed, 0 failed, 0 errors | running: server down (started)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("] server down: error (the call did not complete: could not open", output.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^server down\s+ERROR\s+-\s+\d+\.\d s\s+failed$", output.ToString());
        Assert.Contains("error: the call did not complete: could not open the caller's Realtime session at ws://127.0.0.1:1/local-realtime/v1/realtime", output.ToString(), StringComparison.Ordinal);
        var error = Assert.Single(XDocument.Load(files.PathOf("down.xml")).Descendants("error"));
        Assert.Equal("call", (string?)error.Attribute("type"));
    }

    private static JsonObject Criterion(string id, string description, string[]? expect = null, string[]? expectNot = null)
    {
        var criterion = new JsonObject { ["id"] = id, ["description"] = description };
        if (expect is not null)
        {
            criterion["expect"] = new JsonArray([.. expect.Select(p => JsonValue.Create(p))]);
        }

        if (expectNot is not null)
        {
            criterion["expectNot"] = new JsonArray([.. expectNot.Select(p => JsonValue.Create(p))]);
        }

        return criterion;
    }

    /// <summary>A scenario file and the reports, in a folder of the test's own, removed afterwards.</summary>
    private sealed class TempFiles : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("voice-sim-test-").FullName;

        public string PathOf(string name) => Path.Combine(_folder, name);

        public string Write(string name, JsonObject content)
        {
            var path = PathOf(name);
            File.WriteAllText(path, content.ToJsonString());
            return path;
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }
}
