using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using VoiceServer.Diagnostics;
using VoiceServer.OpenAI;
using VoiceServer.Outbound;
using VoiceServer.Records;
using VoiceServer.Webhooks;

namespace VoiceServer.CallRecords;

/// <summary>
/// Delivers ended calls' records off the audio path: queued by the call's teardown, POSTed as JSON to the call's
/// <c>callbackUrl</c> or <c>CALL_EVENTS_URL</c>, signed (<see cref="WebhookSigner"/>), retried with doubling,
/// jittered delays (<see cref="RecordRetryDelay"/>) on network errors, timeouts, 408, 429 and 5xx. A record that
/// cannot be delivered (the destination refused it for good, redirected it, is on an address the outbound guard
/// refuses, the attempts ran out, the server is stopping) is named in the log by id and size (never its contents:
/// the transcript is the caller's speech) and kept in <c>CALL_EVENTS_UNDELIVERED_DIR</c> when one is set.
/// </summary>
internal sealed partial class CallRecordDispatcher : BackgroundService, ICallRecordSink
{
    public const string HttpClientName = "call-records";

    private const int MaxConcurrentDeliveries = 16;

    private readonly Channel<QueuedRecord> _queue = Channel.CreateBounded<QueuedRecord>(new BoundedChannelOptions(4096) { SingleReader = true });
    private readonly CancellationTokenSource _abort = new();
    private readonly IHttpClientFactory _httpClients;
    private readonly CallRecordOptions _options;
    private readonly string _defaultModel;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly WebhookSigner _signer;

