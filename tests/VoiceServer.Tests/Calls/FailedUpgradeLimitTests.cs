using System.Net;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class FailedUpgradeLimitTests
{
    [Fact]
    public async Task TooManyRefusals_429UntilTheWindowPasses()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(
            settings: new Dictionary<string, string?> { ["FAILED_UPGRADES_PER_MINUTE"] = "3" },
            timeProvider: time);
        var bad = harness.Server.MediaStreamUrl("voice=robot");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await FakeTwilioCaller.TryConnectForStatusAsync(bad, origin: null, harness.Token));
        }

        // Blocked now, even for a well-formed request.
        Assert.Equal(HttpStatusCode.TooManyRequests, await FakeTwilioCaller.TryConnectForStatusAsync(harness.Server.MediaStreamUrl(), origin: null, harness.Token));

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await FakeTwilioCaller.TryConnectForStatusAsync(harness.Server.MediaStreamUrl(), origin: null, harness.Token));
    }

    [Fact]
    public async Task ClientIpHeader_CountsPerForwardedClient()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["FAILED_UPGRADES_PER_MINUTE"] = "2",
            ["CLIENT_IP_HEADER"] = "Fly-Client-IP",
        });
        var bad = harness.Server.MediaStreamUrl("temperature=9");
        var scanner = new Dictionary<string, string> { ["Fly-Client-IP"] = "203.0.113.7" };
        var twilio = new Dictionary<string, string> { ["Fly-Client-IP"] = "198.51.100.20" };

        Assert.Equal(HttpStatusCode.BadRequest, await FakeTwilioCaller.TryConnectForStatusAsync(bad, null, scanner, harness.Token));
        Assert.Equal(HttpStatusCode.BadRequest, await FakeTwilioCaller.TryConnectForStatusAsync(bad, null, scanner, harness.Token));
        Assert.Equal(HttpStatusCode.TooManyRequests, await FakeTwilioCaller.TryConnectForStatusAsync(bad, null, scanner, harness.Token));

        // Another client behind the same proxy is not affected.
        Assert.Null(await FakeTwilioCaller.TryConnectForStatusAsync(harness.Server.MediaStreamUrl(), null, twilio, harness.Token));
    }
}
