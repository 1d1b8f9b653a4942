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

        Assert.True(_responses.TryDequeue(out var instructions, out _));
        Assert.Equal("first", instructions);
        Assert.False(_responses.IsQueued);
        Assert.False(_responses.TryDequeue(out _, out _));
    }

    [Fact]
    public void QueuedOperatorMessage_DequeuedAsOne_EvenWithOtherRequestsFoldedIn()
    {
        Assert.True(_responses.TryQueue(responseActive: true, "the operator's message", operatorMessage: true));
        Assert.True(_responses.TryQueue(responseActive: true, instructions: null));

        Assert.True(_responses.TryDequeue(out var instructions, out var operatorMessage));
        Assert.Equal("the operator's message", instructions);
        Assert.True(operatorMessage);
        Assert.True(_responses.TryQueue(responseActive: true, "a key press"));
        Assert.True(_responses.TryDequeue(out _, out operatorMessage));
        Assert.False(operatorMessage);
    }

    [Fact]
    public void Drop_EmptiesTheQueue_SayingWhetherItHeldAnOperatorMessage()
    {
        Assert.False(_responses.TryDrop(out _));
        _responses.TryQueue(responseActive: true, "the operator's message", operatorMessage: true);

        Assert.True(_responses.TryDrop(out var operatorMessage));
        Assert.True(operatorMessage);
        Assert.False(_responses.IsQueued);
        Assert.False(_responses.TryDequeue(out _, out _));
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
        Assert.True(_responses.TryDequeue(out var instructions, out _));
        Assert.Equal("for the new session", instructions);
    }

    [Fact]
    public void ModelNotAccepting_SendFails()
    {
        _model.AcceptSends = false;
        Assert.False(_responses.TrySend(_model, instructions: null));
    }
}