    public CallRecordDispatcher(
        IHttpClientFactory httpClients,
        IOptions<CallRecordOptions> options,
        IOptions<RealtimeOptions> realtimeOptions,
        TimeProvider timeProvider,
        ILogger<CallRecordDispatcher> logger)
    {
        _httpClients = httpClients;
        _options = options.Value;
        _signer = new WebhookSigner(_options.SigningKey, timeProvider);
        _defaultModel = realtimeOptions.Value.Model;
        _time = timeProvider;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = static arguments => ValueTask.FromResult(IsTransient(arguments.Outcome)),
                MaxRetryAttempts = Math.Max(0, _options.MaxAttempts - 1),
                // Not Polly's UseJitter (decorrelated): with it a later retry may come sooner than an earlier one,
                // and the documented doubling would not hold.
                DelayGenerator = arguments => ValueTask.FromResult<TimeSpan?>(RecordRetryDelay.For(arguments.AttemptNumber, _options.RetryDelay, Random.Shared.NextDouble())),
                OnRetry = arguments =>
                {
                    var problem = arguments.Outcome.Result is { } response ? $"HTTP {(int)response.StatusCode}" : arguments.Outcome.Exception?.GetType().Name;
                    Log.DeliveryRetry(_logger, arguments.AttemptNumber + 1, problem, (long)arguments.RetryDelay.TotalMilliseconds);
                    arguments.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public void Submit(CallRecord record, ActivityContext callSpan)
    {
        record.Model ??= _defaultModel;
        // Each segment is priced at its own agent's model; the call costs their sum, unknown if any one's is.
        decimal? total = 0m;
        foreach (var segment in record.Segments)
        {
            segment.Model ??= _defaultModel;
            segment.EstimatedCostUsd = _options.Prices.Find(segment.Model) is { } price ? decimal.Round(price.Cost(segment.Usage), 6) : null;
            total += segment.EstimatedCostUsd;
        }

        record.EstimatedCostUsd = total;
        if (!_queue.Writer.TryWrite(new QueuedRecord(record, callSpan)))
        {
            Undeliverable(record, Serialize(record), "the delivery queue is full or closed");
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Calls have drained by now: let the deliveries in flight finish within the grace, then log what is left.
        _queue.Writer.TryComplete();
        if (ExecuteTask is { } running)
        {
            await Task.WhenAny(running, Task.Delay(_options.ShutdownGrace, _time, cancellationToken));
        }

        // Deliveries still in flight are aborted and log their records; wait for that, so none races the exit.
        await _abort.CancelAsync();
        if (ExecuteTask is { } stopping)
        {
            await stopping;
        }

        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(MaxConcurrentDeliveries);
        var deliveries = new HashSet<Task>();
        await foreach (var queued in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            await slots.WaitAsync(CancellationToken.None);
            var delivery = DeliverAsync(queued, slots);
            lock (deliveries)
            {
                deliveries.Add(delivery);
            }

            _ = delivery.ContinueWith(
                finished =>
                {
                    lock (deliveries)
                    {
                        deliveries.Remove(finished);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        Task[] remaining;
        lock (deliveries)
        {
            remaining = [.. deliveries];
        }

        await Task.WhenAll(remaining);
    }

    private async Task DeliverAsync(QueuedRecord queued, SemaphoreSlim slots)
    {
        var record = queued.Record;
        byte[] body = [];
        // Each attempt's POST is this span's child, and carries its traceparent to the receiver (this flow only).
        using var span = Activity.Current = queued.CallSpan == default
            ? null
            : CallTracing.Source.StartActivity(CallTracing.RecordDeliverySpan, ActivityKind.Internal, queued.CallSpan);
        span?.SetTag(CallTracing.CallIdAttribute, record.CallId);
        try
        {
            if ((record.CallbackUrl ?? _options.Url) is not { } destination)
            {
                Log.NoDestination(_logger, record.CallId);
                span?.SetTag(CallTracing.RecordOutcomeAttribute, "no_destination");
                return;
            }

            body = Serialize(record);
            var client = _httpClients.CreateClient(HttpClientName);
            using var response = await _retry.ExecuteAsync(
                static async (state, token) =>
                {
                    using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                    attemptTimeout.CancelAfter(state.Dispatcher._options.AttemptTimeout);
                    using var request = new HttpRequestMessage(HttpMethod.Post, state.Destination)
                    {
                        Content = new ByteArrayContent(state.Body) { Headers = { { "Content-Type", "application/json" } } },
                    };
                    // Signed per attempt: the timestamp is when this attempt left, for the receiver's replay window.
                    state.Dispatcher._signer.Sign(request, state.Body);

                    return await state.Client.SendAsync(request, attemptTimeout.Token);
                },
                (Dispatcher: this, Client: client, Destination: destination, Body: body),
                _abort.Token);

            var status = (int)response.StatusCode;
            span?.SetTag("http.response.status_code", status);
            if (response.IsSuccessStatusCode)
            {
                Log.Delivered(_logger, record.CallId, status);
                span?.SetTag(CallTracing.RecordOutcomeAttribute, "delivered");
            }
            else
            {
                Undeliverable(record, body, status is >= 300 and < 400
                    ? $"the receiver answered HTTP {status}, a redirect, which is not followed"
                    : $"the receiver answered HTTP {status}");
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            Undeliverable(record, body, "the server stopped before the record was delivered");
        }
        catch (HttpRequestException ex) when (OutboundAddressRefusedException.IsRefusal(ex))
        {
            Undeliverable(record, body, "its destination's address is not allowed, see OUTBOUND_ALLOWED_HOSTS");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            Undeliverable(record, body, $"the receiver could not be reached ({ex.GetType().Name})");
        }
        catch (Exception ex)
        {
            // Whatever failed, the record is not silently dropped.
            Undeliverable(record, body, $"delivery failed ({ex.GetType().Name})");
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>
    /// Marks the delivery span (the current activity of this delivery's flow) undelivered; the reason names no secret.
    /// </summary>
    private static void MarkUndelivered(string reason)
    {
        if (Activity.Current is { Source.Name: CallTracing.SourceName, OperationName: CallTracing.RecordDeliverySpan } span)
        {
            span.SetTag(CallTracing.RecordOutcomeAttribute, "undelivered");
            span.SetStatus(ActivityStatusCode.Error, reason);
        }
    }

    private readonly record struct QueuedRecord(CallRecord Record, ActivityContext CallSpan);

    private static byte[] Serialize(CallRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, CallRecordJsonContext.Default.CallRecord);

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        // A refused address stays refused: retrying would only repeat the refusal.
        { Exception: { } refused } when OutboundAddressRefusedException.IsRefusal(refused) => false,
        { Exception: HttpRequestException } => true,
        // A per-attempt timeout; the abort on shutdown is not retried.
        { Exception: OperationCanceledException } => true,
        { Result: { } response } => response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500,
        _ => false,
    };

    /// <summary>
    /// Only the record's id and size reach the log: its turns are what the caller said. The record itself is kept in
    /// <c>CALL_EVENTS_UNDELIVERED_DIR</c> when one is set, exactly as it would have been POSTed.
    /// </summary>
    private void Undeliverable(CallRecord record, byte[] body, string reason)
    {
        MarkUndelivered(reason);
        if (body.Length == 0)
        {
            body = Serialize(record);
        }

        if (_options.UndeliveredDirectory is not { } directory)
        {
            Log.Undelivered(_logger, record.CallId, reason, body.Length, "not kept: set CALL_EVENTS_UNDELIVERED_DIR to keep such records");
            return;
        }

        try
        {
            var path = UndeliveredRecordFile.Write(directory, record.CallId, body);
            Log.Undelivered(_logger, record.CallId, reason, body.Length, $"kept in {path}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.Undelivered(_logger, record.CallId, reason, body.Length, $"could not be kept in CALL_EVENTS_UNDELIVERED_DIR ({ex.GetType().Name}: {ex.Message})");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(600, LogLevel.Information, "Call record {CallId} delivered (HTTP {StatusCode}).")]
        public static partial void Delivered(ILogger logger, string callId, int statusCode);

        [LoggerMessage(601, LogLevel.Warning, "Call record delivery attempt {Attempt} failed ({Problem}); retrying in {DelayMs} ms.")]
        public static partial void DeliveryRetry(ILogger logger, int attempt, string? problem, long delayMs);

        /// <summary>The record's id and size, never its contents (the caller's words); where it was kept, if anywhere.</summary>
        [LoggerMessage(602, LogLevel.Error, "Call record {CallId} could not be delivered ({Reason}); {RecordBytes} bytes, {Kept}.")]
        public static partial void Undelivered(ILogger logger, string callId, string reason, int recordBytes, string kept);

        [LoggerMessage(603, LogLevel.Debug, "Call record {CallId} has no destination (no callbackUrl, no CALL_EVENTS_URL).")]
        public static partial void NoDestination(ILogger logger, string callId);
    }
}
