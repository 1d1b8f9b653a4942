using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;

namespace VoiceServer.LoadTest;

/// <summary>What the process was started to do: a load run, or one of the two helpers a run starts as processes.</summary>
internal enum LoadMode
{
    Run,

    /// <summary><c>--floor</c>: the floor relay, started by the tool itself.</summary>
    Floor,

    /// <summary><c>--echo</c>: the echo Realtime peer, started by the tool itself.</summary>
    Echo,
}

/// <summary>A parsed command line: the mode and its settings, a request for help, or the first problem.</summary>
internal sealed record LoadCommand(LoadMode Mode, LoadOptions Options, int? Port, string Host, Uri? Upstream);

/// <summary>voice-load's command line, parsed with System.CommandLine: the flags, their checks and the help text.</summary>
internal static class LoadCommandLine
{
    private const string Description =
        """
        voice-load: tagged caller frames at real pace against the voice server, beside a .NET floor relay and Node's
        ws relay (Twilio's quickstart) measured in the same run; CPU, memory, latency and losses per call count.

          voice-load --server-dll <VoiceServer.dll> [--provider …] [--calls 100,250,500] …
          voice-load --url ws[s]://host[:port]/api/twilio/media-stream --echo-port 9100 [--echo-host 0.0.0.0] [--insecure] …
              (a server started elsewhere with OPENAI_REALTIME_URL=ws://<this machine>:9100/v1/realtime)
          voice-load --floor --port <port> --upstream <ws url>    (the floor relay; started by the tool itself)
          voice-load --echo --port <port> [--host <address>]      (the echo Realtime peer; started by the tool itself)
        """;

    private static readonly Option<string?> s_serverDll = new("--server-dll") { Description = "The voice server to run and measure: VoiceServer.dll of a Release build", HelpName = "path" };
    private static readonly Option<Uri?> s_url = new("--url")
    {
        Description = "Measure a server started elsewhere, at this media-stream URL (with --echo-port)",
        HelpName = "ws(s)://…",
        CustomParser = result => Uri.TryCreate(Single(result), UriKind.Absolute, out var url) && url.Scheme is "ws" or "wss"
            ? url
            : Refuse<Uri?>(result, $"--url must be an absolute ws:// or wss:// URL, not '{Single(result)}'."),
    };

    private static readonly Option<IReadOnlyList<CallerProtocol>?> s_provider = new("--provider")
    {
        Description = $"Whose callers play against the product, comma-separated, each once: {string.Join(", ", CallerProtocol.All.Select(protocol => protocol.Name))} (default twilio)",
        HelpName = "names",
        CustomParser = result =>
        {
            var protocols = Single(result).Split(',').Select(CallerProtocol.Find).ToList();
            return protocols.Contains(null) || protocols.Distinct().Count() != protocols.Count
                ? Refuse<IReadOnlyList<CallerProtocol>?>(result, $"--provider takes one or more of {string.Join(", ", CallerProtocol.All.Select(protocol => protocol.Name))}, comma-separated, each once")
                : [.. protocols.OfType<CallerProtocol>()];
        },
    };

    private static readonly Option<IReadOnlyList<int>?> s_calls = new("--calls")
    {
        Description = "Concurrent calls per step, comma-separated (default 100)",
        HelpName = "100,250,500",
        CustomParser = result =>
        {
            var counts = new List<int>();
            foreach (var text in Single(result).Split(','))
            {
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
                {
                    return Refuse<IReadOnlyList<int>?>(result, $"--calls takes whole numbers of calls, comma-separated, not '{Single(result)}'.");
                }

                counts.Add(count);
            }

            return counts;
        },
    };

    private static readonly Option<int?> s_seconds = Whole("--seconds", "seconds", "How long each step's calls last (default 20)", minimum: 1);
    private static readonly Option<bool> s_noFloor = new("--no-floor") { Description = "Leave out the .NET floor relay" };
    private static readonly Option<bool> s_noNode = new("--no-node") { Description = "Leave out Node's ws relay" };
    private static readonly Option<string?> s_nodeRelay = new("--node-relay") { Description = "Where relay.js and its installed ws package are (default: the tool's source folder)", HelpName = "dir" };
    private static readonly Option<bool> s_ramp = new("--ramp") { Description = "Add calls step by step until p99 passes --p99-ms" };
    private static readonly Option<double?> s_p99 = new("--p99-ms")
    {
        Description = "The p99 bound the ramp stops at (default 20)",
        HelpName = "ms",
        CustomParser = result => double.TryParse(Single(result), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var bound) && bound > 0
            ? bound
            : Refuse<double?>(result, $"--p99-ms takes a number of milliseconds, not '{Single(result)}'."),
    };

    private static readonly Option<bool> s_workstationGc = new("--workstation-gc") { Description = "Both relays with Workstation GC instead of Server GC" };
    private static readonly Option<List<KeyValuePair<string, string>>> s_relayEnv = new("--relay-env")
    {
        Description = "More environment for both relays alike (runtime settings to compare); repeatable",
        HelpName = "NAME=VALUE",
        DefaultValueFactory = _ => [],
        CustomParser = result =>
        {
            var settings = new List<KeyValuePair<string, string>>();
            foreach (var token in result.Tokens)
            {
                var setting = token.Value.Split('=', 2);
                if (setting.Length != 2 || setting[0].Length == 0)
                {
                    return Refuse<List<KeyValuePair<string, string>>>(result, "--relay-env takes NAME=VALUE");
                }

                settings.Add(new(setting[0], setting[1]));
            }

            return settings;
        },
    };

