using System.Diagnostics;
using VoiceServer.Diagnostics;

namespace VoiceServer.Core.Tests.Diagnostics;

public sealed class TraceParentTests
{
    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", false)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03", true)]
    public void TryParse_Version00_GivesARemoteContext(string value, bool sampled)
    {
        Assert.True(TraceParent.TryParse(value, out var context));
        Assert.Equal(("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true), (context.TraceId.ToHexString(), context.SpanId.ToHexString(), context.IsRemote));
        Assert.Equal(sampled, context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01")]
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-")]
    [InlineData(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736+00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-０1")]
    public void TryParse_AnythingElse_IsNoParent(string? value)
    {
        Assert.False(TraceParent.TryParse(value, out var context));
        Assert.Equal(default, context);
    }

    [Fact]
    public void Format_ARecordedSpan_ReadsBack()
    {
        using var activity = new Activity("webhook");
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.Start();

        var value = TraceParent.Format(activity);

        Assert.Equal($"00-{activity.TraceId}-{activity.SpanId}-01", value);
        Assert.True(TraceParent.TryParse(value, out var context));
        Assert.Equal((activity.TraceId, activity.SpanId), (context.TraceId, context.SpanId));
        Assert.Null(TraceParent.Format(null));
    }
}
