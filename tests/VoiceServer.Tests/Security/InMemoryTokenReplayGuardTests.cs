using Microsoft.Extensions.Time.Testing;
using VoiceServer.Security;

namespace VoiceServer.Tests.Security;

public sealed class InMemoryTokenReplayGuardTests
{
    private static readonly DateTimeOffset s_start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SameId_FirstThenReplay_OtherIdsUnaffected()
    {
        var guard = new InMemoryTokenReplayGuard(new FakeTimeProvider(s_start));
        var expiresAt = s_start.AddMinutes(5);

        Assert.Equal(TokenUse.First, await guard.UseAsync("a", expiresAt, CancellationToken.None));
        Assert.Equal(TokenUse.Replay, await guard.UseAsync("a", expiresAt, CancellationToken.None));
        Assert.Equal(TokenUse.First, await guard.UseAsync("b", expiresAt, CancellationToken.None));
    }

    [Fact]
    public async Task Id_RememberedUntilItsExpiry_SweptAfter()
    {
        var time = new FakeTimeProvider(s_start);
        var guard = new InMemoryTokenReplayGuard(time);
        var expiresAt = s_start.AddMinutes(5);
        await guard.UseAsync("a", expiresAt, CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TokenUse.Replay, await guard.UseAsync("a", expiresAt, CancellationToken.None));

        time.Advance(TimeSpan.FromMilliseconds(1));
        await guard.UseAsync("b", s_start.AddMinutes(10), CancellationToken.None);
        Assert.Equal(1, guard.Count);
    }

    [Fact]
    public async Task ExpiredIds_SweptAtTheNextUse_MemoryStaysBounded()
    {
        var time = new FakeTimeProvider(s_start);
        var guard = new InMemoryTokenReplayGuard(time);
        for (var i = 0; i < 1000; i++)
        {
            await guard.UseAsync($"id-{i}", s_start.AddMinutes(1 + (i % 3)), CancellationToken.None);
        }

        time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        await guard.UseAsync("late", s_start.AddMinutes(10), CancellationToken.None);

        // Those expiring at +1 and +2 minutes are gone; those at +3 and the new one stay.
        Assert.Equal(333 + 1, guard.Count);
    }

    [Fact]
    public async Task ConcurrentUsesOfOneId_ExactlyOneFirst()
    {
        var guard = new InMemoryTokenReplayGuard(new FakeTimeProvider(s_start));
        using var start = new ManualResetEventSlim();

        var uses = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await guard.UseAsync("same", s_start.AddMinutes(5), CancellationToken.None);
        })).ToArray();
        start.Set();

        var results = await Task.WhenAll(uses);
        Assert.Single(results, static use => use == TokenUse.First);
        Assert.Equal(15, results.Count(static use => use == TokenUse.Replay));
    }
}
