using System.Diagnostics;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>A safety net for every await of a test, never its synchronisation (unlimited under a debugger).</summary>
public static class TestTimeout
{
    public static CancellationTokenSource Create(int seconds = 15) =>
        Debugger.IsAttached ? new CancellationTokenSource() : new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
}
