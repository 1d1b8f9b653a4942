using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class ConcurrencyTests
{
    private const int Calls = 50;

    [Fact]
    public async Task FiftyConcurrentCalls_NoCrossTalk_NoLeak()
    {
        await using var harness = await CallHarness.StartAsync(timeoutSeconds: 60);

        var results = await Task.WhenAll(Enumerable.Range(0, Calls).Select(RunCallAsync));

        Assert.All(results, ok => Assert.True(ok));
        await harness.Server.WaitForCallEndAsync(harness.Token, Calls);
        await harness.Server.WaitForNoCallsAsync(harness.Token);
        Assert.Equal(0, harness.Server.Calls.ActiveCount);
        Assert.All(harness.Server.Logs.CallEnds, e => Assert.Contains("caller_stopped", e.Message, StringComparison.Ordinal));
        Assert.All(harness.Realtime.Connections, c => Assert.Empty(c.ErrorsSent));

        async Task<bool> RunCallAsync(int index)
        {
            // Each call has its own agent id, its own caller audio and its own agent audio.
            var agentId = $"agent-{index}";
            var callerAudio = Enumerable.Range(0, 1600).Select(i => (byte)((i * 7) + index)).ToArray();
            var agentAudio = Enumerable.Range(0, 2400).Select(i => (byte)((i * 13) + index)).ToArray();
            await using var caller = await FakeTwilioCaller.ConnectAsync(harness.Server.MediaStreamUrl(), null, harness.Token);
            await caller.SendConnectedAsync(harness.Token);
            await caller.SendStartAsync(new Dictionary<string, string> { ["agentId"] = agentId, ["openAIKey"] = $"sk-{index}" }, cancellationToken: harness.Token);
            await caller.SendAudioAsync(callerAudio, cancellationToken: harness.Token);

            var model = await FindModelAsync(harness, $"Bearer sk-{index}");
            await model.WaitForAudioBytesAsync(callerAudio.Length, harness.Token);
            await model.SendAudioResponseAsync($"resp_{index}", $"item_{index}", agentAudio, cancellationToken: harness.Token);
            await caller.WaitForAudioBytesAsync(agentAudio.Length, harness.Token);

            var clean = model.ReceivedAudio.SequenceEqual(callerAudio) && caller.ReceivedAudio.SequenceEqual(agentAudio);
            await caller.SendStopAsync(harness.Token);
            await caller.WaitForCloseAsync(harness.Token);
            return clean;
        }
    }

    private static async Task<FakeRealtimeConnection> FindModelAsync(CallHarness harness, string authorization)
    {
        for (var index = 0; ; index++)
        {
            var connection = await harness.Realtime.WaitForConnectionAsync(index, harness.Token);
            if (connection.Headers.TryGetValue("Authorization", out var value) && value == authorization)
            {
                return connection;
            }
        }
    }
}
