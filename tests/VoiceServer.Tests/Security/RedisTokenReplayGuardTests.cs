using Microsoft.Extensions.Logging.Abstractions;
using VoiceServer.Redis;
using VoiceServer.Security;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Security;

/// <summary>The Redis guard on its own against the test command's Redis (two guards: two instances' multiplexers).</summary>
public sealed class RedisTokenReplayGuardTests
{
    private static RedisTokenReplayGuard Guard()
    {
        Assert.True(RedisUrl.TryParse(TestRedis.Url.ToString(), out var options, out var problem), problem);
        return new RedisTokenReplayGuard(options, TimeProvider.System, NullLogger<RedisTokenReplayGuard>.Instance);
    }

    [Fact]
    public async Task ConcurrentUsesOfOneId_OverTwoConnections_ExactlyOneFirst()
    {
        using var timeout = TestTimeout.Create();
        await using var first = Guard();
        await using var second = Guard();
        var id = Guid.NewGuid().ToString("N");
        var expiresAt = DateTimeOffset.UtcNow.AddMinutes(1);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            (i % 2 == 0 ? first : second).UseAsync(id, expiresAt, timeout.Token).AsTask()));

        Assert.Single(results, static use => use == TokenUse.First);
        Assert.Equal(15, results.Count(static use => use == TokenUse.Replay));
    }

    [Fact]
    public async Task UsedId_KeptInRedisUntilExpiresAt()
    {
        using var timeout = TestTimeout.Create();
        await using var guard = Guard();
        var id = Guid.NewGuid().ToString("N");

        Assert.Equal(TokenUse.First, await guard.UseAsync(id, DateTimeOffset.UtcNow.AddSeconds(90), timeout.Token));

        await using var redis = await TestRedis.ConnectAsync();
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(RedisTokenReplayGuard.KeyPrefix + id).WaitAsync(timeout.Token);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(80), TimeSpan.FromSeconds(90));
    }
}
