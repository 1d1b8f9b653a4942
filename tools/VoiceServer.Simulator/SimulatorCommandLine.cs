using System.Globalization;

namespace VoiceServer.Simulator;

/// <summary>Hand-written parsing: a dozen flags do not justify a dependency.</summary>
public static class SimulatorCommandLine
{
    public const string Usage =
        """
        voice-sim: call a voice-server the way Twilio (or Telnyx, Plivo or Vonage) does and report what happened.

        Usage: voice-sim [options]

        Connection
          --provider <name>        twilio (default), telnyx, plivo or vonage: whose caller to play, on its wire
                                   format (vonage: 16 kHz L16 binary frames, widened from the 8 kHz audio)
          --url <ws(s)://…>        Media-stream URL (default ws://localhost:8080/api/<provider>/media-stream)
          --webhook <http(s)://…>  Twilio only: call a main app's voice webhook first, as Twilio does, and follow its TwiML
                                   (the Stream URL and its Parameters replace --url and the call parameters)
          --to <number>            With --webhook: the dialled number (default +15550100000)
          --from <number>          With --webhook: the caller's number (default +15550199999)
          --origin <value>         Send this Origin header on the upgrade
          --auth-token <token>     Sign the upgrade with this Auth Token: x-twilio-signature (twilio),
                                   X-Plivo-Signature-V3 (plivo), or with this signature secret Vonage's HS256
                                   JWT in Authorization (vonage); Telnyx signs no upgrade
          --signed-url <url>       URL to sign, as written in the TwiML or Plivo's XML, without a query (default:
                                   --url without its query); for plivo the query sent is signed with it

        Call parameters
          --agent <id>             agentId (default demo)
          --prompt <text>          prompt
          --voice <name>           voice (e.g. marin, cedar)
          --greeting <text>        greeting
          --temperature <value>    temperature (accepted by the server for compatibility, never sent to OpenAI)
          --model <name>           model
          --key <openAIKey>        openAIKey (never printed)
          --param <name=value>     any other parameter; repeatable
          --params-in <where>      custom (start's custom parameters, Vonage's first-message headers: the default
                                   for twilio, telnyx and vonage) or
                                   query (the URL's query string: the default, and the only place, for plivo)

        Caller audio (8 kHz μ-law frames of 20 ms)
          --wav <file>             8 kHz mono WAV, 16-bit PCM or μ-law
          --tone <ms>              440 Hz tone of this length
          --silence <ms>           silence of this length
                                   (default: 1500 ms of 440 Hz tone)
          --lead-silence <ms>      silence before the audio (default 0)
          --tail-silence <ms>      silence after it, so server VAD can end the turn (default 2000)
          --fast                   send the audio without real-time pacing

        Listening
          --wait <seconds>         keep listening this long after the audio was sent (default 8); ends early
                                   once the agent's reply has played and 1.5 s passed without new audio
          --record <out.wav>       save the agent's audio as a μ-law WAV
          --expect-no-audio        succeed only if the call completes with no agent audio

          -h, --help               show this help

        Exit codes: 0 success, 1 no agent audio (or unexpected audio), 2 usage, 3 upgrade refused,
                    4 connection failed, 5 server ended the call abnormally, 6 the server broke the provider's
                    protocol, 130 cancelled.
        """;

