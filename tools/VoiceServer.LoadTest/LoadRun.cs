using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Text.Json;

namespace VoiceServer.LoadTest;

/// <summary>
/// The load run: the callers in this process, the echo Realtime peer and each relay under test in processes of their
/// own (the product, then the floor), the same fleet of callers against each at each call count, and the figures
/// side by side.
/// </summary>
internal static class LoadRun
{
    public static async Task<int> RunLocalAsync(LoadOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        await using var echo = await ServerProcess.StartEchoAsync(options.EchoPort, "127.0.0.1", cancellationToken);
        var measurements = new List<Measurement>();
        var setups = new List<SetupMeasurement>();
        var relays = new List<string> { "product" };
        if (options.Floor)
        {
            relays.Add("floor");
        }

        if (options.Node)
        {
            relays.Add("node");
        }

        foreach (var relay in relays)
        {
            await using var server = relay switch
            {
                "product" => await ServerProcess.StartProductAsync(options.ServerDll!, echo.RealtimeUrl, options.CallCounts.Max() + 10, options.RelayRuntime, cancellationToken),
                "floor" => await ServerProcess.StartFloorAsync(echo.RealtimeUrl, options.RelayRuntime, cancellationToken),
                _ => await ServerProcess.StartNodeAsync(options.NodeRelayDirectory, echo.RealtimeUrl, cancellationToken),
            };

            // The floor and the Node relay speak Twilio's protocol only; the product plays every provider asked for.
            IReadOnlyList<CallerProtocol> protocols = relay == "product" ? options.Providers : [CallerProtocol.Twilio];

            // Warm-up: JIT and first-use costs are not per call. Enough calls for long enough that the hot paths
            // reach their final (tier-1, profile-guided) code before anything is measured, each provider's included.
            foreach (var protocol in protocols)
            {
                await new CallerFleet(server.MediaStreamUrlFor(protocol), 50, TimeSpan.FromSeconds(8), protocol: protocol).RunAsync(cancellationToken);
            }

            // Memory per call is counted from the warmed-up process: RSS that one step leaves behind (GC heaps keep
            // what they grew to) must not hide the next step's growth.
            var baselineRssKiB = server.Sample().RssKiB;
            // Set-up is probed with tagged frames, which Vonage's resampled audio cannot carry: no probes for it.
            var probes = protocols.ToDictionary(
                protocol => protocol,
                protocol => protocol.BinaryFrame is null ? new SetupProbe(server.MediaStreamUrlFor(protocol), protocol: protocol) : null);
            // Set-up alone first: nothing else on the relay, so the figure is the server's own path.
            foreach (var protocol in protocols.Where(protocol => probes[protocol] is not null))
            {
                await echo.ResetEchoStatsAsync(cancellationToken);
                var alone = await SetupAsync(relay, protocol, 0, probes[protocol]!, options.SetupProbes, echo, Task.CompletedTask, cancellationToken);
                setups.Add(alone);
                output.WriteLine(SetupRow(alone));
            }

            baselineRssKiB = Math.Max(baselineRssKiB, server.Sample().RssKiB);
            var ramping = protocols.ToList();
            foreach (var calls in options.CallCounts)
            {
                // Each provider's step at this count right after the others', so the machine's drift (a shared
                // machine's neighbours come and go) weighs on the figures compared side by side alike.
                foreach (var protocol in ramping.ToList())
                {
                    var (measurement, setup) = await MeasureAsync(relay, protocol, server, echo, calls, options.Duration, cancellationToken, baselineRssKiB: baselineRssKiB, probe: probes[protocol]);
                    if (options.Ramp && !WithinBound(measurement, options))
                    {
                        // The machine is shared: a step that misses is measured once more before the ramp stops on it.
                        output.WriteLine(Row(measurement) + " (missed the bound; measuring again)");
                        (measurement, setup) = await MeasureAsync(relay, protocol, server, echo, calls, options.Duration, cancellationToken, baselineRssKiB: baselineRssKiB, probe: probes[protocol]);
                    }

                    measurements.Add(measurement);
                    if (setup is not null)
                    {
                        setups.Add(setup);
                        output.WriteLine(SetupRow(setup));
                    }

                    output.WriteLine(Row(measurement));
                    if (options.Ramp && !WithinBound(measurement, options))
                    {
                        output.WriteLine($"{measurement.Label}: ramp stops at {calls} calls (p99 {measurement.RoundTripP99Ms:0.0} ms, {measurement.FramesLost} lost, {measurement.FailedCalls} failed)");
                        ramping.Remove(protocol);
                    }
                }

                if (ramping.Count == 0)
                {
                    break;
                }
            }
        }

        output.WriteLine();
        WriteReport(measurements, options, output);
        WriteSetupReport(setups, output);
        if (options.JsonPath is { } path)
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new LoadReport(measurements, setups), LoadJsonContext.Default.LoadReport), cancellationToken);
            output.WriteLine($"JSON: {path}");
        }

        return measurements.Where(m => m.Relay == "product").All(m => m.FailedCalls == 0 && m.CrossTalk == 0) ? 0 : 1;
    }

    /// <summary>
    /// Against a voice server someone else started; it must use this tool's echo peer as its Realtime URL. With one
    /// provider the URL is taken as given; with several, each provider's path on its host.
    /// </summary>
    public static async Task<int> RunRemoteAsync(LoadOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        // The server under test must already use this peer: a fixed --echo-port lets it be started with the URL first.
        await using var echo = await ServerProcess.StartEchoAsync(options.EchoPort, options.EchoHost, cancellationToken);
        output.WriteLine($"echo Realtime peer listening on {options.EchoHost}:{echo.Port}; the voice server under test needs OPENAI_REALTIME_URL=ws://<this machine>:{echo.Port}/v1/realtime");
        var measurements = new List<Measurement>();
        var setups = new List<SetupMeasurement>();
        var urls = options.Providers.ToDictionary(
            protocol => protocol,
            protocol => options.Providers.Count == 1 ? options.Url! : new UriBuilder(options.Url!) { Path = protocol.Path, Query = string.Empty }.Uri);
        var probes = options.Providers.ToDictionary(
            protocol => protocol,
            protocol => protocol.BinaryFrame is null ? new SetupProbe(urls[protocol], options.CertificateValidation, protocol) : null);
        foreach (var calls in options.CallCounts)
        {
            foreach (var protocol in options.Providers)
            {
                var (measurement, setup) = await MeasureAsync("remote", protocol, server: null, echo, calls, options.Duration, cancellationToken, urls[protocol], probe: probes[protocol], certificateValidation: options.CertificateValidation);
                measurements.Add(measurement);
                if (setup is not null)
                {
                    setups.Add(setup);
                    output.WriteLine(SetupRow(setup));
                }

                output.WriteLine(Row(measurement));
            }
        }

        WriteReport(measurements, options, output);
        WriteSetupReport(setups, output);
        return measurements.All(m => m.FailedCalls == 0 && m.CrossTalk == 0) ? 0 : 1;
    }

    private static async Task<(Measurement Measurement, SetupMeasurement? Setup)> MeasureAsync(
        string relay, CallerProtocol protocol, ServerProcess? server, ServerProcess echo, int calls, TimeSpan duration, CancellationToken cancellationToken, Uri? url = null, long? baselineRssKiB = null, SetupProbe? probe = null, RemoteCertificateValidationCallback? certificateValidation = null)
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
        var fleet = new CallerFleet(url ?? server!.MediaStreamUrlFor(protocol), calls, duration, certificateValidation, protocol);
        var running = fleet.RunAsync(cancellationToken);
        // Set-up under load: probe calls one after another while the step's callers are all live (about one probe
        // per two seconds of the step, so the probes add little to the load they measure).
        var setup = probe is null
            ? null
            : SetupAsync(relay, protocol, calls, probe, Math.Max(1, (int)(duration.TotalSeconds / 2)), echo, Task.WhenAny(fleet.Sending, running), cancellationToken);
        var result = await running;
        wall.Stop();
        var after = server?.Sample();
        var echoAfter = echo.Sample();
        var echoStats = await echo.EchoStatsAsync(cancellationToken);
        var setupMeasurement = setup is null ? null : await setup;
        await sampling.CancelAsync();
        await sampler;
        generator.Refresh();
        var generatorCpu = generator.TotalProcessorTime - generatorBefore;

        double? cpuMs = null;
        double? cpuPercent = null;
        double? switchesPerFrame = null;
        if (idle is { } before && after is { } end)
        {
            switchesPerFrame = result.FramesSent > 0 ? (end.ThreadSwitches - before.ThreadSwitches) / (double)result.FramesSent : null;
            var cpu = ServerProcess.CpuTime(end.CpuTicks - before.CpuTicks);
            cpuMs = cpu.TotalMilliseconds / (calls * duration.TotalMinutes);
            cpuPercent = cpu.TotalSeconds / wall.Elapsed.TotalSeconds * 100;
        }

        return (new Measurement(
            relay,
            protocol.Name,
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
            echoStats.CallerToModelP90Ms,
            echoStats.CallerToModelP99Ms,
            echoStats.CallerToModelMaxMs,
            result.ModelToCaller.Percentile(0.5),
            result.ModelToCaller.Percentile(0.9),
            result.ModelToCaller.Percentile(0.99),
            result.ModelToCaller.MaxMs,
            cpuMs,
            cpuPercent,
            server is null ? null : peakRss / 1024.0,
            idle is { } idleSample ? (peakRss - (baselineRssKiB ?? idleSample.RssKiB)) / (double)calls : null,
            switchesPerFrame,
            echoStats.FirstFrames > 0 ? echoStats.FirstFrameP50Ms : null,
            echoStats.FirstFrames > 0 ? echoStats.FirstFrameP99Ms : null,
            generatorCpu.TotalSeconds / wall.Elapsed.TotalSeconds * 100,
            ServerProcess.CpuTime(echoAfter.CpuTicks - echoBefore.CpuTicks).TotalSeconds / wall.Elapsed.TotalSeconds * 100,
            result.LateSends,
            result.FirstFailure), setupMeasurement);
    }

    /// <summary>Probe calls once <paramref name="loaded"/> completes, joined with what the echo peer saw of each.</summary>
    private static async Task<SetupMeasurement> SetupAsync(
        string relay, CallerProtocol protocol, int liveCalls, SetupProbe probe, int probes, ServerProcess echo, Task loaded, CancellationToken cancellationToken)
    {
        await loaded;
        var calls = await probe.RunAsync(probes, cancellationToken);
        var traces = (await echo.EchoSetupTracesAsync(cancellationToken)).ToDictionary(trace => trace.Call);
        var added = new List<double>();
        var upgrade = new List<double>();
        var total = new List<double>();
        var peer = new List<double>();
        // The server's share in its three stages: 101 → its Realtime upgrade request (reading `start`, the
        // configuration, opening the connection); 101 from Realtime → `session.update` out; `session.updated` in →
        // the first frame out.
        var toConnect = new List<double>();
        var toSessionUpdate = new List<double>();
        var toFirstFrame = new List<double>();
        foreach (var call in calls.Where(call => !call.Failed))
        {
            if (traces.TryGetValue(call.Call, out var trace))
            {
                // From the caller's socket being up (the 101 received) to its first frame at the Realtime socket.
                var upgradeToFirstFrame = Stopwatch.GetElapsedTime(call.Upgraded, trace.FirstFrameArrived).TotalMilliseconds;
                upgrade.Add(Stopwatch.GetElapsedTime(call.UpgradeStarted, call.Upgraded).TotalMilliseconds);
                var peerMs = trace.PeerTicks * 1000.0 / Stopwatch.Frequency;
                total.Add(upgradeToFirstFrame);
                peer.Add(peerMs);
                added.Add(upgradeToFirstFrame - peerMs);
                toConnect.Add(Stopwatch.GetElapsedTime(call.Upgraded, trace.UpgradeRequested).TotalMilliseconds);
                toSessionUpdate.Add(Stopwatch.GetElapsedTime(trace.Accepted, trace.SessionUpdateReceived).TotalMilliseconds);
                toFirstFrame.Add(Stopwatch.GetElapsedTime(trace.SessionUpdatedSent, trace.FirstFrameArrived).TotalMilliseconds);
            }
        }

        return new SetupMeasurement(
            relay,
            protocol.Name,
            liveCalls,
            calls.Count,
            calls.Count(call => call.Failed) + (calls.Count(call => !call.Failed) - added.Count),
            Rank(upgrade, 0.5),
            Rank(total, 0.5),
            Rank(added, 0.5),
            Rank(added, 0.99),
            added.DefaultIfEmpty(double.NaN).Max(),
            Rank(peer, 0.5),
            Rank(toConnect, 0.5),
            Rank(toSessionUpdate, 0.5),
            Rank(toFirstFrame, 0.5),
            calls.Sum(call => (long)call.FramesSent),
            calls.Sum(call => (long)(call.FramesSent - call.FramesReceived)),
            calls.Sum(call => (long)call.OutOfOrder));
    }

    /// <summary>Nearest-rank percentile of a few samples (NaN when there are none).</summary>
    private static double Rank(List<double> samples, double fraction)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string SetupRow(SetupMeasurement s) => string.Create(
        CultureInfo.InvariantCulture,
        $"{s.Label,-15} set-up with {s.LiveCalls} live calls: {s.Probes} probes, caller's upgrade {s.UpgradeP50Ms:0.00} ms, then → first frame at Realtime p50 {s.UpgradeToFirstFrameP50Ms:0.00} ms, " +
        $"added by the server p50 {s.ServerAddedP50Ms:0.00} p99 {s.ServerAddedP99Ms:0.00} max {s.ServerAddedMaxMs:0.00} ms (peer {s.PeerP50Ms:0.00} ms; " +
        $"server's stages p50: to connect {s.ToConnectP50Ms:0.00}, to session.update {s.ToSessionUpdateP50Ms:0.00}, to first frame {s.ToFirstFrameP50Ms:0.00} ms); " +
        $"lost {s.FramesLost}/{s.FramesSent}, out of order {s.FramesOutOfOrder}, failed {s.FailedProbes}");

    private static void WriteSetupReport(List<SetupMeasurement> setups, TextWriter output)
    {
        if (setups.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("Call set-up: probe calls send their first frame the instant their socket is up; from the upgrade (101 received) to that frame at the Realtime socket, less the peer's handshake and session exchange");
        output.WriteLine("| Relay | Provider | Live calls | Probes | Caller's upgrade p50 (ms) | Upgrade → first frame p50 (ms) | Added by the server p50 / p99 / max (ms) | Server's stages p50: to connect / to session.update / to first frame (ms) | Peer's share p50 (ms) | Lost | Out of order | Failed |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|");
        foreach (var s in setups)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {s.Relay} | {s.Provider} | {s.LiveCalls} | {s.Probes} | {s.UpgradeP50Ms:0.00} | {s.UpgradeToFirstFrameP50Ms:0.00} | {s.ServerAddedP50Ms:0.00} / {s.ServerAddedP99Ms:0.00} / {s.ServerAddedMaxMs:0.00} | {s.ToConnectP50Ms:0.00} / {s.ToSessionUpdateP50Ms:0.00} / {s.ToFirstFrameP50Ms:0.00} | {s.PeerP50Ms:0.00} | {s.FramesLost} of {s.FramesSent} | {s.FramesOutOfOrder} | {s.FailedProbes} |"));
        }
    }

    /// <summary>A figure of <paramref name="m"/> as a multiple of the same figure of <paramref name="baseline"/> (same call count).</summary>
    private static string Ratio(Measurement m, Measurement? baseline, Func<Measurement, double?> figure) =>
        baseline is not null && baseline != m && figure(baseline) is > 0 and var b && figure(m) is { } value
            ? string.Create(CultureInfo.InvariantCulture, $"{value / b:0.00}×")
            : "—";

    private static bool WithinBound(Measurement m, LoadOptions options) => m.Clean && m.RoundTripP99Ms <= options.P99BoundMs;

    private static string Row(Measurement m) => string.Create(
        CultureInfo.InvariantCulture,
        $"{m.Label,-15} {m.Calls,5} calls: rtt p50 {m.RoundTripP50Ms:0.00} p90 {m.RoundTripP90Ms:0.00} p99 {m.RoundTripP99Ms:0.00} max {m.RoundTripMaxMs:0.0} ms; " +
        $"lost {m.FramesLost}/{m.FramesSent} (first second {m.FramesLostInFirstSecond}), cross-talk {m.CrossTalk}, failed {m.FailedCalls}; " +
        $"server {m.ServerCpuMsPerCallMinute:0.0} ms CPU/call-min ({m.ServerCpuPercentOfCore:0}% of a core), {m.ServerSwitchesPerFrame:0.00} thread switches/frame, RSS {m.ServerRssMiB:0.0} MiB; generator {m.GeneratorCpuPercentOfCore:0}% of a core, echo peer {m.EchoCpuPercentOfCore:0}%") +
        (m.FirstFailure is null ? "" : $"; first failure: {m.FirstFailure}");

    private static void WriteReport(List<Measurement> measurements, LoadOptions options, TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{options.Duration.TotalSeconds:0} s per call, 20 ms frames; generator, echo peer and relay in three processes; relays on {(options.WorkstationGc ? "Workstation" : "Server")} GC{string.Concat(options.RelayEnvironment.Select(e => $", {e.Key}={e.Value}"))}"));
        output.WriteLine("The floor and the Node relay speak Twilio's protocol only: their rows are Twilio's callers. \"vs Twilio\" is the same relay's CPU under Twilio's callers at the same count, in this run.");
        if (measurements.Any(m => m.Provider == CallerProtocol.Vonage.Name))
        {
            output.WriteLine("Vonage's audio is resampled both ways, so its frames carry no tag: each is recognised by its place in its call's byte stream (cross-talk is not checked, the one-way halves and set-up probes are not measured).");
        }

        output.WriteLine("| Calls | Relay | Provider | RTT p50 / p90 / p99 / max (ms) | Lost (1st s) | Cross-talk | Failed | CPU ms per call-minute | vs Twilio | vs floor | vs Node | p99 vs Node | Thread switches per frame | Peak RSS MiB | RSS KiB/call | Generator CPU | Echo peer CPU |");
        output.WriteLine("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in measurements)
        {
            var twilio = measurements.FirstOrDefault(f => f.Relay == m.Relay && f.Provider == CallerProtocol.Twilio.Name && f.Calls == m.Calls);
            var floor = measurements.FirstOrDefault(f => f.Relay == "floor" && f.Calls == m.Calls);
            var node = measurements.FirstOrDefault(f => f.Relay == "node" && f.Calls == m.Calls);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {m.Calls} | {m.Relay} | {m.Provider} | {m.RoundTripP50Ms:0.00} / {m.RoundTripP90Ms:0.00} / {m.RoundTripP99Ms:0.00} / {m.RoundTripMaxMs:0.0} | {m.FramesLost} ({m.FramesLostInFirstSecond}) | {m.CrossTalk} | {m.FailedCalls} | {m.ServerCpuMsPerCallMinute:0.0} | {Ratio(m, twilio, static x => x.ServerCpuMsPerCallMinute)} | {Ratio(m, floor, static x => x.ServerCpuMsPerCallMinute)} | {Ratio(m, node, static x => x.ServerCpuMsPerCallMinute)} | {Ratio(m, node, static x => x.RoundTripP99Ms)} | {m.ServerSwitchesPerFrame:0.00} | {m.ServerRssMiB:0.0} | {m.ServerRssKiBPerCall:0} | {m.GeneratorCpuPercentOfCore:0}% | {m.EchoCpuPercentOfCore:0}% |"));
        }

        // The two halves of the round trip: the generator and the echo peer read one monotonic clock (same machine).
        output.WriteLine();
        output.WriteLine("One way: caller → Realtime (frame sent to its append at the echo peer) and Realtime → caller (delta sent to its media at the caller)");
        output.WriteLine("| Calls | Relay | Provider | Caller → Realtime p50 / p90 / p99 / max (ms) | Realtime → caller p50 / p90 / p99 / max (ms) |");
        output.WriteLine("|---:|---|---|---|---|");
        // Vonage's frames carry no tag, so the echo peer cannot time their halves: no row rather than NaN.
        foreach (var m in measurements.Where(m => m.Provider != CallerProtocol.Vonage.Name))
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {m.Calls} | {m.Relay} | {m.Provider} | {m.CallerToModelP50Ms:0.00} / {m.CallerToModelP90Ms:0.00} / {m.CallerToModelP99Ms:0.00} / {m.CallerToModelMaxMs:0.0} | {m.ModelToCallerP50Ms:0.00} / {m.ModelToCallerP90Ms:0.00} / {m.ModelToCallerP99Ms:0.00} / {m.ModelToCallerMaxMs:0.0} |"));
        }

        output.WriteLine();

        // Memory is the process's: every provider's steps run in the one product process, so the slope is per relay,
        // from the highest peak at the first count to the highest at the last.
        foreach (var relay in measurements.Select(m => m.Relay).Distinct())
        {
            var steps = measurements.Where(m => m.Relay == relay && m.ServerRssMiB is not null)
                .GroupBy(m => m.Calls, (calls, atCount) => (Calls: calls, RssMiB: atCount.Max(m => m.ServerRssMiB!.Value)))
                .OrderBy(step => step.Calls)
                .ToList();
            if (steps.Count >= 2)
            {
                var slope = (steps[^1].RssMiB - steps[0].RssMiB) * 1024 / (steps[^1].Calls - steps[0].Calls);
                var providers = measurements.Where(m => m.Relay == relay).Select(m => m.Provider).Distinct().ToList();
                var shared = providers.Count > 1 ? $", {string.Join(", ", providers)} in one process" : string.Empty;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{relay}: RSS slope {slope:0} KiB per call ({steps[0].Calls} → {steps[^1].Calls} calls{shared})"));
            }
        }

        foreach (var relay in measurements.Select(m => m.Label).Distinct())
        {
            var setup = measurements.Where(m => m.Label == relay && m.FirstFrameP99Ms is not null).ToList();
            if (setup.Count > 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{relay}: each call's first frame, caller → Realtime: p50 {setup.Min(m => m.FirstFrameP50Ms):0.00} ms, p99 up to {setup.Max(m => m.FirstFrameP99Ms):0.00} ms"));
            }

            if (options.Ramp && measurements.Where(m => m.Label == relay && WithinBound(m, options)).Select(m => m.Calls).DefaultIfEmpty(0).Max() is var best)
            {
                output.WriteLine($"{relay}: ramp maximum with p99 ≤ {options.P99BoundMs} ms and no loss: {best} calls");
            }
        }
    }
}
