using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using VoiceServer.Simulator.Scenarios;

namespace VoiceServer.Simulator;

/// <summary>voice-sim's command line, parsed with System.CommandLine: the flags, their checks and the help text.</summary>
public static class SimulatorCommandLine
{
    private const string Description =
        """
        voice-sim: call a voice-server the way Twilio (or Telnyx, Plivo or Vonage) does and report what happened.
        Caller audio is 8 kHz μ-law in 20 ms frames: --wav, --tone or --silence (default: 1500 ms of 440 Hz tone).
        voice-sim test <scenario-file>: simulated callers graded by a rubric (voice-sim test --help).

        Exit codes: 0 success, 1 no agent audio (or unexpected audio), 2 usage, 3 upgrade refused,
                    4 connection failed, 5 server ended the call abnormally, 6 the server broke the provider's
                    protocol, 130 cancelled.
        """;

    private static readonly Option<TelephonyProvider?> s_provider = new("--provider")
    {
        Description = "twilio (default), telnyx, plivo or vonage: whose caller to play, on its wire format (vonage: 16 kHz L16 binary frames, widened from the 8 kHz audio)",
        HelpName = "name",
        CustomParser = result => Single(result) switch
        {
            "twilio" => TelephonyProvider.Twilio,
            "telnyx" => TelephonyProvider.Telnyx,
            "plivo" => TelephonyProvider.Plivo,
            "vonage" => TelephonyProvider.Vonage,
            var other => Refuse<TelephonyProvider?>(result, $"--provider must be twilio, telnyx, plivo or vonage, not '{other}'."),
        },
    };

    private static readonly Option<Uri?> s_url = new("--url")
    {
        Description = "Media-stream URL (default ws://localhost:8080/api/<provider>/media-stream)",
        HelpName = "ws(s)://…",
        CustomParser = result => Uri.TryCreate(Single(result), UriKind.Absolute, out var url) && url.Scheme is "ws" or "wss"
            ? url
            : Refuse<Uri?>(result, $"--url must be an absolute ws:// or wss:// URL, not '{Single(result)}'."),
    };

    private static readonly Option<Uri?> s_webhook = new("--webhook")
    {
        Description = "Twilio only: call a main app's voice webhook first, as Twilio does, and follow its TwiML (the Stream URL and its Parameters replace --url and the call parameters)",
        HelpName = "http(s)://…",
        CustomParser = result => Uri.TryCreate(Single(result), UriKind.Absolute, out var hook) && hook.Scheme is "http" or "https"
            ? hook
            : Refuse<Uri?>(result, "--webhook must be an absolute http(s) URL."),
    };

    private static readonly Option<string> s_to = Text("--to", "number", "With --webhook: the dialled number", new SimulatorOptions().To);
    private static readonly Option<string> s_from = Text("--from", "number", "With --webhook: the caller's number", new SimulatorOptions().From);
    private static readonly Option<string?> s_origin = Text("--origin", "value", "Send this Origin header on the upgrade");
    private static readonly Option<string?> s_authToken = Text(
        "--auth-token",
        "token",
        "Sign the upgrade with this Auth Token: x-twilio-signature (twilio), X-Plivo-Signature-V3 (plivo), or with this signature secret Vonage's HS256 JWT in Authorization (vonage); Telnyx signs no upgrade");
    private static readonly Option<string?> s_signedUrl = Text(
        "--signed-url",
        "url",
        "URL to sign, as written in the TwiML or Plivo's XML, without a query (default: --url without its query); for plivo the query sent is signed with it");

    private static readonly Option<string> s_agent = Text("--agent", "id", "agentId", new SimulatorOptions().AgentId);
    private static readonly Option<string?> s_prompt = Text("--prompt", "text", "prompt");
    private static readonly Option<string?> s_voice = Text("--voice", "name", "voice (e.g. marin, cedar)");
    private static readonly Option<string?> s_greeting = Text("--greeting", "text", "greeting");
    private static readonly Option<string?> s_temperature = Text("--temperature", "value", "temperature (accepted by the server for compatibility, never sent to OpenAI)");
    private static readonly Option<string?> s_model = Text("--model", "name", "model");
    private static readonly Option<string?> s_key = Text("--key", "openAIKey", "openAIKey (never printed)");

