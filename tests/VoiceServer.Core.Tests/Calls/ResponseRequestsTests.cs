using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class ResponseRequestsTests
{
    private readonly ResponseRequests _responses = new();
    private readonly InMemoryModelLeg _model = new();

    [Fact]
    public void NothingActive_RequestGoesNow()
    {
        Assert.False(_responses.TryQueue(responseActive: false, "hello"));
        Assert.True(_responses.TrySend(_model, "hello"));
        Assert.True(_responses.IsRequested);
        Assert.Equal(["response.create"], _model.Sent);
    }

    [Fact]
    public void AskedForButNotCreated_NextRequestWaits()
    {
        _responses.TrySend(_model, instructions: null);

        Assert.True(_responses.TryQueue(responseActive: false, "second"));
        Assert.True(_responses.IsQueued);

        _responses.OnCreated();
        Assert.False(_responses.IsRequested);
    }

    [Fact]
    public void RequestsWhileActive_FoldIntoOneWithTheFirstInstructions()
    {
        Assert.True(_responses.TryQueue(responseActive: true, instructions: null));
        Assert.True(_responses.TryQueue(responseActive: true, "first"));
        Assert.True(_responses.TryQueue(responseActive: true, "second"));

        Assert.True(_responses.TryDequeue(out var instructions));
        Assert.Equal("first", instructions);
        Assert.False(_responses.IsQueued);
        Assert.False(_responses.TryDequeue(out _));
    }

    [Fact]
    public void Reset_ForgetsWhatTheOldSessionWasAsked()
    {
        _responses.TrySend(_model, instructions: null);
        _responses.TryQueue(responseActive: true, instructions: null);

        _responses.Reset();

        Assert.False(_responses.IsRequested);
        Assert.False(_responses.IsQueued);
        Assert.False(_responses.TryQueue(responseActive: false, instructions: null));
    }

    [Fact]
    public void Reset_DropsTheOldSessionsQueuedInstructions()
    {
        Assert.True(_responses.TryQueue(responseActive: true, "for the old session"));
        _responses.Reset();

        Assert.True(_responses.TryQueue(responseActive: true, "for the new session"));
        Assert.True(_responses.TryDequeue(out var instructions));
        Assert.Equal("for the new session", instructions);
    }

    [Fact]
    public void ModelNotAccepting_SendFails()
    {
        _model.AcceptSends = false;
        Assert.False(_responses.TrySend(_model, instructions: null));
    }
}
