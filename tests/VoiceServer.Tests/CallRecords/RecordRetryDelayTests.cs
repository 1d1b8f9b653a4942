using VoiceServer.CallRecords;

namespace VoiceServer.Tests.CallRecords;

/// <summary>
/// What docs/configuration.md promises for <c>CALL_EVENTS_RETRY_DELAY_MS</c>: the first retry waits about that long,
/// each later one twice as long as the one before, each ±20 % at random, so a later retry never comes sooner.
/// </summary>
public sealed class RecordRetryDelayTests
{
    private static readonly TimeSpan s_first = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(0, 1_000)]
    [InlineData(1, 2_000)]
    [InlineData(4, 16_000)]
    [InlineData(5, 32_000)]
    // The doubling stops at a minute.
    [InlineData(6, 60_000)]
    [InlineData(18, 60_000)]
    public void Spread_IsTwentyPercentEitherSideOfTheDoubledDelay(int retry, int nominalMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(nominalMs * 0.8), RecordRetryDelay.For(retry, s_first, random: 0));
        Assert.Equal(TimeSpan.FromMilliseconds(nominalMs), RecordRetryDelay.For(retry, s_first, random: 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(nominalMs * 1.2), RecordRetryDelay.For(retry, s_first, random: 1));
    }

    [Fact]
    public void ManySamples_EachWithinItsBounds_AndNoLaterRetrySoonerThanAnEarlierOne()
    {
        var random = new Random(20_240_611);
        var first = TimeSpan.FromMilliseconds(250);
        var longestSoFar = TimeSpan.Zero;
        for (var retry = 0; retry < 8; retry++)
        {
            var nominal = first * Math.Pow(2, retry);
            var samples = Enumerable.Range(0, 10_000).Select(_ => RecordRetryDelay.For(retry, first, random.NextDouble())).ToList();

            Assert.All(samples, delay => Assert.InRange(delay, nominal * 0.8, nominal * 1.2));
            Assert.True(samples.Min() > longestSoFar, $"retry {retry} could come sooner ({samples.Min()}) than an earlier one ({longestSoFar})");
            longestSoFar = samples.Max();
        }
    }

    [Fact]
    public void NoDelayConfigured_RetriesAtOnce()
    {
        Assert.Equal(TimeSpan.Zero, RecordRetryDelay.For(3, TimeSpan.Zero, random: 0.7));
    }
}
