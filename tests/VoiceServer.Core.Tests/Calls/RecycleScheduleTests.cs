using Microsoft.Extensions.Time.Testing;
using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class RecycleScheduleTests : IRecycleEvents
{
    private static readonly CallSessionOptions Options = new()
    {
        ModelSessionCap = TimeSpan.FromMinutes(60),
        RecycleLead = TimeSpan.FromMinutes(5),
        RecycleDeadlineLead = TimeSpan.FromMinutes(1),
    };

    private readonly FakeTimeProvider _time = new();
    private readonly RecycleSchedule _schedule;
    private readonly List<bool> _due = [];

    public RecycleScheduleTests() => _schedule = new RecycleSchedule(_time, Options, this);

    void IRecycleEvents.OnRecycleDue(bool urgent)
    {
        _due.Add(urgent);
        _schedule.OnDue(urgent);
    }

    [Fact]
    public void Timers_RunFromTheConnectionsStart()
    {
        var connectionStartedAt = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMinutes(10));
        _schedule.Start(connectionStartedAt);

        _time.Advance(TimeSpan.FromMinutes(45) - TimeSpan.FromSeconds(1));
        Assert.Empty(_due);
        Assert.False(_schedule.IsDue);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([false], _due);
        Assert.True(_schedule.IsDue);
        Assert.False(_schedule.IsUrgent);

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal([false, true], _due);
        Assert.True(_schedule.IsUrgent);
    }

    [Fact]
    public void Cancel_NothingDueAndNoTimerFires()
    {
        _schedule.Start(_time.GetTimestamp());
        _time.Advance(TimeSpan.FromMinutes(55));
        Assert.True(_schedule.IsDue);

        _schedule.Cancel();
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.False(_schedule.IsDue);
        Assert.False(_schedule.IsUrgent);
        Assert.Equal([false], _due);
    }

    [Fact]
    public void ConnectionOlderThanTheLead_DueAtOnce()
    {
        var connectionStartedAt = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMinutes(58));
        _schedule.Start(connectionStartedAt);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([false], _due);
    }

    [Fact]
    public void NoCap_NothingScheduled()
    {
        var schedule = new RecycleSchedule(_time, new CallSessionOptions { ModelSessionCap = null }, this);
        schedule.Start(_time.GetTimestamp());
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(_due);
    }
}
