using System.Net;
using Microsoft.Extensions.Options;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>
/// <c>CALLER_PROVIDERS</c>: a team on one carrier serves only that carrier's path, so the server may start on its key
/// with only that carrier's proof; a path it does not serve is not found, in any spelling, and the start-up refusal
/// names exactly the paths left open.
/// </summary>
public sealed class CallerProvidersSettingTests
{
    private const string ServerKey = "sk-operators-own-key-0123456789";
    private const string PlivoAuthToken = "plivo-auth-token-0123456789";
    private const string PublicBaseUrl = "wss://voice.example.com";

    private static Dictionary<string, string?> PlivoOnly(string providers) => new()
    {
        ["OPENAI_API_KEY"] = ServerKey,
        ["CALLER_PROVIDERS"] = providers,
        ["PLIVO_AUTH_TOKEN"] = PlivoAuthToken,
        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
    };

    public static TheoryData<string> PathsNotServed =>
    [
        "/api/twilio/media-stream",
        "/API/TWILIO/MEDIA-STREAM",
        "/api/twilio/media-stream/",
        "/api/telnyx/media-stream",
        "/Api/Telnyx/Media-Stream",
    ];

    [Theory]
    [MemberData(nameof(PathsNotServed))]
    public async Task OnlyPlivo_StartsOnTheServersKeyWithPlivosProof_AndTheOtherPathsAreNotFound(string path)
    {
        await using var harness = await CallHarness.StartAsync(settings: PlivoOnly("plivo"));
        var url = new UriBuilder(harness.Server.BaseAddress) { Scheme = "ws", Path = path }.Uri;

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(url, origin: null, harness.Token);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("provider_not_served", body, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task OnlyPlivo_ItsOwnPathStillDemandsItsSignature()
    {
        await using var harness = await CallHarness.StartAsync(settings: PlivoOnly("plivo"));
        var url = new UriBuilder(harness.Server.BaseAddress) { Scheme = "ws", Path = "/api/plivo/media-stream" }.Uri;

        var (status, _) = await FakeTwilioCaller.SendUpgradeRequestAsync(url, origin: null, harness.Token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task ServingTwilioWithoutItsProof_RefusesToStart_NamingOnlyThatPath()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestVoiceServer.StartAsync(PlivoOnly("plivo, Twilio")));

        Assert.Contains("/api/twilio/media-stream", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/plivo/media-stream", refused.Message, StringComparison.Ordinal);
        Assert.Contains("CALLER_PROVIDERS", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerKey, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PlivoAuthToken, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sip")]
    [InlineData("twilio,,vonage-ish")]
    [InlineData(" , ")]
    public async Task AnUnknownOrEmptyList_RefusesToStart(string providers)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestVoiceServer.StartAsync(new Dictionary<string, string?> { ["CALLER_PROVIDERS"] = providers }));

        Assert.Contains("CALLER_PROVIDERS", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePlaygroundWithoutTwiliosPath_RefusesToStart()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestVoiceServer.StartAsync(new Dictionary<string, string?>
        {
            ["CALLER_PROVIDERS"] = "telnyx",
            ["PLAYGROUND_ENABLED"] = "true",
        }));

        Assert.Contains("PLAYGROUND_ENABLED", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheOptOut_NamesOnlyTheServedOpenPaths()
    {
        await using var server = await TestVoiceServer.StartAsync(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = ServerKey,
            ["CALLER_PROVIDERS"] = "telnyx",
            ["ALLOW_UNAUTHENTICATED"] = "true",
        });

        var warning = await server.Logs.WaitForAsync(e => e.EventName == "UnauthenticatedCalls", TestTimeout.Create().Token);
        Assert.Contains("/api/telnyx/media-stream", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/twilio/media-stream", warning.Message, StringComparison.Ordinal);
    }
}
