using System.Net;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class SignatureTests
{
    private const string AuthToken = "twilio-auth-token-for-tests";
    private const string PublicUrl = "wss://voice.example.com/api/twilio/media-stream";

    private static Task<CallHarness> StartAsync() => CallHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["TWILIO_AUTH_TOKEN"] = AuthToken,
        ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
    });

    [Fact]
    public async Task SignedUpgrade_OverThePublicUrl_IsAccepted()
    {
        await using var harness = await StartAsync();

        // The server listens on http://127.0.0.1 but validates against the configured public wss:// URL.
        var (caller, model) = await harness.StartCallAsync(options: new FakeTwilioCallerOptions { SignatureAuthToken = AuthToken, SignatureUrl = PublicUrl });

        await caller.SendAudioAsync(AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await model.WaitForAudioBytesAsync(800, harness.Token);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains(AuthToken, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, null)]                                                      // no signature at all
    [InlineData("another-token", PublicUrl)]                                      // signed with the wrong token
    [InlineData(AuthToken, "https://voice.example.com/api/twilio/media-stream")]  // signed over what ASP.NET would see
    [InlineData(AuthToken, "wss://evil.example.com/api/twilio/media-stream")]     // signed over a forged host
    public async Task UnsignedOrMissigned_403BeforeTheUpgrade(string? token, string? signedUrl)
    {
        await using var harness = await StartAsync();
        var headers = token is null
            ? null
            : new Dictionary<string, string> { ["x-twilio-signature"] = TwilioIds.ComputeSignature(token, signedUrl!) };

        var status = await FakeTwilioCaller.TryConnectForStatusAsync(harness.Server.MediaStreamUrl(), origin: null, headers, harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "SignatureRefused");
    }

    [Fact]
    public async Task AuthTokenWithoutPublicBaseUrl_StopsTheBoot()
    {
        using var timeout = TestTimeout.Create();
        await Assert.ThrowsAnyAsync<Exception>(() => TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["TWILIO_AUTH_TOKEN"] = AuthToken },
            cancellationToken: timeout.Token));
    }
}
