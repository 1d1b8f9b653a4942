using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Calls;

public sealed class SignedConfigTests
{
    internal const string SigningKey = "test-signing-key-0123456789abcdef0123456789";
    internal const string ServerKey = "sk-server-key-for-signed-calls";

    private static Task<CallHarness> StartAsync() => CallHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["CONFIG_SIGNING_KEY"] = SigningKey,
        ["OPENAI_API_KEY"] = ServerKey,
    });

    /// <summary>An HS256 JWT written by hand (independently of the server's library), as a main app would sign it.</summary>
    internal static string Token(string key = SigningKey, TimeSpan? expiresIn = null, string? jti = null, string? callSid = null, string audience = "voice-server")
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(expiresIn ?? TimeSpan.FromMinutes(5)).ToUnixTimeSeconds(),
            ["jti"] = jti ?? Guid.NewGuid().ToString("N"),
            ["agentId"] = "signed-agent",
            ["voice"] = "cedar",
            ["prompt"] = "Signed prompt.",
            ["temperature"] = 0.7,
        };
        if (callSid is not null)
        {
            payload["callSid"] = callSid;
        }

        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray());
        var body = Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes($"{header}.{body}")));
        return $"{header}.{body}.{signature}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public async Task ValidToken_ConfiguresTheCall_WithTheServerKey()
    {
        await using var harness = await StartAsync();

        var (_, model) = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = Token(), ["openAIKey"] = "sk-ignored", ["voice"] = "ash" });

        var session = model.SessionUpdates.Single()["session"]!;
        Assert.Equal("Signed prompt.", (string?)session["instructions"]);
        Assert.Equal("cedar", (string?)session["audio"]!["output"]!["voice"]);
        Assert.Equal("Bearer " + ServerKey, model.Headers["Authorization"]);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "CallConfigured" && e.Message.Contains("signed-agent", StringComparison.Ordinal));
    }

    public static TheoryData<string, string> BadTokens => new()
    {
        { Token(expiresIn: TimeSpan.FromMinutes(-10)), "expired" },
        { Token(key: "another-signing-key-0123456789abcdef0123"), "signature" },
        { Token(audience: "someone-else"), "audience" },
        { Token()[..^4] + "AAAA", "signature" },
        { Token(callSid: "CA-of-another-call"), "another call" },
        { "not-a-jwt", "invalid" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task BadToken_Close1008_ModelNeverContacted(string token, string reason)
    {
        await using var harness = await StartAsync();
        var caller = await harness.ConnectAsync();

        await caller.SendStartAsync(new Dictionary<string, string> { ["config"] = token }, cancellationToken: harness.Token);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains(reason, description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task PlainParametersWithoutToken_Refused()
    {
        await using var harness = await StartAsync();
        var caller = await harness.ConnectAsync();

        await caller.SendStartAsync(CallHarness.Parameters(), cancellationToken: harness.Token);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("signed config token is required", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayedToken_Refused()
    {
        await using var harness = await StartAsync();
        var token = Token();
        var (first, _) = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = token });
        await first.SendStopAsync(harness.Token);

        var replay = await harness.ConnectAsync();
        await replay.SendStartAsync(new Dictionary<string, string> { ["config"] = token }, cancellationToken: harness.Token);

        var (status, description) = await replay.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("already used", description, StringComparison.Ordinal);
        Assert.Equal(1, harness.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task TokenBoundToItsCall_Accepted()
    {
        await using var harness = await StartAsync();
        var options = new VoiceServer.TwilioEmulator.FakeTwilioCallerOptions { CallSid = "CA0123456789abcdef0123456789abcdef" };

        await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = Token(callSid: options.CallSid) }, options);
    }
}
