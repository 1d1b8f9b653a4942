using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Calls;
using VoiceServer.Core.Tests.Diagnostics;
using VoiceServer.Diagnostics;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

/// <summary>
/// Replacing a lost model session when the provider keeps refusing: each retry waits a jittered delay (Polly's
/// exponential backoff with jitter, drawn from the injected randomiser) on the call's clock, never longer than the cap.
/// </summary>
public sealed class ReconnectBackoffTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));
    private readonly InMemoryCallerLeg _caller = new();
    private readonly InMemoryModelConnector _connector = new();
    private readonly TimerRecordingTimeProvider _time = new();
    private readonly RetryLog _log = new();

    public void Dispose() => _timeout.Dispose();

    private CallSession CreateSession(Func<double> jitter) => new(
        "test-call",
        _caller,
        _connector,
        new CallSessionOptions { ReconnectJitter = jitter, ModelSessionCap = null },
        _time,
        _log,
        new VoiceServerMetrics(new TestMeterFactory()));

    [Fact]
    public async Task ReplacementRefused_EachRetryWaitsAJitteredDelayOnTheCallsClock_UpToTheCap()
    {
        var draws = 0;
        var session = CreateSession(() =>
        {
            draws++;
            return 0.9;
        });
        var (run, first) = await InMemoryCall.StartUntilReadyAsync(session, _caller, _connector, _timeout.Token);
        Assert.Equal(1, await _connector.NextAttemptAsync(_timeout.Token));

        _connector.RefuseWithStatus = 503;
        first.Drop(new LegCompletion(LegCompletionKind.ConnectionLost));

        var delays = new List<TimeSpan>();
        for (var retry = 1; retry <= 3; retry++)
        {
            Assert.Equal(retry + 1, await _connector.NextAttemptAsync(_timeout.Token));
            var delay = await _log.NextRetryDelayAsync(_timeout.Token);
            delays.Add(delay);
            // The wait is a timer on the call's clock, of the delay the log announced: advancing it brings the next attempt.
            var due = await _time.NextTimerAsync(d => (d - delay).Duration() < TimeSpan.FromMilliseconds(1), _timeout.Token);
            if (retry == 3)
            {
                _connector.RefuseWithStatus = null;
            }

            _time.Advance(due);
        }

        Assert.Equal(5, await _connector.NextAttemptAsync(_timeout.Token));
        Assert.True(draws >= 3, $"the injected randomiser drew {draws} times");
        // Jittered: not the fixed 250 ms, 500 ms, 1 s of a plain doubling; and never past the 2 s cap.
        Assert.NotEqual(TimeSpan.FromMilliseconds(250), delays[0]);
        Assert.All(delays, delay => Assert.InRange(delay, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2)));
        Assert.True(delays[1] > delays[0], "the backoff grows");

        var replacement = await _connector.NextLegAsync(_timeout.Token);
        await replacement.SessionUpdate.WaitAsync(_timeout.Token);
        replacement.ConfirmMuLawSession();
        await _log.WaitForAsync("ModelSessionReplaced", _timeout.Token);
        _caller.Push(events => events.OnStop());
        Assert.Equal(CallEndReason.CallerStopped, (await run.WaitAsync(_timeout.Token)).Reason);
    }

    [Fact]
    public async Task DifferentDraws_DifferentDelays()
    {
        Assert.NotEqual(await FirstRetryDelayAsync(0.1), await FirstRetryDelayAsync(0.9));
    }

    private async Task<TimeSpan> FirstRetryDelayAsync(double draw)
    {
        var caller = new InMemoryCallerLeg();
        var connector = new InMemoryModelConnector();
        var log = new RetryLog();
        var session = new CallSession(
            "test-call",
            caller,
            connector,
            new CallSessionOptions { ReconnectJitter = () => draw, ModelSessionCap = null },
            new FakeTimeProvider(),
            log,
            new VoiceServerMetrics(new TestMeterFactory()));
        var (run, model) = await InMemoryCall.StartUntilReadyAsync(session, caller, connector, _timeout.Token);
        connector.RefuseWithStatus = 503;
        model.Drop(new LegCompletion(LegCompletionKind.ConnectionLost));

        var delay = await log.NextRetryDelayAsync(_timeout.Token);
        caller.Push(events => events.OnStop());
        await run.WaitAsync(_timeout.Token);
        return delay;
    }

    /// <summary>A fake clock that reports the due time of every timer created on it.</summary>
    private sealed class TimerRecordingTimeProvider : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> _created = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _created.Writer.TryWrite(dueTime);
            return timer;
        }

        public async Task<TimeSpan> NextTimerAsync(Func<TimeSpan, bool> match, CancellationToken cancellationToken)
        {
            while (true)
            {
                var due = await _created.Reader.ReadAsync(cancellationToken);
                if (match(due))
                {
                    return due;
                }
            }
        }
    }

    /// <summary>The session's log, read for its retry announcements ("retrying in {DelayMs} ms") and other events.</summary>
    private sealed class RetryLog : ILogger<CallSession>
    {
        private readonly Channel<TimeSpan> _retryDelays = Channel.CreateUnbounded<TimeSpan>();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _events = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name == "ModelSessionReplacementRetry" && state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                var delayMs = (long)values.First(pair => pair.Key == "DelayMs").Value!;
                _retryDelays.Writer.TryWrite(TimeSpan.FromMilliseconds(delayMs));
            }

            Event(eventId.Name ?? string.Empty).TrySetResult();
        }

        public ValueTask<TimeSpan> NextRetryDelayAsync(CancellationToken cancellationToken) => _retryDelays.Reader.ReadAsync(cancellationToken);

        public Task WaitForAsync(string eventName, CancellationToken cancellationToken) => Event(eventName).Task.WaitAsync(cancellationToken);

        private TaskCompletionSource Event(string name) =>
            _events.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
