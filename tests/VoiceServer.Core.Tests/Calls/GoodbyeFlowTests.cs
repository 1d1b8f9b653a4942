using Microsoft.Extensions.Time.Testing;
using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class GoodbyeFlowTests : IGoodbyeEvents
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(15);
    private static readonly CallControlRequest HangUp = new(CallEndReason.AgentHungUp, "the agent ended the call", Number: null);
    private readonly FakeTimeProvider _time = new();
    private readonly GoodbyeFlow _goodbye;
    private int _maxDurations;
    private int _timeouts;

    public GoodbyeFlowTests() => _goodbye = new GoodbyeFlow(_time, Cap, this);

    void IGoodbyeEvents.OnMaxDurationReached() => _maxDurations++;

    void IGoodbyeEvents.OnGoodbyeTimedOut() => _timeouts++;

    [Fact]
    public void OwnGoodbye_WaitsForQuiet_ThenItsResponseIsTheGoodbye()
    {
        _goodbye.Begin(CallEndReason.MaxDuration, "maximum call duration reached", "say goodbye");
        Assert.True(_goodbye.IsUnderWay);

        Assert.False(_goodbye.TryRequest(quiet: false, out _));
        Assert.Equal(GoodbyeStep.RequestIfQuiet, _goodbye.OnResponseDone("resp_0", hadAudio: true));
        Assert.True(_goodbye.TryRequest(quiet: true, out var instructions));
        Assert.Equal("say goodbye", instructions);
        Assert.False(_goodbye.TryRequest(quiet: true, out _));

        _goodbye.OnResponseCreated("resp_1");
        Assert.Equal(GoodbyeStep.None, _goodbye.OnResponseDone("resp_other", hadAudio: true));
        Assert.Equal(GoodbyeStep.FinishIfPlayed, _goodbye.OnResponseDone("resp_1", hadAudio: true));
        Assert.True(_goodbye.IsSpoken);

        Assert.Null(_goodbye.Finish());
        Assert.Equal(CallEndReason.MaxDuration, _goodbye.Reason);
        Assert.Equal("maximum call duration reached", _goodbye.Detail);
    }

    [Fact]
    public void CarrierSpoke_GoodbyeIsSpokenAndTheHangUpFollows()
    {
        _goodbye.BeginAfterCarrier("resp_1", HangUp, "say goodbye");
        Assert.True(_goodbye.IsPending);

        Assert.Equal(GoodbyeStep.FinishIfPlayed, _goodbye.OnResponseDone("resp_1", hadAudio: true));
        Assert.Null(_goodbye.CallControlUnderWay);
        Assert.Same(HangUp, _goodbye.Finish());
        Assert.Same(HangUp, _goodbye.CallControlUnderWay);
        Assert.False(_goodbye.IsPending);
    }

    [Fact]
    public void CarrierSilent_GoodbyeIsAskedFor()
    {
        _goodbye.BeginAfterCarrier("resp_1", HangUp, "say goodbye");

        Assert.Equal(GoodbyeStep.RequestIfQuiet, _goodbye.OnResponseDone("resp_1", hadAudio: false));
        Assert.True(_goodbye.TryRequest(quiet: true, out _));
    }

    [Fact]
    public void NoConfirmation_TimesOutOnceWithTheDetailSayingSo()
    {
        _goodbye.Begin(CallEndReason.IdleTimeout, "the caller stayed silent", "say goodbye");
        _time.Advance(Cap);

        Assert.Equal(1, _timeouts);
        _goodbye.OnTimedOut();
        Assert.Equal("the caller stayed silent (goodbye not confirmed in time)", _goodbye.Detail);
    }

    [Fact]
    public void TransferAbandoned_CallGoesOnAndADeferredTimeLimitFollows()
    {
        _goodbye.BeginAfterCarrier("resp_1", new CallControlRequest(CallEndReason.Transferred, "transferred to +15550100", "+15550100"), "announce");
        _goodbye.DeferMaxDuration();
        _goodbye.OnResponseDone("resp_1", hadAudio: true);
        _goodbye.Finish();

        Assert.True(_goodbye.Abandon());
        Assert.False(_goodbye.IsUnderWay);
        Assert.Null(_goodbye.CallControl);
        _time.Advance(Cap * 2);
        Assert.Equal(0, _timeouts);
    }

    [Fact]
    public void ModelReplaced_RequestedGoodbyeIsAskedOfTheNewSession()
    {
        _goodbye.Begin(CallEndReason.MaxDuration, "maximum call duration reached", "say goodbye");
        _goodbye.TryRequest(quiet: true, out _);

        _goodbye.OnModelReplaced();

        Assert.True(_goodbye.TryRequest(quiet: true, out _));
        _goodbye.OnResponseCreated("resp_new");
        Assert.Equal(GoodbyeStep.FinishIfPlayed, _goodbye.OnResponseDone("resp_new", hadAudio: true));
    }

    [Fact]
    public void ModelReplaced_AnUnspokenGoodbyeGetsItsWholeCapAgain_ItsOwnLength()
    {
        var messageCap = TimeSpan.FromSeconds(40);
        _goodbye.Begin(CallEndReason.VoicemailLeft, "voicemail message left (machine_end_beep)", "leave the message", messageCap);
        _time.Advance(TimeSpan.FromSeconds(30));

        _goodbye.OnModelReplaced();

        _time.Advance(messageCap - TimeSpan.FromSeconds(1));
        Assert.Equal(0, _timeouts);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _timeouts);
    }

    [Fact]
    public void ModelReplaced_ASpokenGoodbyeKeepsItsCap()
    {
        _goodbye.Begin(CallEndReason.MaxDuration, "maximum call duration reached", "say goodbye");
        _goodbye.TryRequest(quiet: true, out _);
        _goodbye.OnResponseCreated("resp_1");
        _goodbye.OnResponseDone("resp_1", hadAudio: true);
        _time.Advance(Cap - TimeSpan.FromSeconds(1));

        _goodbye.OnModelReplaced();

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _timeouts);
    }

    [Fact]
    public void MaxDurationTimer_FiresOnceAndStopsWithTheCall()
    {
        _goodbye.StartMaxDurationTimer(TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, _maxDurations);

        var stopped = new GoodbyeFlow(_time, Cap, this);
        stopped.StartMaxDurationTimer(TimeSpan.FromMinutes(1));
        stopped.Stop();
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, _maxDurations);
    }
}
