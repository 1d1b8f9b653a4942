using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceServer.Calls;
using VoiceServer.Conversation;
using VoiceServer.Diagnostics;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Diagnostics;

/// <summary>
/// The per-frame path of a whole call session (caller media in, agent audio out, marks sent and returned) with a tracer recording
/// every call span: the spans are per turn, so once a response's first audio has been traced, its frames and the
/// caller's allocate nothing. The legs here record nothing, so the bytes counted are the session's own.
/// </summary>
public sealed class TracedFrameAllocationTests : IDisposable
{
    private const int Frames = 200;

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));
    private readonly List<Activity> _stopped = [];
    private readonly ActivityListener _listener;

    public TracedFrameAllocationTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == CallTracing.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (_stopped)
                {
                    _stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task FramesBothWays_WithTheCallTraced_AllocateNothing()
    {
        var caller = new QuietCallerLeg();
        var model = new QuietModelLeg();
        var session = new CallSession("traced-call", caller, new QuietConnector(model), new CallSessionOptions(), TimeProvider.System, NullLogger<CallSession>.Instance, new VoiceServerMetrics(new TestMeterFactory()));
        var run = session.RunAsync(new Dictionary<string, string>(), new PlainCallConfigurationResolver(new CallResolutionRules()), CancellationToken.None);
        var callerEvents = await caller.Events.Task.WaitAsync(_timeout.Token);
        callerEvents.OnStart(new CallerStart("MZ1", "CA1", "AC1", "audio/x-mulaw", 8000, 1, new Dictionary<string, string> { ["agentId"] = "a", ["openAIKey"] = "sk-test" }));
        var modelEvents = await model.Events.Task.WaitAsync(_timeout.Token);
        await model.SessionUpdate.Task.WaitAsync(_timeout.Token);
        modelEvents.OnSessionUpdated(new ModelSessionState(true, true, "audio/pcmu", "audio/pcmu", "alloy", true));
        await session.Ready.WaitAsync(_timeout.Token);

        // 20 ms of μ-law each way, base64; the response's span and its first audio are traced before counting.
        var frame = "//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////"u8.ToArray();
        var responseId = "resp_1";
        var itemId = "item_1";
        modelEvents.OnResponseCreated(responseId);
        modelEvents.OnAudioDelta(responseId, itemId, 0, frame);
        callerEvents.OnMark(caller.LastMark);
        callerEvents.OnMedia(frame, 0);

        // Each delta's mark comes back played, as Twilio returns them: nothing waits in the playback tracker.
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i <= Frames; i++)
        {
            modelEvents.OnAudioDelta(responseId, itemId, 0, frame);
            callerEvents.OnMark(caller.LastMark);
        }

        var agentAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i <= Frames; i++)
        {
            callerEvents.OnMedia(frame, i * 20);
        }

        var callerAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((0L, 0L), (agentAllocated, callerAllocated));
        Assert.Equal(Frames + 1, caller.AudioSent);
        Assert.Equal(Frames + 1, model.AudioAppended);

        modelEvents.OnResponseDone(responseId, "completed", null, null);
        callerEvents.OnStop();
        await run.WaitAsync(_timeout.Token);
        lock (_stopped)
        {
            Assert.Contains(_stopped, span => span.OperationName == CallTracing.CallSpan && span.TraceId != default);
            Assert.Single(_stopped, span => span.OperationName == CallTracing.ResponseSpan && span.GetTagItem(CallTracing.FirstAudioAttribute) is not null);
        }
    }


    private sealed class QuietConnector(QuietModelLeg leg) : IModelConnector
    {
        public Task<IModelLeg> ConnectAsync(ModelConnectRequest request, CancellationToken cancellationToken) => Task.FromResult<IModelLeg>(leg);
    }

    /// <summary>Hands its events to the test, which calls them on its own thread; sends succeed and are only counted.</summary>
    private sealed class QuietCallerLeg : ICallerLeg
    {
        private readonly TaskCompletionSource<LegCompletion> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly byte[] _mark = new byte[64];
        private int _markLength;

        public TaskCompletionSource<ICallerEvents> Events { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int AudioSent { get; private set; }

        public Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken)
        {
            Events.TrySetResult(events);
            return _done.Task;
        }

        public Task RunSendLoopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public bool TrySendAudio(ReadOnlySpan<byte> base64Audio)
        {
            AudioSent++;
            return true;
        }

        /// <summary>The last mark sent, kept in a buffer of its own so returning it allocates nothing.</summary>
        public ReadOnlySpan<byte> LastMark => _mark.AsSpan(0, _markLength);

        public bool TrySendMark(ReadOnlySpan<byte> name)
        {
            name.CopyTo(_mark);
            _markLength = name.Length;
            return true;
        }

        public bool TrySendClear() => true;

        public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
        {
            _done.TrySetResult(new LegCompletion(LegCompletionKind.Cancelled));
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class QuietModelLeg : IModelLeg
    {
        private readonly TaskCompletionSource<LegCompletion> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<IModelEvents> Events { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SessionUpdate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int AudioAppended { get; private set; }

        public Task<LegCompletion> RunReceiveLoopAsync(IModelEvents events, CancellationToken cancellationToken)
        {
            Events.TrySetResult(events);
            return _done.Task;
        }

        public Task RunSendLoopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public bool TryUpdateSession(ModelSessionRequest request, string eventId) => SessionUpdate.TrySetResult() || true;

        public bool TryAppendAudio(ReadOnlySpan<byte> base64Audio)
        {
            AudioAppended++;
            return true;
        }

        public bool TryTruncate(string itemId, int contentIndex, int audioEndMs) => true;

        public bool TryCancelResponse() => true;

        public bool TryCreateResponse(string? instructions) => true;

        public bool TryAddConversationItem(Speaker speaker, string text) => true;

        public bool TryAddFunctionOutput(string toolCallId, string output) => true;

        public bool TryAddSystemMessage(string text) => true;

        public bool TryCreateOutOfBandResponse(string instructions, string purpose, string eventId) => true;

        public bool TryDeleteItem(string itemId, string eventId) => true;

        public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
        {
            _done.TrySetResult(new LegCompletion(LegCompletionKind.Cancelled));
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
