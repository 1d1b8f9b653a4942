using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using VoiceServer.Commands;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.LiveCalls;

namespace VoiceServer.MainApp.Outbound;

/// <summary>
/// Takes Twilio's answering-machine verdict to the voice-server instance holding the call: a signed
/// <c>answered_by</c> command through the live-call transport (the call's Redis channel, or <c>VOICE_SERVER_URL</c>).
/// A person's verdict can come within a second or two of the answer, while the call's stream is still being set up
/// and no instance holds the call yet: "not found" (and no answer at all) is retried with exponential backoff, each
/// attempt a new command, as a command's id is used once. Twilio's callback is answered at once, not held meanwhile.
/// </summary>
internal sealed partial class AnsweredByForwarder(ICallCommandSender sender, IOptions<MainAppOptions> options, TimeProvider time, ILogger<AnsweredByForwarder> logger) : IAsyncDisposable
{
    /// <summary>
    /// 0.25, 0.5, 1, then 2 s apart: about 12 s in all, well past a stream's set-up (the model's connection included),
    /// and within the voice server's own 45 s wait for a verdict.
    /// </summary>
    public const int MaxRetries = 8;

    private static readonly TimeSpan s_firstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_maxDelay = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    /// <summary>Whether verdicts can be sent at all: commands are signed with <c>CONFIG_SIGNING_KEY</c>.</summary>
    public bool IsConfigured => options.Value.CommandKey is not null;

    /// <summary>Starts delivering <paramref name="answeredBy"/> for <paramref name="callSid"/>; returns at once.</summary>
    public void Forward(string callSid, string answeredBy)
    {
        var delivery = DeliverAsync(callSid, answeredBy, _stopping.Token);
        _inFlight.TryAdd(delivery, 0);
        _ = delivery.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _), _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_inFlight.Keys);
        _stopping.Dispose();
    }

    private async Task DeliverAsync(string callSid, string answeredBy, CancellationToken cancellationToken)
    {
        var pipeline = new ResiliencePipelineBuilder<CallCommandAck?> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<CallCommandAck?>
            {
                ShouldHandle = new PredicateBuilder<CallCommandAck?>().HandleResult(static ack => ack is null || ack.Outcome == CallCommandOutcome.NotFound.ToName()),
                MaxRetryAttempts = MaxRetries,
                Delay = s_firstDelay,
                MaxDelay = s_maxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                OnRetry = arguments =>
                {
                    Log.Retrying(logger, callSid, arguments.AttemptNumber + 1, (long)arguments.RetryDelay.TotalMilliseconds, arguments.Outcome.Result?.Outcome ?? "no answer");
                    return default;
                },
            })
            .Build();
        try
        {
            var ack = await pipeline.ExecuteAsync(
                async token => await sender.SendAsync(
                    new CallCommand(Guid.NewGuid().ToString("N"), callSid, CallCommandActions.AnsweredBy, time.GetUtcNow().ToUnixTimeSeconds(), AnsweredBy: answeredBy),
                    token),
                cancellationToken);
            if (ack is not null && CallCommandOutcomes.TryParse(ack.Outcome, out var outcome) && outcome is CallCommandOutcome.Done or CallCommandOutcome.Accepted)
            {
                Log.Delivered(logger, callSid, answeredBy, ack.Detail);
            }
            else
            {
                Log.NotDelivered(logger, callSid, answeredBy, ack?.Outcome ?? "no answer", ack?.Detail ?? "no voice-server instance answered");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The app is stopping; the voice server's own wait for a verdict ends the silence.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(66, LogLevel.Information, "Answering-machine verdict for {CallSid} not taken yet ({Outcome}): attempt {Attempt} in {DelayMs} ms.")]
        public static partial void Retrying(ILogger logger, string callSid, int attempt, long delayMs, string outcome);

        [LoggerMessage(67, LogLevel.Information, "Answering-machine verdict {AnsweredBy} delivered for {CallSid}: {Detail}.")]
        public static partial void Delivered(ILogger logger, string callSid, string answeredBy, string detail);

        [LoggerMessage(68, LogLevel.Warning, "Answering-machine verdict {AnsweredBy} for {CallSid} not acted on ({Outcome}): {Detail}.")]
        public static partial void NotDelivered(ILogger logger, string callSid, string answeredBy, string outcome, string detail);
    }
}
