using System.Net.WebSockets;
using System.Text.Json.Nodes;
using StackExchange.Redis;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.LiveCalls;

/// <summary>
/// Commands through Redis, as the main app sends them: the test command's Redis, a voice server holding a call, and
/// the test's own Redis client publishing to the call's channel and reading the acknowledgement on a reply channel.
/// </summary>
public sealed class RedisCallCommandChannelTests
{
    private const string AuthToken = "twilio-auth-token-0123456789";

    private static Task<CallHarness> StartAsync() => CallHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
        ["TWILIO_AUTH_TOKEN"] = AuthToken,
        ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
        ["REDIS_URL"] = TestRedis.Url.ToString(),
    });

    private static async Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartBoundCallAsync(CallHarness harness)
    {
        var options = new FakeTwilioCallerOptions { MarkMode = MarkMode.Immediate, SignatureAuthToken = AuthToken, SignatureUrl = "wss://voice.example.com/api/twilio/media-stream" };
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey };
        var call = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims, callSid: options.CallSid) }, options);
        // The call's channel is subscribed once the call is listed; commands before that find no instance.
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Subscribed" && e.Message.Contains(options.CallSid, StringComparison.Ordinal), harness.Token);
        return call;
    }

    private static string Wrapped(string body, string? signature = null) => (signature ?? SignedCommands.Sign(body)) + "\n" + body;

    [Fact]
    public async Task SignedCommand_OnTheCallsChannel_OneSubscriber_ActsAndAcknowledgesSigned()
    {
        await using var harness = await StartAsync();
        var (caller, model) = await StartBoundCallAsync(harness);
        await using var redis = await TestRedis.ConnectAsync();
        var replyTo = "voice-server:command-replies:" + Guid.NewGuid().ToString("N");
        var acks = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(replyTo));
        var body = SignedCommands.Command(caller.CallSid, "say", text: "Through Redis.", replyTo: replyTo).ToJsonString();

        var receivers = await redis.GetSubscriber().PublishAsync(RedisChannel.Literal("voice-server:call:" + caller.CallSid), Wrapped(body));

        Assert.Equal(1, receivers);
        var message = (string)(await acks.ReadAsync(harness.Token)).Message!;
        var separator = message.IndexOf('\n', StringComparison.Ordinal);
        var ack = message[(separator + 1)..];
        Assert.Equal(SignedCommands.Sign(ack, purpose: "ack"), message[..separator]);
        var parsed = JsonNode.Parse(ack)!;
        Assert.Equal("accepted", (string?)parsed["outcome"]);
        Assert.Equal(caller.CallSid, (string?)parsed["callSid"]);
        Assert.Equal((string?)JsonNode.Parse(body)!["id"], (string?)parsed["id"]);
        var request = await model.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("Through Redis.", (string?)request["response"]!["instructions"], StringComparison.Ordinal);
        TestRedis.AssertNeverLogged(harness.Server.Logs, TestRedis.Password);
    }

    [Fact]
    public async Task UnsignedCommand_OnTheCallsChannel_NothingHappens_NoAck()
    {
        await using var harness = await StartAsync();
        var (caller, model) = await StartBoundCallAsync(harness);
        await using var redis = await TestRedis.ConnectAsync();
        var body = SignedCommands.Command(caller.CallSid, "hangup", replyTo: "voice-server:command-replies:x" + Guid.NewGuid().ToString("N")).ToJsonString();

        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal("voice-server:call:" + caller.CallSid), Wrapped(body, signature: "v1=" + new string('0', 64)));

        await harness.Server.Logs.WaitForAsync(e => e.EventName == "CommandRefused", harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.EventName == "OperatorCommand");
    }

    [Fact]
    public async Task AfterTheCallEnds_NoInstanceHoldsItsChannel()
    {
        await using var harness = await StartAsync();
        var (caller, _) = await StartBoundCallAsync(harness);
        await using var redis = await TestRedis.ConnectAsync();
        var channel = RedisChannel.Literal("voice-server:call:" + caller.CallSid);

        await caller.SendStopAsync(harness.Token);
        await harness.Server.WaitForNoCallsAsync(harness.Token);
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Unsubscribed" && e.Message.Contains(caller.CallSid, StringComparison.Ordinal), harness.Token);

        Assert.Equal(0, await redis.GetSubscriber().PublishAsync(channel, "anything"));
    }
}
