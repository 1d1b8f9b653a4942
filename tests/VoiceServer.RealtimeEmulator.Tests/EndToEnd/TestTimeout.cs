using System.Diagnostics;

namespace VoiceServer.RealtimeEmulator.Tests.EndToEnd;

internal static class TestTimeout
{
    /// <summary>A safety net for every await in a test (never the synchronisation); off under a debugger.</summary>
    public static CancellationTokenSource Create() =>
        new(Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(15));
}
