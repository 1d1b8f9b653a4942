using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VoiceServer.LoadTest;

/// <summary>
/// A process of the load run (the product or the floor under test, or the echo Realtime peer), sampled through /proc.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux.
    private const int ClockTicksPerSecond = 100;

    private readonly Process _process;

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The relay's media-stream path for <paramref name="protocol"/>'s callers.</summary>
    public Uri MediaStreamUrlFor(CallerProtocol protocol) => new($"ws://127.0.0.1:{Port}{protocol.Path}");

    /// <summary>The echo peer's Realtime endpoint.</summary>
    public Uri RealtimeUrl => new($"ws://127.0.0.1:{Port}/v1/realtime");

    /// <summary>
    /// This tool's echo Realtime peer. Socket completions run inline on the event thread: every handler is a few
    /// microseconds and never blocks, so the thread-pool hop would be pure cost.
    /// </summary>
    /// <param name="port">Its port; a free one when null.</param>
    /// <param name="host">The address it listens on: loopback unless a server on another machine must reach it.</param>
    /// <param name="cancellationToken">Stops waiting for it to come up.</param>
    public static Task<ServerProcess> StartEchoAsync(int? port, string host, CancellationToken cancellationToken)
    {
        var echoPort = port ?? FreePort();
        return StartAsync(
            typeof(ServerProcess).Assembly.Location,
            ["--echo", "--port", echoPort.ToString(CultureInfo.InvariantCulture), "--host", host],
            echoPort,
            new Dictionary<string, string> { [InlineCompletionsVariable] = "1" },
            cancellationToken);
    }

    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public Task<EchoStats> EchoStatsAsync(CancellationToken cancellationToken) =>
        GetJsonAsync("/stats", LoadJsonContext.Default.EchoStats, cancellationToken);

    public Task<List<SetupTrace>> EchoSetupTracesAsync(CancellationToken cancellationToken) =>
        GetJsonAsync("/stats/setup", LoadJsonContext.Default.ListSetupTrace, cancellationToken);

    public async Task ResetEchoStatsAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{Port}/stats/reset"), null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The voice server (Release build) pointed at <paramref name="realtime"/>.</summary>
    /// <summary>
    /// The voice server (Release build) pointed at <paramref name="realtime"/>. <paramref name="runtime"/> is what both
    /// relays get alike (GC mode, <c>--relay-env</c>): memory and CPU are only compared under the same runtime settings.
    /// </summary>
    public static Task<ServerProcess> StartProductAsync(string serverDll, Uri realtime, int maxCalls, IReadOnlyDictionary<string, string> runtime, CancellationToken cancellationToken)
    {
        var port = FreePort();
        return StartAsync(
            serverDll,
            [],
            port,
            new Dictionary<string, string>(runtime)
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["OPENAI_REALTIME_URL"] = realtime.ToString(),
                ["MAX_CONCURRENT_CALLS"] = maxCalls.ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Warning",
            },
            cancellationToken);
    }

    /// <summary>This tool in its floor-relay mode, with the same runtime settings as the product.</summary>
    public static Task<ServerProcess> StartFloorAsync(Uri realtime, IReadOnlyDictionary<string, string> runtime, CancellationToken cancellationToken)
    {
        var port = FreePort();
        return StartAsync(
            typeof(ServerProcess).Assembly.Location,
            ["--floor", "--port", port.ToString(CultureInfo.InvariantCulture), "--upstream", realtime.ToString()],
            port,
            new Dictionary<string, string>(runtime),
            cancellationToken);
    }

    /// <summary>
    /// The Node.js relay built like Twilio's quickstart (<c>NodeRelay/relay.js</c>, its <c>ws</c> package installed by
    /// <c>scripts/node-relay-for-load.sh</c>), on the machine's <c>node</c>.
    /// </summary>
    public static Task<ServerProcess> StartNodeAsync(string relayDirectory, Uri realtime, CancellationToken cancellationToken)
    {
        var script = Path.Combine(relayDirectory, "relay.js");
        if (!File.Exists(script) || !Directory.Exists(Path.Combine(relayDirectory, "node_modules", "ws")))
        {
            throw new InvalidOperationException($"the Node relay is not installed in {relayDirectory}: run scripts/node-relay-for-load.sh (or pass --no-node)");
        }

        var port = FreePort();
        var start = new ProcessStartInfo("node", [script, "--port", port.ToString(CultureInfo.InvariantCulture), "--upstream", realtime.ToString()])
        {
            WorkingDirectory = relayDirectory,
        };
        return StartAsync(start, port, new Dictionary<string, string>(), cancellationToken);
    }

    private async Task<T> GetJsonAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri($"http://127.0.0.1:{Port}{path}"), cancellationToken);
        return System.Text.Json.JsonSerializer.Deserialize(json, type)!;
    }

    /// <summary>
    /// CPU time, resident memory and thread switches so far. Switches are summed over the threads alive now (a thread
    /// that has exited takes its count with it), voluntary (it blocked: a wait, a futex) and involuntary alike.
    /// </summary>
    public (long CpuTicks, long RssKiB, long ThreadSwitches) Sample()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: field 3 is state, so utime (14) and stime (15) are at 11 and 12 here.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        var rss = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return (ticks, long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture), ThreadSwitches());
    }

    private long ThreadSwitches()
    {
        long switches = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) ||
                        line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        switches += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The thread ended between the listing and the read.
            }
        }

        return switches;
    }

    public static TimeSpan CpuTime(long ticks) => TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }

    private static Task<ServerProcess> StartAsync(string dll, string[] arguments, int port, Dictionary<string, string> environment, CancellationToken cancellationToken) =>
        StartAsync(new ProcessStartInfo("dotnet", [Path.GetFullPath(dll), .. arguments]) { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))! }, port, environment, cancellationToken);

    private static async Task<ServerProcess> StartAsync(ProcessStartInfo start, int port, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // The generator's own runtime switches are not the relays' (the product runs as it ships).
        start.Environment.Remove(InlineCompletionsVariable);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        // Drain its output so a full pipe never blocks it.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, port);
        await WaitForHealthAsync(port, cancellationToken);
        return server;
    }

    private static async Task WaitForHealthAsync(int port, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 150; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new InvalidOperationException("the relay under test did not become healthy");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
