using Microsoft.Extensions.Time.Testing;
using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class IdleRepromptTests : IIdleEvents
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly IdleReprompt _idle;
    private readonly List<long> _fired = [];

    public IdleRepromptTests() => _idle = new IdleReprompt(_time, this);

    void IIdleEvents.OnIdleTimerFired(long arming) => _fired.Add(arming);

    private IdlePrompt? FireDue()
    {
        _time.Advance(Timeout);
        var arming = Assert.Single(_fired);
        _fired.Clear();
        return _idle.TryFire(arming, out var prompt) ? prompt : null;
    }

    [Fact]
    public void FirstSilence_Asks_SecondSaysGoodbye()
    {
        _idle.Arm(Timeout);
        Assert.Equal(IdlePrompt.AskStillThere, FireDue());

        _idle.Arm(Timeout);
        Assert.Equal(IdlePrompt.SayGoodbye, FireDue());
    }

    [Fact]
    public void CallerActivity_StartsOver()
    {
        _idle.Arm(Timeout);
        Assert.Equal(IdlePrompt.AskStillThere, FireDue());

        _idle.Cancel(callerActivity: true);
        _idle.Arm(Timeout);
        Assert.Equal(IdlePrompt.AskStillThere, FireDue());
    }

    [Fact]
    public void AgentActivity_KeepsTheCount()
    {
        _idle.Arm(Timeout);
        Assert.Equal(IdlePrompt.AskStillThere, FireDue());

        _idle.Cancel(callerActivity: false);
        _idle.Arm(Timeout);
        Assert.Equal(IdlePrompt.SayGoodbye, FireDue());
    }

    [Fact]
    public void Cancelled_NothingFires()
    {
        _idle.Arm(Timeout);
        _idle.Cancel(callerActivity: false);
        _time.Advance(Timeout * 2);
        Assert.Empty(_fired);
    }

    [Fact]
    public void ArmingReplacedAfterItFired_DoesNotCount()
    {
        _idle.Arm(Timeout);
        _time.Advance(Timeout);
        var stale = Assert.Single(_fired);
        _fired.Clear();

        _idle.Arm(Timeout);
        Assert.False(_idle.TryFire(stale, out _));
        Assert.Equal(IdlePrompt.AskStillThere, FireDue());
    }
}
