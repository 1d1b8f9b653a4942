using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VoiceServer.Fakes;

namespace VoiceServer.LoadTest;

/// <summary>
/// Starts the voice server as its own process against an in-process <see cref="FakeRealtimeServer"/>, runs many
/// concurrent calls with audio both ways in real time (20 ms caller frames, 100 ms agent deltas), and samples the
/// server process's CPU time and resident memory from /proc. Bounded in calls and time; loopback only.
/// </summary>
internal static class LoadRun
{
    private const int CallerFrameBytes = 160;   // 20 ms of μ-law
    private const int AgentDeltaBytes = 800;    // 100 ms of μ-law

    public static async Task<int> RunAsync(string serverDll, int calls, TimeSpan duration, TextWriter output, CancellationToken cancellationToken)
    {
        await using var realtime = await FakeRealtimeServer.StartAsync(cancellationToken: cancellationToken);
        var port = FreePort();
        using var server = StartServer(serverDll, port, realtime.Url);
        try
        {
            await WaitForHealthAsync(port, cancellationToken);
            var url = new Uri($"ws://127.0.0.1:{port}/api/twilio/media-stream");

            // Warm-up: JIT and first-use costs are not per call; a few short calls pay them before measuring.
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i => RunCallAsync(url, realtime, calls + i, TimeSpan.FromSeconds(2), cancellationToken)));
            var idle = Sample(server.Id);
            output.WriteLine($"server pid {server.Id} on port {port}; RSS after warm-up {idle.RssKiB / 1024.0:0.0} MiB");

            var peakRss = idle.RssKiB;
            using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sampler = Task.Run(
                async () =>
                {
                    while (!sampling.IsCancellationRequested)
                    {
                        peakRss = Math.Max(peakRss, Sample(server.Id).RssKiB);
                        await Task.Delay(200, CancellationToken.None);
                    }
                },
                CancellationToken.None);

            var before = Sample(server.Id);
            var wall = Stopwatch.StartNew();
            var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(i => RunCallAsync(url, realtime, i, duration, cancellationToken)));
            wall.Stop();
            var after = Sample(server.Id);
            await sampling.CancelAsync();
            await sampler;

            var cpu = TimeSpan.FromSeconds((after.CpuTicks - before.CpuTicks) / (double)ClockTicksPerSecond);
            var callSeconds = calls * duration.TotalSeconds;
            var clean = results.Count(r => r);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"calls: {calls} concurrent, {duration.TotalSeconds:0} s of audio each way, wall {wall.Elapsed.TotalSeconds:0.0} s"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audio intact both ways: {clean}/{calls}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server CPU: {cpu.TotalSeconds:0.00} s = {cpu.TotalSeconds / wall.Elapsed.TotalSeconds * 100:0.0}% of one core; {cpu.TotalMilliseconds / callSeconds:0.00} ms CPU per call-second"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server RSS: after warm-up {idle.RssKiB / 1024.0:0.0} MiB, peak {peakRss / 1024.0:0.0} MiB, {(peakRss - idle.RssKiB) / (double)calls:0} KiB per call above it"));
            return clean == calls ? 0 : 1;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task<bool> RunCallAsync(Uri url, FakeRealtimeServer realtime, int index, TimeSpan duration, CancellationToken cancellationToken)
    {
        var audioBytes = (int)duration.TotalMilliseconds * 8;
        var callerAudio = AudioFixtures.Tone((int)duration.TotalMilliseconds, 300 + index);
        var agentAudio = AudioFixtures.Tone((int)duration.TotalMilliseconds, 500 + index);
        await using var caller = await FakeTwilioCaller.ConnectAsync(url, new FakeTwilioCallerOptions { MarkMode = MarkMode.Immediate }, cancellationToken);
        await caller.SendConnectedAsync(cancellationToken);
        await caller.SendStartAsync(new Dictionary<string, string> { ["agentId"] = "load", ["openAIKey"] = $"sk-load-{index}" }, cancellationToken: cancellationToken);
        var model = await FindModelAsync(realtime, $"Bearer sk-load-{index}", cancellationToken);

        var speaking = caller.SendAudioAsync(callerAudio, CallerFrameBytes, pace: true, cancellationToken);
        // Caller audio reaching the model means the session is confirmed and the call relays both ways.
        await model.WaitForAudioBytesAsync(CallerFrameBytes, cancellationToken);
        var answering = AnswerAsync(model, index, agentAudio, cancellationToken);
        await Task.WhenAll(speaking, answering);
        await model.WaitForAudioBytesAsync(audioBytes, cancellationToken);
        await caller.WaitForAudioBytesAsync(audioBytes, cancellationToken);
        var intact = model.ReceivedAudio.AsSpan().SequenceEqual(callerAudio) && caller.ReceivedAudio.AsSpan().SequenceEqual(agentAudio);
        await caller.SendStopAsync(cancellationToken);
        await caller.WaitForCloseAsync(cancellationToken);
        return intact;
    }

    /// <summary>Agent audio in 100 ms deltas, paced in real time from a fixed start so it never drifts.</summary>
    private static async Task AnswerAsync(FakeRealtimeConnection model, int index, byte[] audio, CancellationToken cancellationToken)
    {
        var responseId = $"resp_load_{index}";
        var itemId = $"item_load_{index}";
        await model.SendResponseCreatedAsync(responseId, cancellationToken);
        var started = Stopwatch.StartNew();
        for (var offset = 0; offset < audio.Length; offset += AgentDeltaBytes)
        {
            var due = TimeSpan.FromMilliseconds(offset / 8.0);
            if (due > started.Elapsed)
            {
                await Task.Delay(due - started.Elapsed, cancellationToken);
            }

            await model.SendAudioDeltaAsync(responseId, itemId, audio.AsMemory(offset, Math.Min(AgentDeltaBytes, audio.Length - offset)), cancellationToken: cancellationToken);
        }

        await model.SendAudioDoneAsync(responseId, itemId, cancellationToken: cancellationToken);
        await model.SendResponseDoneAsync(responseId, "completed", cancellationToken);
    }

    private static async Task<FakeRealtimeConnection> FindModelAsync(FakeRealtimeServer realtime, string authorization, CancellationToken cancellationToken)
    {
        for (var index = 0; ; index++)
        {
            var connection = await realtime.WaitForConnectionAsync(index, cancellationToken);
            if (connection.Headers.TryGetValue("Authorization", out var value) && value == authorization)
            {
                return connection;
            }
        }
    }

    private static Process StartServer(string serverDll, int port, Uri realtimeUrl)
    {
        var start = new ProcessStartInfo("dotnet", [Path.GetFullPath(serverDll)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(serverDll))!,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["OPENAI_REALTIME_URL"] = realtimeUrl.ToString();
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        // Drain its output so a full pipe never blocks it.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForHealthAsync(int port, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 100; attempt++)
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

        throw new InvalidOperationException("the server did not become healthy");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux.
    private const int ClockTicksPerSecond = 100;

    private static (long CpuTicks, long RssKiB) Sample(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: field 3 is state, so utime (14) and stime (15) are at 11 and 12 here.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        var rss = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kib = long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (ticks, kib);
    }
}
