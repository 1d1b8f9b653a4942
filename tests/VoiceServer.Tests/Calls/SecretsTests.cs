using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class SecretsTests
{
    private const string QueryKey = "sk-query-secret-AAAAAAAAAAAAAAAA";
    private const string CustomKey = "sk-custom-secret-BBBBBBBBBBBBBBBB";
    private const string ServerKey = "sk-server-secret-CCCCCCCCCCCCCCCC";

    [Fact]
    public async Task ApiKeys_NeverAppearInLogs_OverFullCalls()
    {
        await using var harness = await CallHarness.StartAsync(
            new FakeRealtimeServerOptions { RejectUpgradeStatus = null },
            new Dictionary<string, string?> { ["OPENAI_API_KEY"] = ServerKey, ["ALLOW_UNAUTHENTICATED"] = "true" });

        // A full call with a key in the query string (which ASP.NET would log with the URL) and another in start.
        var (caller, _) = await harness.StartCallAsync(
            new Dictionary<string, string> { ["openAIKey"] = CustomKey, ["greeting"] = "Hello" },
            query: $"agentId=a&openAIKey={QueryKey}&voice=marin");
        var model = harness.Realtime.Connections.Single(c => c.Headers["Authorization"] == "Bearer " + CustomKey);
        await caller.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.SendAudioResponseAsync("resp_1", "item_1", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);
        await caller.SendStopAsync(harness.Token);
        await harness.Server.WaitForCallEndAsync(harness.Token);

        // A call with the server's key whose model connection is refused (error and exception paths).
        var refusing = await FakeRealtimeServer.StartAsync(new FakeRealtimeServerOptions { RejectUpgradeStatus = 401 }, harness.Token);
        await using (refusing)
        {
            await using var server = await TestVoiceServer.StartAsync(
                new Dictionary<string, string?> { ["OPENAI_API_KEY"] = ServerKey, ["ALLOW_UNAUTHENTICATED"] = "true", ["OPENAI_REALTIME_URL"] = refusing.Url.ToString() },
                cancellationToken: harness.Token);
            await using var refused = await FakeTwilioCaller.ConnectAsync(server.MediaStreamUrl($"agentId=b&openAIKey={QueryKey}"), null, harness.Token);
            await refused.SendStartAsync(new Dictionary<string, string>(), cancellationToken: harness.Token);
            var (_, description) = await refused.WaitForCloseAsync(harness.Token);
            await server.WaitForCallEndAsync(harness.Token);
            Assert.DoesNotContain(QueryKey, description ?? string.Empty, StringComparison.Ordinal);
            AssertNoSecrets(server.Logs);
        }

        Assert.Contains(harness.Server.Logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        AssertNoSecrets(harness.Server.Logs);
        Assert.Equal("Bearer " + CustomKey, model.Headers["Authorization"]);
    }

    private static void AssertNoSecrets(CapturedLogs logs)
    {
        Assert.NotEmpty(logs.Entries);
        foreach (var entry in logs.Entries)
        {
            foreach (var secret in new[] { QueryKey, CustomKey, ServerKey })
            {
                Assert.DoesNotContain(secret, entry.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, entry.State, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, entry.Exception ?? string.Empty, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, entry.Scopes, StringComparison.Ordinal);
            }
        }
    }
}
