using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceServer.Calls;
using VoiceServer.Core.Tests.Diagnostics;
using VoiceServer.Diagnostics;
using VoiceServer.Legs;
using VoiceServer.Records;

namespace VoiceServer.Core.Tests.Calls;

/// <summary>One model connection alone: set-up, the confirmation of the session, and how its end is classified.</summary>
public sealed class ModelConnectionTests : IModelConnectionEvents, IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));
    private readonly InMemoryModelConnector _connector = new();
    private readonly ModelConnection _connection;
    private readonly TaskCompletionSource<(RecoveryCause? Recovery, CallEndReason Reason)> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(CallEndReason Reason, string Detail)> _failures = [];
    private readonly List<string> _audio = [];
    private int _updates;

    public ModelConnectionTests()
    {
        var configuration = new CallConfiguration { AgentId = "agent", ApiKey = "sk-test", ApiKeyFromCall = false, Voice = "alloy" };
        _connection = new ModelConnection(
            this,
            _connector,
            new CallSessionOptions(),
            TimeProvider.System,
            NullLogger.Instance,
            new VoiceServerMetrics(new TestMeterFactory()),
            configuration,
            TimeProvider.System.GetTimestamp());
    }

    public void Dispose() => _timeout.Dispose();

    private async Task<(Task<bool> Ready, InMemoryModelLeg Leg, string EventId)> StartSetUpAsync()
    {
        var ready = _connection.SetUpAsync(_timeout.Token);
        var leg = await _connector.NextLegAsync(_timeout.Token);
        var eventId = await leg.SessionUpdate.WaitAsync(_timeout.Token);
        return (ready, leg, eventId);
    }

    [Fact]
    public async Task MuLawConfirmed_Ready()
    {
        var (ready, leg, eventId) = await StartSetUpAsync();
        Assert.Equal("voice_server_session_update_1", eventId);

        leg.ConfirmMuLawSession();

        Assert.True(await ready.WaitAsync(_timeout.Token));
        Assert.Null(_connection.Failure);
        Assert.True(_connection.ServerCancelsOnSpeech);
    }

    [Fact]
    public async Task OtherFormatConfirmed_FailsForGood()
    {
        var (ready, leg, _) = await StartSetUpAsync();

        leg.Push(events => events.OnSessionUpdated(new ModelSessionState(false, true, "audio/pcm", "audio/pcmu", "alloy", true)));

        Assert.False(await ready.WaitAsync(_timeout.Token));
        Assert.True(_connection.FailureIsPermanent);
        Assert.Equal(CallEndReason.ModelSessionRejected, Assert.Single(_failures).Reason);
    }

    [Fact]
    public async Task ErrorForTheUpdate_RejectedForGood()
    {
        var (ready, leg, eventId) = await StartSetUpAsync();

        leg.Push(events => events.OnError(new ModelError("invalid_request_error", "unknown_parameter", "bad", "session.x", eventId)));

        Assert.False(await ready.WaitAsync(_timeout.Token));
        Assert.True(_connection.FailureIsPermanent);
        Assert.Equal(CallEndReason.ModelSessionRejected, Assert.Single(_failures).Reason);
    }

    [Fact]
    public async Task RefusedWith401_FailsForGood()
    {
        _connector.RefuseWithStatus = 401;
        Assert.False(await _connection.SetUpAsync(_timeout.Token).WaitAsync(_timeout.Token));
        Assert.True(_connection.FailureIsPermanent);
        Assert.Equal(CallEndReason.ModelConnectFailed, Assert.Single(_failures).Reason);
    }

    [Theory]
    [InlineData(WebSocketCloseStatus.NormalClosure, null, CallEndReason.ModelClosed)]
    [InlineData(WebSocketCloseStatus.EndpointUnavailable, "SessionCap", CallEndReason.ModelClosed)]
    [InlineData(WebSocketCloseStatus.InternalServerError, "Dropped", CallEndReason.ModelFailed)]
    [InlineData(WebSocketCloseStatus.PolicyViolation, null, CallEndReason.ModelFailed)]
    public async Task ClosedByTheModel_ClassifiedByCloseCode(WebSocketCloseStatus status, string? recovery, CallEndReason reason)
    {
        var (ready, leg, _) = await StartSetUpAsync();
        leg.ConfirmMuLawSession();
        await ready.WaitAsync(_timeout.Token);

        leg.Drop(new LegCompletion(LegCompletionKind.ClosedByPeer, status));

        var lost = await _lost.Task.WaitAsync(_timeout.Token);
        Assert.Equal((recovery, reason), (lost.Recovery?.ToString(), lost.Reason));
    }

    [Fact]
    public async Task ConversationEvents_PassOnWithTheConnection()
    {
        var (ready, leg, _) = await StartSetUpAsync();
        leg.ConfirmMuLawSession();
        await ready.WaitAsync(_timeout.Token);

        leg.Push(events => events.OnAudioDelta("resp_1", "item_1", 0, "AAAA"u8));
        leg.Drop(new LegCompletion(LegCompletionKind.ConnectionLost));
        await _lost.Task.WaitAsync(_timeout.Token);

        Assert.Equal(["resp_1:item_1:AAAA"], _audio);
    }

    string IModelConnectionEvents.NextSessionUpdateEventId() => $"voice_server_session_update_{++_updates}";

    void IModelConnectionEvents.OnFailed(ModelConnection connection, CallEndReason reason, string detail) => _failures.Add((reason, detail));

    void IModelConnectionEvents.OnLost(ModelConnection connection, RecoveryCause? recovery, CallEndReason reason, string detail) =>
        _lost.TrySetResult((recovery, reason));

    void IModelConnectionEvents.OnClosed(ModelConnection connection)
    {
    }

    void IModelConnectionEvents.OnServerError(ModelConnection connection, string detail)
    {
    }

    void IModelConnectionEvents.OnSpeechStarted(ModelConnection connection)
    {
    }

    void IModelConnectionEvents.OnSpeechStopped(ModelConnection connection)
    {
    }

    void IModelConnectionEvents.OnResponseCreated(ModelConnection connection, string responseId)
    {
    }

    void IModelConnectionEvents.OnAudioDelta(ModelConnection connection, string responseId, string itemId, int contentIndex, ReadOnlySpan<byte> base64Audio)
    {
        Assert.Same(_connection, connection);
        _audio.Add($"{responseId}:{itemId}:{System.Text.Encoding.ASCII.GetString(base64Audio)}");
    }

    void IModelConnectionEvents.OnAudioDone(ModelConnection connection, string responseId, string itemId, int contentIndex)
    {
    }

    void IModelConnectionEvents.OnResponseDone(ModelConnection connection, string responseId, string status, string? errorType, ModelUsage? usage)
    {
    }

    void IModelConnectionEvents.OnOutOfBandResponseDone(ModelConnection connection, string responseId, string purpose, string status, string? text, ModelUsage? usage)
    {
    }

    void IModelConnectionEvents.OnRequestRefused(ModelConnection connection, string eventId)
    {
    }

    void IModelConnectionEvents.OnFunctionCall(ModelConnection connection, string responseId, string toolCallId, string name, string argumentsJson)
    {
    }

    void IModelConnectionEvents.OnInputCommitted(ModelConnection connection, string itemId)
    {
    }

    void IModelConnectionEvents.OnInputTranscript(ModelConnection connection, string itemId, string transcript)
    {
    }

    void IModelConnectionEvents.OnOutputTranscriptDelta(ModelConnection connection, string itemId, ReadOnlySpan<byte> utf8Text)
    {
    }

    void IModelConnectionEvents.OnOutputTranscriptDone(ModelConnection connection, string itemId, string transcript)
    {
    }

    void IModelConnectionEvents.OnItemAdded(ModelConnection connection, string itemId, string? previousItemId, ModelItemKind kind, string? callId)
    {
    }

    void IModelConnectionEvents.OnItemDeleted(ModelConnection connection, string itemId)
    {
    }
}
