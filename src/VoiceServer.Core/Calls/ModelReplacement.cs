using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace VoiceServer.Calls;

/// <summary>
/// Replacing the model session (docs/reference/barge-in-and-call-control.md §10): whether a replacement is under way,
/// how many unplanned ones the call has had (at most <see cref="CallSessionOptions.MaxReconnects"/>), and the retry
/// of attempts with Polly's exponential backoff with jitter on the call's clock until one switches, the call ends, or
/// <see cref="CallSessionOptions.ReconnectTimeout"/> passes. What an attempt does is the session's.
/// Not thread-safe: <see cref="TryBegin"/> and <see cref="Finish"/> are called in the call's order of events;
/// <see cref="RunAsync"/> touches none of its state.
/// </summary>
internal sealed class ModelReplacement(TimeProvider time, CallSessionOptions options, ILogger logger)
{
    private int _unplanned;

    /// <summary>A replacement has begun and neither took over nor was given up.</summary>
    public bool IsUnderWay { get; private set; }

    /// <summary>Begins a replacement; false when it would be one unplanned replacement too many (a recycle is planned).</summary>
    public bool TryBegin(RecoveryCause cause)
    {
        if (cause is not (RecoveryCause.Recycle or RecoveryCause.Handoff) && ++_unplanned > options.MaxReconnects)
        {
            return false;
        }

        IsUnderWay = true;
        return true;
    }

    /// <summary>The replacement took over, or the old session stays.</summary>
    public void Finish() => IsUnderWay = false;

    /// <summary>
    /// Runs <paramref name="attempt"/> (given its number, from 1, and the replacement's deadline) until it returns
    /// anything but <see cref="ReplacementAttempt.Failed"/> with the problem it met, or the deadline passes.
    /// </summary>
    public async Task<ReplacementResult> RunAsync(
        Func<int, CancellationToken, Task<(ReplacementAttempt Outcome, string? Problem)>> attempt,
        CancellationToken callToken)
    {
        var attempts = 0;
        var problem = "no attempt";
        using var deadline = new CancellationTokenSource(options.ReconnectTimeout, time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, callToken);
        var retries = new RetryStrategyOptions<ReplacementAttempt>
        {
            ShouldHandle = static arguments => ValueTask.FromResult(arguments.Outcome.Result == ReplacementAttempt.Failed),
            // The budget's deadline, not a count, ends the attempts.
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.ReconnectRetryDelay,
            MaxDelay = options.ReconnectMaxRetryDelay,
            OnRetry = arguments =>
            {
                CallSession.Log.ModelSessionReplacementRetry(logger, attempts, problem, (long)arguments.RetryDelay.TotalMilliseconds);
                return ValueTask.CompletedTask;
            },
        };
        if (options.ReconnectJitter is { } jitter)
        {
            retries.Randomizer = jitter;
        }

        var retry = new ResiliencePipelineBuilder<ReplacementAttempt> { TimeProvider = time }.AddRetry(retries).Build();
        ReplacementAttempt outcome;
        try
        {
            outcome = await retry.ExecuteAsync(
                async token =>
                {
                    var (result, failure) = await attempt(++attempts, token);
                    problem = failure ?? problem;
                    return result;
                },
                budget.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            // The deadline passed (or the call ended) during a wait between attempts.
            outcome = ReplacementAttempt.FailedForGood;
        }

        return new ReplacementResult(outcome, attempts, problem);
    }

    /// <summary>The cause as a log value and metric tag.</summary>
    public static string ToName(RecoveryCause cause) => cause switch
    {
        RecoveryCause.Dropped => "dropped",
        RecoveryCause.SessionCap => "session_cap",
        RecoveryCause.ServerError => "server_error",
        RecoveryCause.Handoff => "handoff",
        _ => "recycle",
    };
}
