using System.Net;
using VoiceServer.Simulator;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Tools;

/// <summary>The README's run command (server + local emulator) and the simulator give a full call, no secrets.</summary>
public sealed class LocalSetupTests
{
    [Fact]
    public async Task LocalEmulator_SimulatedCall_GetsAnAudioReplyAndCleanLogs()
    {
        using var timeout = TestTimeout.Create(60);
        await using var server = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        await server.Logs.WaitForAsync(e => e.EventName == "EmulatorEnabled", timeout.Token);
        var recording = Path.Combine(Path.GetTempPath(), $"voice-server-test-{Guid.NewGuid():N}.wav");
        using var output = new StringWriter();

        try
        {
            var result = await CallSimulator.RunAsync(
                new SimulatorOptions
                {
                    Url = server.MediaStreamUrl(),
                    WavPath = AudioFixtures.GetPath(AudioFixtures.CallerBookingPcm16),
                    RecordPath = recording,
                    Greeting = "Hello from the emulator.",
                    Fast = true,
                    Wait = TimeSpan.FromSeconds(20),
                },
                output,
                timeout.Token);

            Assert.True(result.ExitCode == SimulatorExitCodes.Success, output.ToString());
            // The emulator repeats the caller back (≈ 5 s) after a chime for the greeting.
            Assert.True(result.AgentAudioBytes > 8 * 3000, output.ToString());
            Assert.True(new FileInfo(recording).Length > 8 * 3000);
            Assert.NotNull(result.SetupTime);
            Assert.NotNull(result.FirstAudioAfterStart);

            var end = await server.WaitForCallEndAsync(timeout.Token);
            Assert.Contains("caller_stopped", end.Message, StringComparison.Ordinal);
            var problems = server.Logs.Entries
                .Where(e => e.Level >= LogLevel.Warning && e.EventName != "EmulatorEnabled")
                .Select(e => $"{e.Category}: {e.Message}")
                .ToList();
            Assert.Empty(problems);
        }
        finally
        {
            File.Delete(recording);
        }
    }

    [Fact]
    public async Task WithoutTheFlag_NoEmulator()
    {
        using var timeout = TestTimeout.Create();
        await using var server = await TestVoiceServer.StartAsync(cancellationToken: timeout.Token);
        using var http = new HttpClient();

        using var response = await http.GetAsync(server.HttpUrl("/local-realtime/v1/realtime"), timeout.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(server.Logs.Entries, e => e.EventName == "EmulatorEnabled");
    }
}
