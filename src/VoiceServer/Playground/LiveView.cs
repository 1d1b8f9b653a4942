using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;
using VoiceServer.Calls;
using VoiceServer.Conversation;

namespace VoiceServer.Playground;

/// <summary>
/// One playground call's live view: what the call does, as Server-Sent Events for the page that placed it. Created
/// before the call (its id is the call's ticket), claimed by the media socket, read by one event stream. Events
/// queue in a bounded buffer: a page that stops reading loses old events, never slows the call.
/// </summary>
internal sealed class LiveView : ICallObserver
{
    // A few seconds of a busy call's turns and speech events; beyond that the oldest give way.
    private const int BufferedEvents = 512;

    private readonly Channel<SseItem<string>> _events = Channel.CreateBounded<SseItem<string>>(
        new BoundedChannelOptions(BufferedEvents) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly Action<LiveView> _onFinished;
    private int _claimed;
    private int _opened;
    private int _finished;

    public LiveView(string id, Action<LiveView> onFinished)
    {
        Id = id;
        _onFinished = onFinished;
        Write("call", new LiveCallEvent("waiting"), PlaygroundJsonContext.Default.LiveCallEvent);
    }

    /// <summary>Unguessable: knowing it is the right to join its call and to read its events.</summary>
    public string Id { get; }

    /// <summary>The timer that expires the view if no call claims it.</summary>
    public ITimer? Expiry { get; set; }

    /// <summary>The media socket takes the view for its call; only the first claim wins.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

    /// <summary>The page's event stream takes the view; only one reader.</summary>
    public bool TryOpen() => Interlocked.CompareExchange(ref _opened, 1, 0) == 0;

    public IAsyncEnumerable<SseItem<string>> ReadAllAsync(CancellationToken cancellationToken) => _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>The media socket was accepted for this view's call.</summary>
    public void OnConnected(string callId) => Write("call", new LiveCallEvent("connected", callId), PlaygroundJsonContext.Default.LiveCallEvent);

    /// <summary>The call never started: the upgrade was refused after the view was claimed, or the view expired unused.</summary>
    public void OnRefused(string reason, string detail) =>
        Finish(new LiveCallEvent("ended", Reason: reason, Detail: detail, DurationMs: 0));

    public void OnReady() => Write("call", new LiveCallEvent("ready"), PlaygroundJsonContext.Default.LiveCallEvent);

    public void OnSpeech(Speaker speaker, bool started) =>
        Write("speech", new LiveSpeechEvent(SpeakerName(speaker), started ? "started" : "stopped"), PlaygroundJsonContext.Default.LiveSpeechEvent);

    public void OnTurn(TranscriptTurn turn) => Write(
        "turn",
        new LiveTurnEvent(turn.ItemId, SpeakerName(turn.Speaker), turn.Text, turn.IsFinal, turn.Interrupted, turn.IsKeypad, turn.ResponseLatencyMs),
        PlaygroundJsonContext.Default.LiveTurnEvent);

    public void OnBargeIn(int count) => Write("bargein", new LiveBargeInEvent(count), PlaygroundJsonContext.Default.LiveBargeInEvent);

    public void OnEnded(CallEndReason reason, string detail, TimeSpan duration) =>
        Finish(new LiveCallEvent("ended", Reason: reason.ToName(), Detail: detail, DurationMs: (long)duration.TotalMilliseconds));

    private void Finish(LiveCallEvent ended)
    {
        if (Interlocked.Exchange(ref _finished, 1) == 1)
        {
            return;
        }

        Write("call", ended, PlaygroundJsonContext.Default.LiveCallEvent);
        _events.Writer.TryComplete();
        _onFinished(this);
    }

    private void Write<T>(string eventType, T payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        _events.Writer.TryWrite(new SseItem<string>(JsonSerializer.Serialize(payload, typeInfo), eventType));

    private static string SpeakerName(Speaker speaker) => speaker == Speaker.Caller ? "caller" : "agent";
}
