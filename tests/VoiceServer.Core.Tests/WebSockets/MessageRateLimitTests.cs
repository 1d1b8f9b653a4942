using Microsoft.Extensions.Time.Testing;
using VoiceServer.WebSockets;

namespace VoiceServer.Core.Tests.WebSockets;

public sealed class MessageRateLimitTests
{
    [Fact]
    public void Burst_ThenRefillAtTheRate()
    {
        var time = new FakeTimeProvider();
        var limit = new MessageRateLimit(perSecond: 50, burst: 100, time);

        Assert.All(Enumerable.Range(0, 100), _ => Assert.True(limit.TryTake()));
        Assert.False(limit.TryTake());

        time.Advance(TimeSpan.FromMilliseconds(100)); // 5 more tokens
        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(limit.TryTake()));
        Assert.False(limit.TryTake());

        time.Advance(TimeSpan.FromHours(1)); // never more than the burst
        Assert.Equal(100, Enumerable.Range(0, 200).Count(_ => limit.TryTake()));
    }

    [Fact]
    public void TwilioPace_NeverLimited()
    {
        var time = new FakeTimeProvider();
        var limit = new MessageRateLimit(perSecond: 250, burst: 2500, time);

        // A minute of Twilio: 50 media and 10 marks a second.
        for (var i = 0; i < 60 * 60; i++)
        {
            Assert.True(limit.TryTake());
            time.Advance(TimeSpan.FromMilliseconds(1000.0 / 60));
        }
    }
}