    private static readonly Option<int?> s_setupProbes = Whole("--setup-probes", "count", "Probe calls one after another on the idle relay, before the steps (default 40)", minimum: 0);
    private static readonly Option<string?> s_json = new("--json") { Description = "Also write the report as JSON here", HelpName = "out.json" };
    private static readonly Option<int?> s_echoPort = Whole("--echo-port", "port", "With --url: the echo Realtime peer's port, which the server elsewhere reaches", minimum: 1);
    private static readonly Option<string?> s_echoHost = new("--echo-host") { Description = "With --url: the echo peer's listening address (default 127.0.0.1; 0.0.0.0 for a server elsewhere)", HelpName = "address" };
    private static readonly Option<bool> s_insecure = new("--insecure") { Description = "With a wss:// --url: take the server's certificate unchecked, as curl -k does" };
    private static readonly Option<bool> s_floor = new("--floor") { Description = "Run the floor relay (with --port and --upstream)", Hidden = true };
    private static readonly Option<bool> s_echo = new("--echo") { Description = "Run the echo Realtime peer (with --port)", Hidden = true };
    private static readonly Option<int?> s_port = Whole("--port", "port", "The floor relay's or echo peer's port", minimum: 1, hidden: true);
    private static readonly Option<string?> s_host = new("--host") { Description = "The echo peer's listening address", HelpName = "address", Hidden = true };
    private static readonly Option<Uri?> s_upstream = new("--upstream")
    {
        Description = "The floor relay's upstream Realtime URL",
        HelpName = "ws url",
        Hidden = true,
        CustomParser = result => Uri.TryCreate(Single(result), UriKind.Absolute, out var url) && url.Scheme is "ws" or "wss"
            ? url
            : Refuse<Uri?>(result, $"--upstream must be an absolute ws:// or wss:// URL, not '{Single(result)}'."),
    };

    /// <summary>The one command; parsing leaves it as it was, so every parse shares it.</summary>
    private static readonly RootCommand s_root = CreateRootCommand();

    /// <summary>The command to run, a request for help (both null), or the first problem with the command line.</summary>
    public static (LoadCommand? Command, string? Error) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parsed = s_root.Parse(args);
        if (parsed.Action is HelpAction)
        {
            return (null, null);
        }

        if (parsed.Errors.Count > 0)
        {
            return (null, parsed.Errors[0].Message);
        }

        var options = new LoadOptions
        {
            ServerDll = parsed.GetValue(s_serverDll),
            Url = parsed.GetValue(s_url),
            Floor = !parsed.GetValue(s_noFloor),
            Node = !parsed.GetValue(s_noNode),
            Ramp = parsed.GetValue(s_ramp),
            WorkstationGc = parsed.GetValue(s_workstationGc),
            JsonPath = parsed.GetValue(s_json),
            EchoPort = parsed.GetValue(s_echoPort),
            AcceptAnyCertificate = parsed.GetValue(s_insecure),
        };
        options.Providers = parsed.GetValue(s_provider) ?? options.Providers;
        options.CallCounts = parsed.GetValue(s_calls) ?? options.CallCounts;
        options.Duration = parsed.GetValue(s_seconds) is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Duration;
        options.NodeRelayDirectory = parsed.GetValue(s_nodeRelay) is { } directory ? Path.GetFullPath(directory) : options.NodeRelayDirectory;
        options.P99BoundMs = parsed.GetValue(s_p99) ?? options.P99BoundMs;
        options.SetupProbes = Math.Max(1, parsed.GetValue(s_setupProbes) ?? options.SetupProbes);
        options.EchoHost = parsed.GetValue(s_echoHost) ?? options.EchoHost;
        foreach (var (name, value) in parsed.GetValue(s_relayEnv) ?? [])
        {
            options.RelayEnvironment[name] = value;
        }

        var port = parsed.GetValue(s_port);
        var upstream = parsed.GetValue(s_upstream);
        var mode = parsed.GetValue(s_floor) ? LoadMode.Floor : parsed.GetValue(s_echo) ? LoadMode.Echo : LoadMode.Run;
        return mode switch
        {
            LoadMode.Floor when port is null || upstream is null => (null, "--floor needs --port and --upstream."),
            LoadMode.Echo when port is null => (null, "--echo needs --port."),
            LoadMode.Run when options.Url is null && options.ServerDll is null => (null, "Name the server to measure: --server-dll <VoiceServer.dll>, or --url with --echo-port for one started elsewhere."),
            _ => (new LoadCommand(mode, options, port, parsed.GetValue(s_host) ?? "127.0.0.1", upstream), null),
        };
    }

    public static void WriteHelp(TextWriter output) =>
        s_root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output });

    private static RootCommand CreateRootCommand()
    {
        RootCommand root = new(Description)
        {
            s_serverDll, s_url, s_provider, s_calls, s_seconds, s_noFloor, s_noNode, s_nodeRelay, s_ramp, s_p99,
            s_workstationGc, s_relayEnv, s_setupProbes, s_json, s_echoPort, s_echoHost, s_insecure,
            s_floor, s_echo, s_port, s_host, s_upstream,
        };

        // --version would otherwise be read as a run: the tool has no version of its own to show.
        foreach (var version in root.Options.OfType<VersionOption>().ToList())
        {
            root.Options.Remove(version);
        }

        return root;
    }

    private static Option<int?> Whole(string name, string helpName, string description, int minimum, bool hidden = false) =>
        new(name)
        {
            Description = description,
            HelpName = helpName,
            Hidden = hidden,
            CustomParser = result => int.TryParse(Single(result), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum
                ? value
                : Refuse<int?>(result, $"{name} takes a whole number of at least {minimum}, not '{Single(result)}'."),
        };

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;

    private static T? Refuse<T>(ArgumentResult result, string error)
    {
        result.AddError(error);
        return default;
    }
}