    private static readonly Option<List<KeyValuePair<string, string>>> s_param = new("--param")
    {
        Description = "any other parameter; repeatable",
        HelpName = "name=value",
        DefaultValueFactory = _ => [],
        CustomParser = result =>
        {
            var parameters = new List<KeyValuePair<string, string>>();
            foreach (var token in result.Tokens)
            {
                var equals = token.Value.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    return Refuse<List<KeyValuePair<string, string>>>(result, $"--param takes name=value, not '{token.Value}'.");
                }

                parameters.Add(new(token.Value[..equals], token.Value[(equals + 1)..]));
            }

            return parameters;
        },
    };

    private static readonly Option<ParameterPlacement?> s_paramsIn = new("--params-in")
    {
        Description = "custom (start's custom parameters, Vonage's first-message headers: the default for twilio, telnyx and vonage) or query (the URL's query string: the default, and the only place, for plivo)",
        HelpName = "where",
        CustomParser = result => Single(result) switch
        {
            "custom" => ParameterPlacement.Custom,
            "query" => ParameterPlacement.Query,
            var other => Refuse<ParameterPlacement?>(result, $"--params-in must be custom or query, not '{other}'."),
        },
    };

    private static readonly Option<string?> s_wav = Text("--wav", "file", "8 kHz mono WAV, 16-bit PCM or μ-law");
    private static readonly Option<int?> s_tone = Milliseconds("--tone", "440 Hz tone of this length");
    private static readonly Option<int?> s_silence = Milliseconds("--silence", "silence of this length");
    private static readonly Option<int?> s_leadSilence = Milliseconds("--lead-silence", "silence before the audio (default 0)");
    private static readonly Option<int?> s_tailSilence = Milliseconds("--tail-silence", "silence after it, so server VAD can end the turn (default 2000)");
    private static readonly Option<bool> s_fast = new("--fast") { Description = "send the audio without real-time pacing" };

    private static readonly Option<TimeSpan?> s_wait = new("--wait")
    {
        Description = "keep listening this long after the audio was sent (default 8); ends early once the agent's reply has played and 1.5 s passed without new audio",
        HelpName = "seconds",
        CustomParser = result => double.TryParse(Single(result), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : Refuse<TimeSpan?>(result, $"--wait takes a number of seconds, not '{Single(result)}'."),
    };

    private static readonly Option<string?> s_record = Text("--record", "out.wav", "save the agent's audio as a μ-law WAV");
    private static readonly Option<bool> s_expectNoAudio = new("--expect-no-audio") { Description = "succeed only if the call completes with no agent audio" };

    private static readonly Argument<string> s_scenarioFile = new("scenario-file") { Description = "The scenarios to run (JSON; see docs/testing-agents.md)" };

    private static readonly Option<int?> s_concurrency = new("--concurrency")
    {
        Description = $"Calls placed at once (default {TestRunOptions.DefaultConcurrency})",
        HelpName = "n",
        CustomParser = result => int.TryParse(Single(result), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 100
            ? value
            : Refuse<int?>(result, $"--concurrency takes a whole number from 1 to 100, not '{Single(result)}'."),
    };

    private static readonly Option<string?> s_junit = Text("--junit", "path", "Write the results as JUnit XML here, for CI");
    private static readonly Option<string?> s_openAIKey = Text(
        "--openai-key", "key", "OpenAI key for the caller's Realtime session and the grader (default: OPENAI_API_KEY; never printed). Without one: the local emulator and the phrase grader");

    private static readonly Option<Uri?> s_realtimeUrl = new("--realtime-url")
    {
        Description = "The caller's Realtime endpoint (default: OpenAI's with a key; without, the target voice server's local emulator at /local-realtime/v1/realtime)",
        HelpName = "ws(s)://…",
        CustomParser = result => Uri.TryCreate(Single(result), UriKind.Absolute, out var url) && url.Scheme is "ws" or "wss"
            ? url
            : Refuse<Uri?>(result, $"--realtime-url must be an absolute ws:// or wss:// URL, not '{Single(result)}'."),
    };

    private static readonly Option<string> s_callerModel = Text("--caller-model", "name", "The caller's Realtime model", TestRunOptions.DefaultCallerModel);
    private static readonly Option<string> s_callerVoice = Text("--caller-voice", "name", "The caller's voice", TestRunOptions.DefaultCallerVoice);
    private static readonly Option<string> s_transcriptionModel = Text(
        "--transcription-model", "name", "Transcribes the agent's audio as the caller hears it", TestRunOptions.DefaultTranscriptionModel);

    private static readonly Option<GraderKind?> s_grader = new("--grader")
    {
        Description = "model (Chat Completions, strict JSON schema; needs a key) or phrases (each criterion's expect/expectNot); default: model with a key, phrases without",
        HelpName = "kind",
        CustomParser = result => Single(result) switch
        {
            "model" => GraderKind.Model,
            "phrases" => GraderKind.Phrases,
            var other => Refuse<GraderKind?>(result, $"--grader must be model or phrases, not '{other}'."),
        },
    };

    private static readonly Option<string> s_graderModel = Text("--grader-model", "name", "The grading model", TestRunOptions.DefaultGraderModel);

    private static readonly Option<Uri?> s_graderBaseUrl = new("--grader-base-url")
    {
        Description = $"An OpenAI-compatible API for the grader (default {TestRunOptions.OpenAIBaseUrl})",
        HelpName = "http(s)://…",
        CustomParser = result => Uri.TryCreate(Single(result), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : Refuse<Uri?>(result, $"--grader-base-url must be an absolute http(s) URL, not '{Single(result)}'."),
    };

    private static readonly Option<string?> s_testAuthToken = Text(
        "--auth-token", "token", "Twilio's Auth Token, for targets that name none: signs the webhook and the upgrade (never printed)");

    private static readonly Option<bool> s_plain = new("--plain") { Description = "Plain progress lines even on a terminal (they are plain whenever the output is redirected)" };

    /// <summary>The <c>test</c> command: simulated callers graded by a rubric.</summary>
    private static readonly Command s_test = CreateTestCommand();

    /// <summary>The one command; parsing leaves it as it was, so every parse shares it.</summary>
    private static readonly RootCommand s_root = CreateRootCommand();

    /// <summary>Options to run, a request for help, or the first problem with the command line.</summary>
    public static CommandLineResult Parse(IReadOnlyList<string> args) => Parse(args, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Parse(IReadOnlyList{string})"/>, reading environment variables (OPENAI_API_KEY) through <paramref name="environment"/>.</summary>
    public static CommandLineResult Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var parsed = s_root.Parse(args);
        if (parsed.Action is HelpAction)
        {
            return new CommandLineResult(null, ShowHelp: true, null);
        }

        if (parsed.Errors.Count > 0)
        {
            return new CommandLineResult(null, ShowHelp: false, parsed.Errors[0].Message);
        }

        return parsed.CommandResult.Command == s_test ? ReadTest(parsed, environment) : Read(parsed);
    }

    public static void WriteHelp(TextWriter output) => WriteHelp(output, ["--help"]);

    /// <summary>The help of the command <paramref name="args"/> name (the root's, or <c>test</c>'s).</summary>
    public static void WriteHelp(TextWriter output, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parsed = s_root.Parse(args);
        var command = parsed.CommandResult.Command == s_test ? "test" : null;
        s_root.Parse(command is null ? ["--help"] : [command, "--help"]).Invoke(new InvocationConfiguration { Output = output });
    }

    private static RootCommand CreateRootCommand()
    {
        RootCommand root = new(Description)
        {
            s_provider, s_url, s_webhook, s_to, s_from, s_origin, s_authToken, s_signedUrl,
            s_agent, s_prompt, s_voice, s_greeting, s_temperature, s_model, s_key, s_param, s_paramsIn,
            s_wav, s_tone, s_silence, s_leadSilence, s_tailSilence, s_fast,
            s_wait, s_record, s_expectNoAudio,
        };
        root.Subcommands.Add(s_test);

        // A root with a subcommand and no action of its own would demand the subcommand: the root is a call by itself.
        // Program runs what Parse returns; this action is never invoked.
        root.SetAction(static _ => SimulatorExitCodes.Success);

        // --version would otherwise be read as a call with every default: the tool has no version of its own to show.
        foreach (var version in root.Options.OfType<VersionOption>().ToList())
        {
            root.Options.Remove(version);
        }

        return root;
    }

    private static Command CreateTestCommand() => new(
        "test",
        """
        Run a file of scenarios: each calls an agent (through a main app's voice webhook, as Twilio would, or a media-stream URL)
        with a simulated caller (a second Realtime session with the scenario's persona and goal), then grades the transcript
        against the scenario's rubric. Prints a table; --junit writes JUnit XML.

        Exit codes: 0 every scenario passed, 1 a scenario failed a criterion, 2 usage or a bad scenario file,
                    3 a call did not complete or could not be graded, 130 cancelled.
        """)
    {
        s_scenarioFile, s_concurrency, s_junit, s_openAIKey, s_realtimeUrl, s_callerModel, s_callerVoice, s_transcriptionModel,
        s_grader, s_graderModel, s_graderBaseUrl, s_testAuthToken, s_plain,
    };

    private static CommandLineResult ReadTest(ParseResult parsed, Func<string, string?> environment)
    {
        var key = parsed.GetValue(s_openAIKey) ?? environment("OPENAI_API_KEY");
        var options = new TestRunOptions
        {
            ScenarioFile = parsed.GetValue(s_scenarioFile)!,
            Concurrency = parsed.GetValue(s_concurrency) ?? TestRunOptions.DefaultConcurrency,
            JUnitPath = parsed.GetValue(s_junit),
            OpenAIKey = string.IsNullOrEmpty(key) ? null : key,
            RealtimeUrl = parsed.GetValue(s_realtimeUrl),
            CallerModel = parsed.GetValue(s_callerModel)!,
            CallerVoice = parsed.GetValue(s_callerVoice)!,
            TranscriptionModel = parsed.GetValue(s_transcriptionModel)!,
            Grader = parsed.GetValue(s_grader),
            GraderModel = parsed.GetValue(s_graderModel)!,
            GraderBaseUrl = parsed.GetValue(s_graderBaseUrl) ?? TestRunOptions.OpenAIBaseUrl,
            AuthToken = parsed.GetValue(s_testAuthToken),
            Live = parsed.GetValue(s_plain) ? false : null,
        };
        return options.Validate() is { } error
            ? new CommandLineResult(null, ShowHelp: false, error)
            : new CommandLineResult(null, ShowHelp: false, null, options);
    }

    private static CommandLineResult Read(ParseResult parsed)
    {
        if (new Option[] { s_wav, s_tone, s_silence }.Count(option => parsed.GetResult(option) is not null) > 1)
        {
            return new CommandLineResult(null, ShowHelp: false, "Use only one of --wav, --tone and --silence.");
        }

        var defaults = new SimulatorOptions();
        var provider = parsed.GetValue(s_provider) ?? defaults.Provider;
        var options = new SimulatorOptions
        {
            Provider = provider,
            Url = parsed.GetValue(s_url) ?? SimulatorOptions.DefaultUrlFor(provider),
            Webhook = parsed.GetValue(s_webhook),
            To = parsed.GetValue(s_to)!,
            From = parsed.GetValue(s_from)!,
            AgentId = parsed.GetValue(s_agent)!,
            Prompt = parsed.GetValue(s_prompt),
            Voice = parsed.GetValue(s_voice),
            Greeting = parsed.GetValue(s_greeting),
            Temperature = parsed.GetValue(s_temperature),
            Model = parsed.GetValue(s_model),
            OpenAIKey = parsed.GetValue(s_key),
            Parameters = parsed.GetValue(s_param) ?? [],
            ParametersIn = parsed.GetValue(s_paramsIn),
            WavPath = parsed.GetValue(s_wav),
            ToneMilliseconds = parsed.GetValue(s_tone),
            SilenceMilliseconds = parsed.GetValue(s_silence),
            LeadSilenceMilliseconds = parsed.GetValue(s_leadSilence) ?? defaults.LeadSilenceMilliseconds,
            TailSilenceMilliseconds = parsed.GetValue(s_tailSilence) ?? defaults.TailSilenceMilliseconds,
            RecordPath = parsed.GetValue(s_record),
            Wait = parsed.GetValue(s_wait) ?? defaults.Wait,
            Fast = parsed.GetValue(s_fast),
            Origin = parsed.GetValue(s_origin),
            ExpectNoAudio = parsed.GetValue(s_expectNoAudio),
            AuthToken = parsed.GetValue(s_authToken),
            SignedUrl = parsed.GetValue(s_signedUrl),
        };
        return options.Validate() is { } error
            ? new CommandLineResult(null, ShowHelp: false, error)
            : new CommandLineResult(options, ShowHelp: false, null);
    }

    private static Option<string> Text(string name, string helpName, string description, string defaultValue) =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue };

    private static Option<string?> Text(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    private static Option<int?> Milliseconds(string name, string description) =>
        new(name)
        {
            Description = description,
            HelpName = "ms",
            CustomParser = result => int.TryParse(Single(result), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : Refuse<int?>(result, $"{name} takes a whole number of milliseconds, not '{Single(result)}'."),
        };

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;

    private static T? Refuse<T>(ArgumentResult result, string error)
    {
        result.AddError(error);
        return default;
    }
}
