using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class ModelReplacementTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly CallSessionOptions _options = new()
    {
        MaxReconnects = 2,
        ReconnectTimeout = TimeSpan.FromSeconds(10),
        // No waits between attempts: the clock moves only when a test moves it.
        ReconnectRetryDelay = TimeSpan.Zero,
    };

    private ModelReplacement Create() => new(_time, _options, NullLogger.Instance);

    [Fact]
    public void TryBegin_UnplannedReplacementsAreCounted_RecyclesAreNot()
    {
        var replacement = Create();

        Assert.True(replacement.TryBegin(RecoveryCause.Dropped));
        Assert.True(replacement.IsUnderWay);
        replacement.Finish();
        Assert.False(replacement.IsUnderWay);
        Assert.True(replacement.TryBegin(RecoveryCause.SessionCap));
        replacement.Finish();
        Assert.True(replacement.TryBegin(RecoveryCause.Recycle));
        replacement.Finish();

        Assert.False(replacement.TryBegin(RecoveryCause.ServerError));
        Assert.False(replacement.IsUnderWay);
        Assert.True(replacement.TryBegin(RecoveryCause.Recycle));
    }

    [Fact]
    public async Task FailedThenSwitched_TwoAttempts()
    {
        var result = await Create().RunAsync(
            (attempt, _) => Task.FromResult(attempt == 1 ? (ReplacementAttempt.Failed, (string?)"refused with 503") : (ReplacementAttempt.Switched, null)),
            CancellationToken.None);

        Assert.Equal(new ReplacementResult(ReplacementAttempt.Switched, 2, "refused with 503"), result);
    }

    [Fact]
    public async Task FailedForGood_NoFurtherAttempt()
    {
        var result = await Create().RunAsync(
            (_, _) => Task.FromResult((ReplacementAttempt.FailedForGood, (string?)"refused with 401")),
            CancellationToken.None);

        Assert.Equal(new ReplacementResult(ReplacementAttempt.FailedForGood, 1, "refused with 401"), result);
    }

    [Fact]
    public async Task DeadlinePassed_GivesUpWithTheLastProblem()
    {
        var result = await Create().RunAsync(
            (_, token) =>
            {
                _time.Advance(_options.ReconnectTimeout);
                return Task.FromResult((token.IsCancellationRequested ? ReplacementAttempt.FailedForGood : ReplacementAttempt.Failed, (string?)"no answer"));
            },
            CancellationToken.None);

        Assert.Equal(new ReplacementResult(ReplacementAttempt.FailedForGood, 1, "no answer"), result);
    }

    [Theory]
    [InlineData(0, "dropped")]
    [InlineData(1, "session_cap")]
    [InlineData(2, "server_error")]
    [InlineData(3, "recycle")]
    public void ToName_TheMetricTag(int cause, string name) => Assert.Equal(name, ModelReplacement.ToName((RecoveryCause)cause));
}
