using Microsoft.Extensions.Time.Testing;
using VoiceServer.MainApp.Webhooks;

namespace VoiceServer.Tests.MainApp;

/// <summary>A signed webhook's signature (or token id) is let in once while its timestamp would still pass, and only then forgotten.</summary>
public sealed class ReplayGuardTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    [Fact]
    public void SameKey_WithinTheWindow_RefusedUntilItPasses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var guard = new ReplayGuard(time);

        Assert.True(guard.TryAccept("telnyx:sig-a", Window));
        Assert.False(guard.TryAccept("telnyx:sig-a", Window));
        Assert.True(guard.TryAccept("telnyx:sig-b", Window));

        time.Advance(Window - TimeSpan.FromSeconds(1));
        Assert.False(guard.TryAccept("telnyx:sig-a", Window));

        // By now the signature's timestamp is refused as stale anyway: the guard may forget it.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(guard.TryAccept("telnyx:sig-a", Window));
        Assert.False(guard.TryAccept("telnyx:sig-a", Window));
    }

    [Fact]
    public void ManyKeys_ExpiredOnesSwept_LiveOnesKept()
    {
        var time = new FakeTimeProvider();
        var guard = new ReplayGuard(time);
        for (var i = 0; i < 10_001; i++)
        {
            Assert.True(guard.TryAccept("old-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Window));
        }

        Assert.True(guard.TryAccept("live", Window * 2));
        time.Advance(Window);

        Assert.True(guard.TryAccept("new", Window));
        Assert.False(guard.TryAccept("live", Window));
        Assert.True(guard.TryAccept("old-0", Window));
    }
}
