using System.Net;
using Microsoft.Extensions.Options;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;
using VoiceServer.VonageEmulator;

namespace VoiceServer.Tests.Vonage;

/// <summary>
/// <c>CALLER_PROVIDERS</c> with Vonage: a Vonage-only team starts on its own key with Vonage's proof, the other paths
/// are not found, and a served Vonage path with nothing that proves its callers stops the start, by name.
/// </summary>
public sealed class VonageCallerProvidersTests
{
    private const string ServerKey = "sk-operators-own-key-0123456789";
    private const string SignatureSecret = "vonage-signature-secret-0123";

    [Fact]
    public async Task OnlyVonage_StartsOnTheServersKeyWithVonagesProof_TheOtherPathsAreNotFound()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = ServerKey,
            ["CALLER_PROVIDERS"] = "Vonage",
            ["VONAGE_SIGNATURE_SECRET"] = SignatureSecret,
        });
        var twilio = new UriBuilder(harness.Server.BaseAddress) { Scheme = "ws", Path = "/api/twilio/media-stream" }.Uri;

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(twilio, origin: null, harness.Token);
        var unsigned = await FakeVonageCaller.TryConnectForStatusAsync(VonageCalls.Url(harness), authorization: null, harness.Token);
        var signed = await FakeVonageCaller.TryConnectForStatusAsync(VonageCalls.Url(harness), "Bearer " + VonageSignedToken.Create(SignatureSecret, DateTimeOffset.UtcNow), harness.Token);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("provider_not_served", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, unsigned);
        Assert.Null(signed);
    }

    [Fact]
    public async Task ServingVonageWithoutItsProof_RefusesToStart_NamingItsPathAndSetting()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestVoiceServer.StartAsync(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = ServerKey,
            ["CALLER_PROVIDERS"] = "vonage",
        }));

        Assert.Contains("/api/vonage/media-stream (VONAGE_SIGNATURE_SECRET)", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/twilio/media-stream", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerKey, refused.Message, StringComparison.Ordinal);
    }
}
