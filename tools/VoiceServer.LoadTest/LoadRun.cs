using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceServer.LoadTest;

/// <summary>One measured step: a relay under test at a number of concurrent calls.</summary>
internal sealed record Measurement(
    string Relay,
    int Calls,
    int FailedCalls,
    long FramesSent,
    long FramesLost,
    long FramesLostInFirstSecond,
    long CrossTalk,
    double RoundTripP50Ms,
    double RoundTripP90Ms,
    double RoundTripP99Ms,
    double RoundTripMaxMs,
    double CallerToModelP50Ms,
    double CallerToModelP99Ms,
    double ModelToCallerP50Ms,
    double ModelToCallerP99Ms,
    double? ServerCpuMsPerCallMinute,
    double? ServerCpuPercentOfCore,
    double? ServerRssMiB,
    double? ServerRssKiBPerCall,
    double? FirstFrameP50Ms,
    double? FirstFrameP99Ms,
    double GeneratorCpuPercentOfCore,
    double? EchoCpuPercentOfCore,
    long GeneratorLateSends)
{
    public bool Clean => FailedCalls == 0 && FramesLost == 0 && CrossTalk == 0;
}

/// <summary>
/// The load run: the callers in this process, the echo Realtime peer and each relay under test in processes of their
/// own (the product, then the floor), the same fleet of callers against each at each call count, and the figures
/// side by side.
/// </summary>
internal static class LoadRun
{
    public static async Task<int> RunLocalAsync(LoadOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        await using var echo = await ServerProcess.StartEchoAsync(cancellationToken);
        var measurements = new List<Measurement>();
        var relays = options.Floor ? new[] { "product", "floor" } : ["product"];
        foreach (var relay in relays)
        {
            await using var server = relay == "product"
                ? await ServerProcess.StartProductAsync(options.ServerDll!, echo.RealtimeUrl, options.CallCounts.Max() + 10, !options.WorkstationGc, cancellationToken)
                : await ServerProcess.StartFloorAsync(echo.RealtimeUrl, !options.WorkstationGc, cancellationToken);

            // Warm-up: JIT and first-use costs are not per call. Enough calls for long enough that the hot paths
            // reach their final (tier-1, profile-guided) code before anything is measured.
            await new CallerFleet(server.MediaStreamUrl, 50, TimeSpan.FromSeconds(8)).RunAsync(cancellationToken);
            // Memory per call is counted from the warmed-up process: RSS that one step leaves behind (GC heaps keep
            // what they grew to) must not hide the next step's growth.
            var baselineRssKiB = server.Sample().RssKiB;
            foreach (var calls in options.CallCounts)
            {
                var measurement = await MeasureAsync(relay, server, echo, calls, options.Duration, cancellationToken, baselineRssKiB: baselineRssKiB);
                if (options.Ramp && !WithinBound(measurement, options))
                {
                    // The machine is shared: a step that misses is measured once more before the ramp stops on it.
                    output.WriteLine(Row(measurement) + " (missed the bound; measuring again)");
                    measurement = await MeasureAsync(relay, server, echo, calls, options.Duration, cancellationToken, baselineRssKiB: baselineRssKiB);
                }

                measurements.Add(measurement);
                output.WriteLine(Row(measurement));
                if (options.Ramp && !WithinBound(measurement, options))
                {
                    output.WriteLine($"{relay}: ramp stops at {calls} calls (p99 {measurement.RoundTripP99Ms:0.0} ms, {measurement.FramesLost} lost, {measurement.FailedCalls} failed)");
                    break;
                }
            }
        }

        output.WriteLine();
        WriteReport(measurements, options, output);
        if (options.JsonPath is { } path)
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(measurements, LoadJsonContext.Default.ListMeasurement), cancellationToken);
            output.WriteLine($"JSON: {path}");
        }

        return measurements.Where(m => m.Relay == "product").All(m => m.FailedCalls == 0 && m.CrossTalk == 0) ? 0 : 1;
    }

    /// <summary>Against a voice server someone else started; it must use this tool's echo peer as its Realtime URL.</summary>
    public static async Task<int> RunRemoteAsync(LoadOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        await using var echo = await ServerProcess.StartEchoAsync(cancellationToken);
        output.WriteLine($"echo Realtime peer at {echo.RealtimeUrl}: start the voice server with OPENAI_REALTIME_URL={echo.RealtimeUrl}");
        var measurements = new List<Measurement>();
        foreach (var calls in options.CallCounts)
        {
            var measurement = await MeasureAsync("remote", server: null, echo, calls, options.Duration, cancellationToken, options.Url);
            measurements.Add(measurement);
            output.WriteLine(Row(measurement));
        }

        WriteReport(measurements, options, output);
        return measurements.All(m => m.FailedCalls == 0 && m.CrossTalk == 0) ? 0 : 1;
    }

    private static async Task<Measurement> MeasureAsync(
        string relay, ServerProcess? server, ServerProcess echo, int calls, TimeSpan duration, CancellationToken cancellationToken, Uri? url = null, long? baselineRssKiB = null)
    {
        await echo.ResetEchoStatsAsync(cancellationToken);
        var generator = Process.GetCurrentProcess();
        var generatorBefore = generator.TotalProcessorTime;
        var echoBefore = echo.Sample();
        var idle = server?.Sample();
        var peakRss = idle?.RssKiB ?? 0;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = server is null
            ? Task.CompletedTask
            : Task.Run(
                async () =>
                {
                    while (!sampling.IsCancellationRequested)
                    {
                        peakRss = Math.Max(peakRss, server.Sample().RssKiB);
                        await Task.Delay(250, CancellationToken.None);
                    }
                },
                CancellationToken.None);

        var wall = Stopwatch.StartNew();
        var fleet = new CallerFleet(url ?? server!.MediaStreamUrl, calls, duration);
        var result = await fleet.RunAsync(cancellationToken);
        wall.Stop();
        var after = server?.Sample();
        var echoAfter = echo.Sample();
        var echoStats = await echo.EchoStatsAsync(cancellationToken);
        await sampling.CancelAsync();
        await sampler;
        generator.Refresh();
        var generatorCpu = generator.TotalProcessorTime - generatorBefore;

        double? cpuMs = null;
        double? cpuPercent = null;
        if (idle is { } before && after is { } end)
        {
            var cpu = ServerProcess.CpuTime(end.CpuTicks - before.CpuTicks);
            cpuMs = cpu.TotalMilliseconds / (calls * duration.TotalMinutes);
            cpuPercent = cpu.TotalSeconds / wall.Elapsed.TotalSeconds * 100;
        }

        return new Measurement(
            relay,
            calls,
            result.FailedCalls,
            result.FramesSent,
            result.FramesLost,
            result.FramesLostInFirstSecond,
            result.CrossTalk,
            result.RoundTrip.Percentile(0.5),
            result.RoundTrip.Percentile(0.9),
            result.RoundTrip.Percentile(0.99),
            result.RoundTrip.MaxMs,
            echoStats.CallerToModelP50Ms,
            echoStats.CallerToModelP99Ms,
            result.ModelToCaller.Percentile(0.5),
            result.ModelToCaller.Percentile(0.99),
            cpuMs,
            cpuPercent,
            server is null ? null : peakRss / 1024.0,
            idle is { } idleSample ? (peakRss - (baselineRssKiB ?? idleSample.RssKiB)) / (double)calls : null,
            echoStats.FirstFrames > 0 ? echoStats.FirstFrameP50Ms : null,
            echoStats.FirstFrames > 0 ? echoStats.FirstFrameP99Ms : null,
            generatorCpu.TotalSeconds / wall.Elapsed.TotalSeconds * 100,
            ServerProcess.CpuTime(echoAfter.CpuTicks - echoBefore.CpuTicks).TotalSeconds / wall.Elapsed.TotalSeconds * 100,
            result.LateSends);
    }

    private static bool WithinBound(Measurement m, LoadOptions options) => m.Clean && m.RoundTripP99Ms <= options.P99BoundMs;

    private static string Row(Measurement m) => string.Create(
        CultureInfo.InvariantCulture,
        $"{m.Relay,-8} {m.Calls,5} calls: rtt p50 {m.RoundTripP50Ms:0.00} p90 {m.RoundTripP90Ms:0.00} p99 {m.RoundTripP99Ms:0.00} max {m.RoundTripMaxMs:0.0} ms; " +
        $"lost {m.FramesLost}/{m.FramesSent} (first second {m.FramesLostInFirstSecond}), cross-talk {m.CrossTalk}, failed {m.FailedCalls}; " +
        $"server {m.ServerCpuMsPerCallMinute:0.0} ms CPU/call-min ({m.ServerCpuPercentOfCore:0}% of a core), RSS {m.ServerRssMiB:0.0} MiB; generator {m.GeneratorCpuPercentOfCore:0}% of a core, echo peer {m.EchoCpuPercentOfCore:0}%");

    private static void WriteReport(List<Measurement> measurements, LoadOptions options, TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{options.Duration.TotalSeconds:0} s per call, 20 ms frames; generator, echo peer and relay in three processes; relays on {(options.WorkstationGc ? "Workstation" : "Server")} GC"));
        output.WriteLine("| Calls | Relay | RTT p50 / p90 / p99 / max (ms) | Lost (1st s) | Cross-talk | Failed | CPU ms per call-minute | vs floor | RSS KiB/call | Generator CPU | Echo peer CPU |");
        output.WriteLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in measurements)
        {
            var floor = measurements.FirstOrDefault(f => f.Relay == "floor" && f.Calls == m.Calls);
            var ratio = m.Relay != "floor" && floor?.ServerCpuMsPerCallMinute is > 0 && m.ServerCpuMsPerCallMinute is { } cpu
                ? string.Create(CultureInfo.InvariantCulture, $"{cpu / floor.ServerCpuMsPerCallMinute.Value:0.00}×")
                : "—";
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {m.Calls} | {m.Relay} | {m.RoundTripP50Ms:0.00} / {m.RoundTripP90Ms:0.00} / {m.RoundTripP99Ms:0.00} / {m.RoundTripMaxMs:0.0} | {m.FramesLost} ({m.FramesLostInFirstSecond}) | {m.CrossTalk} | {m.FailedCalls} | {m.ServerCpuMsPerCallMinute:0.0} | {ratio} | {m.ServerRssKiBPerCall:0} | {m.GeneratorCpuPercentOfCore:0}% | {m.EchoCpuPercentOfCore:0}% |"));
        }

        foreach (var relay in measurements.Select(m => m.Relay).Distinct())
        {
            var steps = measurements.Where(m => m.Relay == relay && m.ServerRssMiB is not null).OrderBy(m => m.Calls).ToList();
            if (steps.Count >= 2)
            {
                var slope = (steps[^1].ServerRssMiB!.Value - steps[0].ServerRssMiB!.Value) * 1024 / (steps[^1].Calls - steps[0].Calls);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{relay}: RSS slope {slope:0} KiB per call ({steps[0].Calls} → {steps[^1].Calls} calls)"));
            }

            var setup = measurements.Where(m => m.Relay == relay && m.FirstFrameP99Ms is not null).ToList();
            if (setup.Count > 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{relay}: each call's first frame, caller → Realtime: p50 {setup.Min(m => m.FirstFrameP50Ms):0.00} ms, p99 up to {setup.Max(m => m.FirstFrameP99Ms):0.00} ms"));
            }

            if (options.Ramp && measurements.Where(m => m.Relay == relay && WithinBound(m, options)).Select(m => m.Calls).DefaultIfEmpty(0).Max() is var best)
            {
                output.WriteLine($"{relay}: ramp maximum with p99 ≤ {options.P99BoundMs} ms and no loss: {best} calls");
            }
        }
    }
}

/// <summary>The command line.</summary>
internal sealed class LoadOptions
{
    public string? ServerDll { get; set; }

    public Uri? Url { get; set; }

    public IReadOnlyList<int> CallCounts { get; set; } = [100];

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(20);

    public bool Floor { get; set; } = true;

    public bool Ramp { get; set; }

    public double P99BoundMs { get; set; } = 20;

    public string? JsonPath { get; set; }

    /// <summary>Both relays with Workstation GC instead of Server GC (memory against CPU).</summary>
    public bool WorkstationGc { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(List<Measurement>))]
[JsonSerializable(typeof(EchoStats))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
