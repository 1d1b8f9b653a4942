using VoiceServer.Simulator;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Tools;

/// <summary>
/// The simulator plays each provider's caller on that provider's path and wire format (through the emulators' fakes,
/// which check what the server sends), and refuses, as a usage error, what a provider cannot do.
/// </summary>
public sealed class SimulatorTests
{
    [Theory]
    [InlineData(TelephonyProvider.Telnyx, "caller_stopped")]
    [InlineData(TelephonyProvider.Plivo, "caller_disconnected")]
    [InlineData(TelephonyProvider.Vonage, "caller_disconnected")]
    public async Task Provider_LocalEmulator_GetsAnAudioReply_MarksReturnedAfterPlayback(TelephonyProvider provider, string endReason)
    {
        using var timeout = TestTimeout.Create(60);
        await using var server = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        await server.Logs.WaitForAsync(e => e.EventName == "EmulatorEnabled", timeout.Token);
        var path = SimulatorOptions.DefaultUrlFor(provider).AbsolutePath;
        using var output = new StringWriter();

        var result = await CallSimulator.RunAsync(
            new SimulatorOptions
            {
                Provider = provider,
                Url = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = path }.Uri,
                WavPath = AudioFixtures.GetPath(AudioFixtures.CallerBookingPcm16),
                Greeting = "Hello from the emulator.",
                Fast = true,
                Wait = TimeSpan.FromSeconds(20),
            },
            output,
            timeout.Token);

        Assert.True(result.ExitCode == SimulatorExitCodes.Success, output.ToString());
        // The emulator repeats the caller back (≈ 5 s) after a chime for the greeting.
        Assert.True(result.AgentAudioBytes > 8 * 3000, output.ToString());
        Assert.True(result.MarksReceived > 0, output.ToString());
        Assert.True(result.MarksReturned > 0, output.ToString());
        Assert.Empty(result.Violations);
        var end = await server.WaitForCallEndAsync(timeout.Token);
        Assert.Contains(endReason, end.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plivo-token", SimulatorExitCodes.Success)]
    [InlineData("another-token", SimulatorExitCodes.UpgradeRefused)]
    public async Task Plivo_AuthToken_SignsTheUpgradeAsPlivoDoes_TheQueryIncluded(string authToken, int exitCode)
    {
        using var timeout = TestTimeout.Create(60);
        await using var server = await TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["PLIVO_AUTH_TOKEN"] = "plivo-token", ["PUBLIC_BASE_URL"] = "wss://voice.example.com" },
            args: ["--local-emulator"],
            cancellationToken: timeout.Token);
        using var output = new StringWriter();

        var result = await CallSimulator.RunAsync(
            new SimulatorOptions
            {
                Provider = TelephonyProvider.Plivo,
                Url = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/api/plivo/media-stream" }.Uri,
                SignedUrl = "wss://voice.example.com/api/plivo/media-stream",
                AuthToken = authToken,
                Voice = "cedar",
                Prompt = "Answer briefly & kindly.",
                Greeting = "Hello from the emulator.",
                ToneMilliseconds = 500,
                Fast = true,
                Wait = TimeSpan.FromSeconds(20),
            },
            output,
            timeout.Token);

        Assert.True(result.ExitCode == exitCode, output.ToString());
        Assert.DoesNotContain(authToken, output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("twilio", TelephonyProvider.Twilio, "ws://localhost:8080/api/twilio/media-stream", ParameterPlacement.Custom)]
    [InlineData("telnyx", TelephonyProvider.Telnyx, "ws://localhost:8080/api/telnyx/media-stream", ParameterPlacement.Custom)]
    [InlineData("plivo", TelephonyProvider.Plivo, "ws://localhost:8080/api/plivo/media-stream", ParameterPlacement.Query)]
    [InlineData("vonage", TelephonyProvider.Vonage, "ws://localhost:8080/api/vonage/media-stream", ParameterPlacement.Custom)]
    public void Provider_ChoosesItsPath_AndWhereTheParametersGo(string name, TelephonyProvider provider, string url, ParameterPlacement placement)
    {
        var parsed = SimulatorCommandLine.Parse(["--provider", name]);

        Assert.Null(parsed.Error);
        Assert.Equal(provider, parsed.Options!.Provider);
        Assert.Equal(new Uri(url), parsed.Options.Url);
        Assert.Equal(placement, parsed.Options.Placement);
    }

    [Fact]
    public void NoProvider_IsTwilio_AsBefore()
    {
        var parsed = SimulatorCommandLine.Parse([]);

        Assert.Equal(TelephonyProvider.Twilio, parsed.Options!.Provider);
        Assert.Equal(new Uri(SimulatorOptions.DefaultUrl), parsed.Options.Url);
        Assert.Equal(ParameterPlacement.Custom, parsed.Options.Placement);
    }

    [Theory]
    [InlineData("--provider sip", "--provider must be twilio, telnyx, plivo or vonage")]
    [InlineData("--provider vonage --signed-url wss://voice.example.com/api/vonage/media-stream", "Vonage's token signs no URL")]
    [InlineData("--provider telnyx --auth-token secret", "Telnyx signs no upgrade")]
    [InlineData("--provider telnyx --signed-url wss://voice.example.com/api/telnyx/media-stream", "Telnyx signs no upgrade")]
    [InlineData("--provider plivo --params-in custom", "Plivo has no custom parameters")]
    [InlineData("--provider plivo --webhook http://localhost:5000/voice", "--webhook follows a main app's TwiML")]
    [InlineData("--provider telnyx --webhook http://localhost:5000/voice", "--webhook follows a main app's TwiML")]
    public void WhatTheProviderCannotDo_IsAUsageError(string arguments, string error)
    {
        var parsed = SimulatorCommandLine.Parse(arguments.Split(' '));

        Assert.Null(parsed.Options);
        Assert.StartsWith(error, parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhatTheProviderCannotDo_FromCode_ExitsWithTheUsageCode_WithoutConnecting()
    {
        using var output = new StringWriter();

        var result = await CallSimulator.RunAsync(
            new SimulatorOptions { Provider = TelephonyProvider.Telnyx, Url = new Uri("ws://127.0.0.1:9/api/telnyx/media-stream"), AuthToken = "secret" },
            output,
            CancellationToken.None);

        Assert.Equal(SimulatorExitCodes.Usage, result.ExitCode);
        Assert.DoesNotContain("connecting", output.ToString(), StringComparison.Ordinal);
    }
}
