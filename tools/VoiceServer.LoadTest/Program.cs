using System.Globalization;
using VoiceServer.LoadTest;

// voice-load --server-dll <VoiceServer.dll> [--provider twilio,telnyx,plivo,vonage] [--calls 100,250,500] [--seconds 20] [--no-floor] [--no-node] [--node-relay <dir>] [--ramp] [--p99-ms 20] [--workstation-gc] [--relay-env NAME=VALUE]… [--setup-probes 40] [--json out.json]
// voice-load --url ws[s]://host[:port]/api/twilio/media-stream --echo-port 9100 [--echo-host 0.0.0.0] [--insecure] [--provider …] [--calls …]
//     (a server started with OPENAI_REALTIME_URL=ws://<this machine>:9100/v1/realtime)
// voice-load --floor --port <port> --upstream <ws url>                   (the floor relay; started by the tool itself)
// voice-load --echo --port <port> [--host <address>]                     (the echo Realtime peer; started by the tool itself)
var options = new LoadOptions();
int? port = null;
var host = "127.0.0.1";
Uri? upstream = null;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--server-dll":
            options.ServerDll = Next();
            break;
        case "--url":
            options.Url = new Uri(Next());
            break;
        case "--provider":
            var names = Next().Split(',');
            var protocols = names.Select(CallerProtocol.Find).ToList();
            if (protocols.Contains(null) || protocols.Distinct().Count() != protocols.Count)
            {
                Console.Error.WriteLine($"--provider takes one or more of {string.Join(", ", CallerProtocol.All.Select(protocol => protocol.Name))}, comma-separated, each once");
                return 2;
            }

            options.Providers = [.. protocols.OfType<CallerProtocol>()];
            break;
        case "--calls":
            options.CallCounts = [.. Next().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))];
            break;
        case "--seconds":
            options.Duration = TimeSpan.FromSeconds(int.Parse(Next(), CultureInfo.InvariantCulture));
            break;
        case "--no-floor":
            options.Floor = false;
            break;
        case "--no-node":
            options.Node = false;
            break;
        case "--node-relay":
            options.NodeRelayDirectory = Path.GetFullPath(Next());
            break;
        case "--ramp":
            options.Ramp = true;
            break;
        case "--p99-ms":
            options.P99BoundMs = double.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--workstation-gc":
            options.WorkstationGc = true;
            break;
        case "--echo-port":
            options.EchoPort = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--insecure":
            options.AcceptAnyCertificate = true;
            break;
        case "--echo-host":
            options.EchoHost = Next();
            break;
        case "--host":
            host = Next();
            break;
        case "--setup-probes":
            options.SetupProbes = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture));
            break;
        case "--relay-env":
            var setting = Next().Split('=', 2);
            if (setting.Length != 2 || setting[0].Length == 0)
            {
                Console.Error.WriteLine("--relay-env takes NAME=VALUE");
                return 2;
            }

            options.RelayEnvironment[setting[0]] = setting[1];
            break;
        case "--json":
            options.JsonPath = Next();
            break;
        case "--floor":
        case "--echo":
            break;
        case "--port":
            port = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--upstream":
            upstream = new Uri(Next());
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

if (args.Contains("--floor") && port is { } floorPort && upstream is not null)
{
    return await FloorRelay.RunAsync(floorPort, upstream, CancellationToken.None);
}

if (args.Contains("--echo") && port is { } echoPort)
{
    return await EchoRealtimeServer.RunAsync(echoPort, host, CancellationToken.None);
}

// The callers' receive handlers are a few microseconds and never block: run socket completions inline on the event
// thread rather than hopping to the thread pool. The runtime reads the switch only at start-up, so the generator
// runs itself again with it set.
if (Environment.GetEnvironmentVariable(ServerProcess.InlineCompletionsVariable) != "1")
{
    var self = new System.Diagnostics.ProcessStartInfo("dotnet", [typeof(LoadRun).Assembly.Location, .. args]);
    self.Environment[ServerProcess.InlineCompletionsVariable] = "1";
    using var generator = System.Diagnostics.Process.Start(self)!;
    // Stopping this process stops the run: the generator, and the relays and echo peer it started, go with it.
    using var stop = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGTERM,
        context =>
        {
            context.Cancel = true;
            generator.Kill(entireProcessTree: true);
        });
    await generator.WaitForExitAsync();
    return generator.ExitCode;
}

using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(60));
if (options.Url is not null)
{
    return await LoadRun.RunRemoteAsync(options, Console.Out, cancellation.Token);
}

if (options.ServerDll is null || !File.Exists(options.ServerDll))
{
    Console.Error.WriteLine("usage: voice-load --server-dll <path to VoiceServer.dll (Release)> [--provider twilio,telnyx,plivo,vonage] [--calls 100,250,500] [--seconds 20] [--no-floor] [--no-node] [--node-relay <dir>] [--ramp] [--p99-ms 20] [--workstation-gc] [--relay-env NAME=VALUE]… [--setup-probes 40] [--json out.json]");
    Console.Error.WriteLine("       voice-load --url ws[s]://host[:port]/api/twilio/media-stream --echo-port 9100 [--echo-host 0.0.0.0] [--insecure] [--provider twilio,telnyx,plivo,vonage] [--calls 100]");
    return 2;
}

return await LoadRun.RunLocalAsync(options, Console.Out, cancellation.Token);
