using System.ClientModel;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Security;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// Works the queue of analyses: takes each due row, asks the model, and stores the answer, or schedules the next
/// attempt (doubling waits, capped), or gives up with the reason. Woken by a new record and by a timer for the next
/// due row (on <see cref="ClockKey"/>'s <see cref="TimeProvider"/>, so tests drive the backoff in virtual time), and by
/// a poll for rows another instance queued. A row survives any stop: a restart, or another instance, takes it again.
/// </summary>
internal sealed partial class AnalysisWorker(
    AnalysisStore store,
    AgentStore agents,
    KeyProtector keys,
    CallAnalyzer analyzer,
    AnalysisSignal signal,
    IOptions<AnalysisOptions> options,
    [FromKeyedServices(AnalysisWorker.ClockKey)] TimeProvider timeProvider,
    ILogger<AnalysisWorker> logger) : BackgroundService
{
    /// <summary>The keyed <see cref="TimeProvider"/> the worker's waits and the queue's times run on.</summary>
    public const string ClockKey = "analysis";

    /// <summary>An answer that does not match the schema is asked for once more, then the analysis is an error.</summary>
    private const int MaxInvalidAnswers = 2;

    private readonly AnalysisOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.AnalysisWorkerStarted(logger, _options.Model);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await store.ClaimAsync(_options.Lease, stoppingToken) is { } claimed)
                {
                    await WorkAsync(claimed, stoppingToken);
                    continue;
                }

                var now = timeProvider.GetUtcNow();
                var wait = await store.NextDueAsync(stoppingToken) is { } due && due - now < _options.PollInterval
                    ? due > now ? due - now : TimeSpan.Zero
                    : _options.PollInterval;
                await signal.WaitAsync(wait, timeProvider, () => Log.AnalysisWaiting(logger, (long)wait.TotalMilliseconds), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // The database is away (a restart, a failover): the rows wait in it; try again after a poll interval.
                Log.AnalysisQueueUnavailable(logger, ex.GetType().Name);
                await Task.Delay(_options.PollInterval, timeProvider, stoppingToken).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task WorkAsync(ClaimedAnalysis claimed, CancellationToken stoppingToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["CallId"] = claimed.CallId, ["AgentId"] = claimed.AgentId });
        var finished = false;
        try
        {
            await AnalyseAsync(claimed, stoppingToken);
            finished = true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not System.Data.Common.DbException)
        {
            // A fault of this analysis (a library's, a bug) must not stop the worker, nor the app with it: the row is
            // retried like an outage, and given up with the fault's type. Only the type: a message may quote a key.
            Log.AnalysisFaulted(logger, claimed.CallId, ex.GetType().FullName ?? ex.GetType().Name);
            await RetryOrFailAsync(claimed, $"unexpected error ({ex.GetType().Name})", claimed.InvalidAnswers, stoppingToken);
            finished = true;
        }
        finally
        {
            if (!finished && stoppingToken.IsCancellationRequested)
            {
                // Stopping mid-request: the attempt does not count, and the row is free at once for whoever runs next.
                await store.ReleaseAsync(claimed.CallId, CancellationToken.None);
                Log.AnalysisReleased(logger, claimed.CallId);
            }
        }
    }

    private async Task AnalyseAsync(ClaimedAnalysis claimed, CancellationToken stoppingToken)
    {
        var plan = AnalysisPlan.FromJson(claimed.PlanJson);
        var recordJson = await store.RecordJsonAsync(claimed.CallId, stoppingToken);
        if (plan is null || recordJson is null)
        {
            await FailAsync(claimed, "the call's record or its analysis plan is no longer stored", claimed.InvalidAnswers, stoppingToken);
            return;
        }

        if (await KeyForAsync(claimed.AgentId, stoppingToken) is not { } apiKey)
        {
            await FailAsync(claimed, "no OpenAI key: the agent has no key of its own and ANALYSIS_OPENAI_API_KEY is not set", claimed.InvalidAnswers, stoppingToken);
            return;
        }

        using var record = JsonDocument.Parse(recordJson);
        var request = AnalysisRequest.For(plan, record.RootElement);
        string? answer;
        using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            attempt.CancelAfter(_options.RequestTimeout);
            try
            {
                answer = await analyzer.AskAsync(apiKey, request, attempt.Token);
            }
            catch (ClientResultException ex) when (IsFinal(ex.Status))
            {
                // The reason names the status only: an API's error text can quote the key it was given.
                await FailAsync(claimed, $"the analysis API refused the request (HTTP {ex.Status})", claimed.InvalidAnswers, stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException || (ex is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                var reason = ex switch
                {
                    ClientResultException { Status: > 0 } api => $"the analysis API answered HTTP {api.Status}",
                    OperationCanceledException => $"the analysis API did not answer within {_options.RequestTimeout.TotalSeconds:0} s",
                    _ => $"the analysis API could not be reached ({ex.GetType().Name})",
                };
                await RetryOrFailAsync(claimed, reason, claimed.InvalidAnswers, stoppingToken);
                return;
            }
        }

        if (request.TryReadAnswer(answer, out var result, out var passed, out var problem))
        {
            await store.CompleteAsync(claimed.CallId, result, passed, CancellationToken.None);
            Log.AnalysisCompleted(logger, claimed.CallId, claimed.Attempt, passed);
            return;
        }

        var invalid = claimed.InvalidAnswers + 1;
        var why = answer is null ? "the model refused to answer" : problem;
        if (invalid >= MaxInvalidAnswers)
        {
            await FailAsync(claimed, $"{why} (asked twice)", invalid, stoppingToken);
            return;
        }

        // Asked again at once: a second sample of the same request, not an outage to wait out.
        await store.RetryLaterAsync(claimed.CallId, timeProvider.GetUtcNow(), why, invalid, CancellationToken.None);
        Log.AnalysisInvalidAnswer(logger, claimed.CallId, why);
    }

    private async Task RetryOrFailAsync(ClaimedAnalysis claimed, string reason, int invalidAnswers, CancellationToken cancellationToken)
    {
        if (claimed.Attempt >= _options.MaxAttempts)
        {
            await FailAsync(claimed, $"{reason} (after {claimed.Attempt} attempts)", invalidAnswers, cancellationToken);
            return;
        }

        var next = timeProvider.GetUtcNow() + _options.BackoffAfter(claimed.Attempt);
        await store.RetryLaterAsync(claimed.CallId, next, reason, invalidAnswers, CancellationToken.None);
        Log.AnalysisRetryScheduled(logger, claimed.CallId, claimed.Attempt, reason, next);
    }

    private async Task FailAsync(ClaimedAnalysis claimed, string reason, int invalidAnswers, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        await store.FailAsync(claimed.CallId, reason, invalidAnswers, CancellationToken.None);
        Log.AnalysisFailed(logger, claimed.CallId, claimed.Attempt, reason);
    }

    /// <summary>The main app's analysis key when set, else the agent's own, decrypted as for its calls; null for neither.</summary>
    private async Task<string?> KeyForAsync(string agentId, CancellationToken cancellationToken)
    {
        if (_options.ApiKey is { } key)
        {
            return key;
        }

        if (!keys.IsConfigured || await agents.GetAsync(agentId, cancellationToken) is not { OpenAIKeyEncrypted: { } encrypted })
        {
            return null;
        }

        try
        {
            return keys.Unprotect(encrypted);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            // ENCRYPTION_KEY changed since the key was stored.
            return null;
        }
    }

    /// <summary>Refusals that the same request will meet again: a bad request, a wrong key, a model that does not exist.</summary>
    private static bool IsFinal(int status) => status is >= 400 and < 500 and not 408 and not 409 and not 429;

    private static partial class Log
    {
        [LoggerMessage(140, LogLevel.Information, "Post-call analysis worker started (model {Model}).")]
        public static partial void AnalysisWorkerStarted(ILogger logger, string model);

        [LoggerMessage(141, LogLevel.Information, "Analysis of call {CallId} completed on attempt {Attempt} (passed: {Passed}).")]
        public static partial void AnalysisCompleted(ILogger logger, string callId, int attempt, bool? passed);

        [LoggerMessage(142, LogLevel.Warning, "Analysis of call {CallId}, attempt {Attempt}, failed: {Reason}; next attempt at {NextAttemptAt:o}.")]
        public static partial void AnalysisRetryScheduled(ILogger logger, string callId, int attempt, string reason, DateTimeOffset nextAttemptAt);

        [LoggerMessage(143, LogLevel.Error, "Analysis of call {CallId} given up after attempt {Attempt}: {Reason}.")]
        public static partial void AnalysisFailed(ILogger logger, string callId, int attempt, string reason);

        [LoggerMessage(144, LogLevel.Warning, "Analysis of call {CallId}: {Reason}; asking once more.")]
        public static partial void AnalysisInvalidAnswer(ILogger logger, string callId, string reason);

        [LoggerMessage(145, LogLevel.Information, "Analysis of call {CallId} interrupted by shutdown: given back to the queue.")]
        public static partial void AnalysisReleased(ILogger logger, string callId);

        [LoggerMessage(146, LogLevel.Warning, "The analysis queue could not be read ({Error}); trying again shortly.")]
        public static partial void AnalysisQueueUnavailable(ILogger logger, string error);

        [LoggerMessage(148, LogLevel.Error, "Analysis of call {CallId} faulted ({ExceptionType}); it is retried like an outage.")]
        public static partial void AnalysisFaulted(ILogger logger, string callId, string exceptionType);

        [LoggerMessage(147, LogLevel.Debug, "Analysis worker idle for up to {DelayMs} ms.")]
        public static partial void AnalysisWaiting(ILogger logger, long delayMs);
    }
}