    public static CommandLineResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var defaults = new SimulatorOptions();
        Uri? url = null;
        var provider = defaults.Provider;
        var agent = defaults.AgentId;
        string? prompt = null, voice = null, greeting = null, temperature = null, model = null, key = null;
        string? wav = null, record = null, origin = null, authToken = null, signedUrl = null;
        Uri? webhook = null;
        var to = defaults.To;
        var from = defaults.From;
        int? tone = null, silence = null;
        var lead = defaults.LeadSilenceMilliseconds;
        var tail = defaults.TailSilenceMilliseconds;
        var wait = defaults.Wait;
        var fast = false;
        var expectNoAudio = false;
        ParameterPlacement? placement = null;
        var parameters = new List<KeyValuePair<string, string>>();

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{arg} needs a value.");
                }

                return args[++i];
            }

            try
            {
                switch (arg)
                {
                    case "-h" or "--help" or "-?":
                        return new CommandLineResult(null, ShowHelp: true, null);
                    case "--webhook":
                        webhook = Uri.TryCreate(Value(), UriKind.Absolute, out var hook) && hook.Scheme is "http" or "https"
                            ? hook
                            : throw new FormatException("--webhook must be an absolute http(s) URL.");
                        break;
                    case "--to":
                        to = Value();
                        break;
                    case "--from":
                        from = Value();
                        break;
                    case "--provider":
                        provider = Value() switch
                        {
                            "twilio" => TelephonyProvider.Twilio,
                            "telnyx" => TelephonyProvider.Telnyx,
                            "plivo" => TelephonyProvider.Plivo,
                            "vonage" => TelephonyProvider.Vonage,
                            var other => throw new FormatException($"--provider must be twilio, telnyx, plivo or vonage, not '{other}'."),
                        };
                        break;
                    case "--url":
                        url = ParseUrl(Value());
                        break;
                    case "--agent":
                        agent = Value();
                        break;
                    case "--prompt":
                        prompt = Value();
                        break;
                    case "--voice":
                        voice = Value();
                        break;
                    case "--greeting":
                        greeting = Value();
                        break;
                    case "--temperature":
                        temperature = Value();
                        break;
                    case "--model":
                        model = Value();
                        break;
                    case "--key":
                        key = Value();
                        break;
                    case "--param":
                        parameters.Add(ParseParameter(Value()));
                        break;
                    case "--params-in":
                        placement = Value() switch
                        {
                            "custom" => ParameterPlacement.Custom,
                            "query" => ParameterPlacement.Query,
                            var other => throw new FormatException($"--params-in must be custom or query, not '{other}'."),
                        };
                        break;
                    case "--wav":
                        wav = Value();
                        break;
                    case "--tone":
                        tone = ParseMilliseconds(arg, Value());
                        break;
                    case "--silence":
                        silence = ParseMilliseconds(arg, Value());
                        break;
                    case "--lead-silence":
                        lead = ParseMilliseconds(arg, Value());
                        break;
                    case "--tail-silence":
                        tail = ParseMilliseconds(arg, Value());
                        break;
                    case "--record":
                        record = Value();
                        break;
                    case "--wait":
                        wait = ParseSeconds(arg, Value());
                        break;
                    case "--fast":
                        fast = true;
                        break;
                    case "--expect-no-audio":
                        expectNoAudio = true;
                        break;
                    case "--origin":
                        origin = Value();
                        break;
                    case "--auth-token":
                        authToken = Value();
                        break;
                    case "--signed-url":
                        signedUrl = Value();
                        break;
                    default:
                        return new CommandLineResult(null, ShowHelp: false, $"Unknown option '{arg}'.");
                }
            }
            catch (FormatException ex)
            {
                return new CommandLineResult(null, ShowHelp: false, ex.Message);
            }
        }

        var sources = new[] { wav is not null, tone is not null, silence is not null }.Count(s => s);
        if (sources > 1)
        {
            return new CommandLineResult(null, ShowHelp: false, "Use only one of --wav, --tone and --silence.");
        }

        var options = new SimulatorOptions
        {
            Provider = provider,
            Url = url ?? SimulatorOptions.DefaultUrlFor(provider),
            Webhook = webhook,
            To = to,
            From = from,
            AgentId = agent,
            Prompt = prompt,
            Voice = voice,
            Greeting = greeting,
            Temperature = temperature,
            Model = model,
            OpenAIKey = key,
            Parameters = parameters,
            ParametersIn = placement,
            WavPath = wav,
            ToneMilliseconds = tone,
            SilenceMilliseconds = silence,
            LeadSilenceMilliseconds = lead,
            TailSilenceMilliseconds = tail,
            RecordPath = record,
            Wait = wait,
            Fast = fast,
            Origin = origin,
            ExpectNoAudio = expectNoAudio,
            AuthToken = authToken,
            SignedUrl = signedUrl,
        };
        return options.Validate() is { } error
            ? new CommandLineResult(null, ShowHelp: false, error)
            : new CommandLineResult(options, ShowHelp: false, null);
    }

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("ws" or "wss"))
        {
            throw new FormatException($"--url must be an absolute ws:// or wss:// URL, not '{text}'.");
        }

        return url;
    }

    private static KeyValuePair<string, string> ParseParameter(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new FormatException($"--param takes name=value, not '{text}'.");
        }

        return new(text[..equals], text[(equals + 1)..]);
    }

    private static int ParseMilliseconds(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{option} takes a whole number of milliseconds, not '{text}'.");

    private static TimeSpan ParseSeconds(string option, string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? TimeSpan.FromSeconds(value)
            : throw new FormatException($"{option} takes a number of seconds, not '{text}'.");
}
