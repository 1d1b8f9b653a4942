using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using VoiceServer.Security;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>
/// Signed configurations with used token ids in Redis (<c>REDIS_URL</c>): real voice-server instances on loopback
/// sharing the test command's Redis, so a token used on one instance is refused on every other.
/// </summary>
public sealed class SignedConfigRedisTests
{
    private static Task<CallHarness> StartAsync(string redisUrl, int timeoutSeconds = 20) => CallHarness.StartAsync(
        settings: new Dictionary<string, string?>
        {
            ["CONFIG_SIGNING_KEY"] = SignedConfigTests.SigningKey,
            ["OPENAI_API_KEY"] = SignedConfigTests.ServerKey,
            ["REDIS_URL"] = redisUrl,
        },
        timeoutSeconds: timeoutSeconds);

    private static Dictionary<string, string> Config(string token) => new() { ["config"] = token };

    private static async Task AssertRefusedAsync(CallHarness harness, string token, string reason)
    {
        var caller = await harness.ConnectAsync();
        await caller.SendStartAsync(Config(token), cancellationToken: harness.Token);
        var (status, description) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains(reason, description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenUsedOnOneInstance_RefusedOnTheOther_1008AlreadyUsed()
    {
        await using var first = await StartAsync(TestRedis.Url.ToString());
        await using var second = await StartAsync(TestRedis.Url.ToString());
        var token = SignedConfigTests.Token();
        var (caller, _) = await first.StartCallAsync(Config(token));
        await caller.SendStopAsync(first.Token);

        await AssertRefusedAsync(second, token, "already used");

        Assert.Equal(0, second.Realtime.UpgradeAttemptCount);
        Assert.Contains(second.Server.Logs.Entries, e => e.EventName == "ConfigTokenRefused" && e.Message.Contains("already used", StringComparison.Ordinal));
        TestRedis.AssertNeverLogged(first.Server.Logs, TestRedis.Password);
        TestRedis.AssertNeverLogged(second.Server.Logs, TestRedis.Password);
    }

    [Fact]
    public async Task FreshTokens_WorkOnEitherInstance()
    {
        await using var first = await StartAsync(TestRedis.Url.ToString());
        await using var second = await StartAsync(TestRedis.Url.ToString());

        await second.StartCallAsync(Config(SignedConfigTests.Token()));
        await first.StartCallAsync(Config(SignedConfigTests.Token()));
        await second.StartCallAsync(Config(SignedConfigTests.Token()));

        Assert.Equal(1, first.Realtime.ConnectionCount);
        Assert.Equal(2, second.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task ConfigurationString_SharesTheIdsWithTheUrlForm()
    {
        var configurationString = $"127.0.0.1:{TestRedis.Url.Port.ToString(CultureInfo.InvariantCulture)},password={TestRedis.Password}";
        await using var plain = await StartAsync(configurationString);
        await using var url = await StartAsync(TestRedis.Url.ToString());
        var token = SignedConfigTests.Token();

        await plain.StartCallAsync(Config(token));
        await AssertRefusedAsync(url, token, "already used");
        await AssertRefusedAsync(plain, token, "already used");

        TestRedis.AssertNeverLogged(plain.Server.Logs, TestRedis.Password);
    }

    [Fact]
    public async Task UsedTokenId_ExpiresInRedisWithTheToken()
    {
        await using var harness = await StartAsync(TestRedis.Url.ToString());
        var jti = Guid.NewGuid().ToString("N");
        var before = DateTimeOffset.UtcNow;

        await harness.StartCallAsync(Config(SignedConfigTests.Token(expiresIn: TimeSpan.FromMinutes(2), jti: jti)));

        await using var redis = await TestRedis.ConnectAsync();
        var database = redis.GetDatabase();
        var key = RedisTokenReplayGuard.KeyPrefix + jti;
        var ttl = await database.KeyTimeToLiveAsync(key).WaitAsync(harness.Token);
        // Kept for the token's lifetime (exp, in whole seconds) plus the 30 s of clock skew the server allows, less
        // the time the call took to set up: neither forever nor shorter than the token is accepted.
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(120 + 30 - 10), TimeSpan.FromSeconds(120 + 30));
        // The value is when it was used; nothing of the token is stored.
        var usedAt = DateTimeOffset.FromUnixTimeMilliseconds((long)await database.StringGetAsync(key).WaitAsync(harness.Token));
        Assert.InRange(usedAt, before.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
    }

    [Fact]
    public async Task RedisUnreachable_SignedCallRefused1008_ServerStaysHealthy()
    {
        var closedPort = ClosedPort();
        await using var harness = await StartAsync(TestRedis.UrlAtPort(closedPort));

        await AssertRefusedAsync(harness, SignedConfigTests.Token(), "the replay check is unavailable");
        await AssertRefusedAsync(harness, SignedConfigTests.Token(), "the replay check is unavailable");

        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
        var failure = await harness.Server.Logs.WaitForAsync(e => e.EventName == "ReplayCheckFailed", harness.Token);
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Contains($"127.0.0.1:{closedPort}", failure.Message, StringComparison.Ordinal);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "RedisUnreachable");
        using var http = new HttpClient();
        using var health = await http.GetAsync(harness.Server.HttpUrl("/health"), harness.Token);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"healthy\"", await health.Content.ReadAsStringAsync(harness.Token), StringComparison.Ordinal);
        TestRedis.AssertNeverLogged(harness.Server.Logs, TestRedis.Password);
    }

    [Fact]
    public async Task WrongPassword_SignedCallRefused_PasswordNeverLogged()
    {
        const string WrongPassword = "wrong-redis-password-0123456789";
        var url = $"redis://default:{WrongPassword}@127.0.0.1:{TestRedis.Url.Port.ToString(CultureInfo.InvariantCulture)}/0";
        await using var harness = await StartAsync(url);

        await AssertRefusedAsync(harness, SignedConfigTests.Token(), "the replay check is unavailable");

        await harness.Server.Logs.WaitForAsync(e => e.EventName == "ReplayCheckFailed", harness.Token);
        TestRedis.AssertNeverLogged(harness.Server.Logs, WrongPassword);
    }

    [Fact]
    public async Task RedisLost_LiveCallGoesOn_NewCallsRefused_UntilRedisIsBack()
    {
        await using var relay = TcpRelay.Start(TestRedis.EndPoint);
        await using var harness = await StartAsync(TestRedis.UrlAtPort(relay.Port), timeoutSeconds: 60);
        var (live, model) = await harness.StartCallAsync(Config(SignedConfigTests.Token()));

        await relay.CutAsync();
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "RedisUnreachable", harness.Token);

        await AssertRefusedAsync(harness, SignedConfigTests.Token(), "the replay check is unavailable");
        var refused = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("invalid_configuration", refused.Message, StringComparison.Ordinal);
        // The call that was already configured does not need Redis: audio still reaches the model.
        await live.SendAudioAsync(AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.WaitForEventAsync("input_audio_buffer.append", harness.Token);
        Assert.Single(harness.Server.Logs.CallEnds);

        relay.Restore();
        await harness.Server.WaitForLogCountAsync("RedisConnected", 2, harness.Token);
        await harness.StartCallAsync(Config(SignedConfigTests.Token()));

        await live.SendStopAsync(harness.Token);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token, count: 2);
        Assert.Contains("caller_stopped", end.Message, StringComparison.Ordinal);
        TestRedis.AssertNeverLogged(harness.Server.Logs, TestRedis.Password);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
